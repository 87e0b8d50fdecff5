//! Column mappings for the typed ids of `domain::ids`: an id is stored as its text and read
//! back into its type, so row structs and queries carry `CycleId`, `ReviewId` and the like
//! from the database to the page without passing through a bare string.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::ids::{
    AssignmentId, CycleId, GoalId, MessageId, OrganizationId, PersonId, ReviewId,
};

macro_rules! id_columns {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(<$t>::stored)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
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

        // what `#[derive(AsExpression)]` writes, kept here so that `domain` stays free of diesel
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
        // insertable structs hold ids by reference, and diesel takes their fields by reference
        impl<'a, 'b> AsExpression<Text> for &'a &'b $t {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<Nullable<Text>> for &'a &'b $t {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )+};
}

id_columns!(
    CycleId,
    ReviewId,
    AssignmentId,
    PersonId,
    MessageId,
    OrganizationId,
    GoalId
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;

    #[test]
    fn an_id_is_written_and_read_as_its_text() {
        let mut c = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        let id = CycleId::parse("0192f3c4-1d2e-7a3b-8c4d-5e6f70819203").expect("a uuid");
        let back: CycleId = diesel::select(id.clone().into_sql::<Text>())
            .get_result(&mut c)
            .expect("read back");
        assert_eq!(back, id);
        let none: Option<PersonId> =
            diesel::select(None::<String>.into_sql::<diesel::sql_types::Nullable<Text>>())
                .get_result(&mut c)
                .expect("null");
        assert_eq!(none, None);
    }
}
