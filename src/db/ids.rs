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
    AssignmentId, CycleId, GoalId, MessageId, OrganizationId, PersonId, ReviewId, SpecimenId,
};

macro_rules! id_columns {
    ($($t:ty),+ $(,)?) => {$(
        super::enums::text_column!($t, read: |s| Ok(<$t>::stored(s)), text: |v| v.as_str());
    )+};
}

id_columns!(
    CycleId,
    ReviewId,
    AssignmentId,
    PersonId,
    MessageId,
    SpecimenId,
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
