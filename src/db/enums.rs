//! Column mappings for the text enums of `domain` (one macro, generic over the backend): a
//! status, role, relationship, locale or email kind is read and written as its identifier,
//! and an unknown identifier read back is an error, never a silent default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::{
    AssignmentStatus, CycleStatus, EmailKind, NominationMode, OutboxStatus, ProposalStatus,
    ReviewStatus, Role, TextEnum,
};

macro_rules! text_columns {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                <$t as TextEnum>::parse(&s).ok_or_else(|| {
                    format!("unknown {} '{s}' in the database", <$t as TextEnum>::WHAT).into()
                })
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                TextEnum::as_str(*self).to_sql(out)
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $t
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        // the same four impls `#[derive(AsExpression)]` writes (its `Bound` type included),
        // kept here so that `domain` stays free of diesel
        impl AsExpression<Text> for $t {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $t {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $t {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $t {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                TextEnum::as_str(*self).to_sql(out)
            }
        }
    )+};
}

text_columns!(
    CycleStatus,
    ReviewStatus,
    AssignmentStatus,
    Role,
    EmailKind,
    OutboxStatus,
    NominationMode,
    ProposalStatus,
    Relationship,
    Locale,
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;

    #[test]
    fn a_text_enum_reads_its_identifier_and_refuses_anything_else() {
        let mut c = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        let draft: AssignmentStatus = diesel::select("draft".into_sql::<Text>())
            .get_result(&mut c)
            .expect("a known status");
        assert_eq!(draft, AssignmentStatus::Draft);
        let bound: bool = diesel::select(
            AssignmentStatus::Submitted
                .into_sql::<Text>()
                .eq("submitted"),
        )
        .get_result(&mut c)
        .expect("bound as its identifier");
        assert!(bound);
        let err = diesel::select("Draft".into_sql::<Text>())
            .get_result::<AssignmentStatus>(&mut c)
            .expect_err("identifiers are exact");
        let detail = match &err {
            diesel::result::Error::DeserializationError(e) => format!("{e} {:?}", e.source()),
            other => panic!("not a deserialization error: {other}"),
        };
        assert!(
            detail.contains("unknown assignment status 'Draft'"),
            "{detail}"
        );
        for r in Relationship::ALL {
            let back: Relationship = diesel::select(r.into_sql::<Text>())
                .get_result(&mut c)
                .expect("round trip");
            assert_eq!(back, r);
        }
    }
}
