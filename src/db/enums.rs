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
    AssignmentStatus, CycleStatus, EmailKind, GoalProgress, NominationMode, NoticeEvent,
    OutboxStatus, ProposalStatus, ReviewStatus, Role, TextEnum,
};

/// The impls that read and write a domain type as a text column (generic over the backend):
/// `read` turns the stored text into a value or an error, `text` gives the text to store.
/// The `AsExpression` impls are the ones `#[derive(AsExpression)]` writes (its `Bound` type
/// included), kept here so that `domain` stays free of diesel; insertable structs hold their
/// values by reference, hence the `&&T` ones.
macro_rules! text_column {
    ($t:ty, read: $read:expr, text: $text:expr) => {
        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let read: fn(String) -> deserialize::Result<$t> = $read;
                read(String::from_sql(bytes)?)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                let text: fn(&$t) -> &str = $text;
                text(self).to_sql(out)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <Self as ToSql<Text, DB>>::to_sql(self, out)
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

        $crate::db::enums::text_column!(@expr $t, Text);
        $crate::db::enums::text_column!(@expr $t, Nullable<Text>);
    };
    (@expr $t:ty, $st:ty) => {
        impl AsExpression<$st> for $t {
            type Expression = Bound<$st, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<$st> for &'a $t {
            type Expression = Bound<$st, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<$st> for &'a &'b $t {
            type Expression = Bound<$st, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    };
}
pub(super) use text_column;

macro_rules! text_columns {
    ($($t:ty),+ $(,)?) => {$(
        text_column!(
            $t,
            read: |s| {
                <$t as TextEnum>::parse(&s).ok_or_else(|| {
                    format!("unknown {} '{s}' in the database", <$t as TextEnum>::WHAT).into()
                })
            },
            text: |v| TextEnum::as_str(*v)
        );
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
    GoalProgress,
    NoticeEvent,
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
