//! Typed ids as columns: stored exactly as the UUID they wrap (a 16-byte BLOB on SQLite, a
//! `uuid` on PostgreSQL), so the schema does not know they are typed.

use crate::domain::ids::Id;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use uuid::Uuid;

impl<DB: sqlx::Database, K> sqlx::Type<DB> for Id<K>
where
    Uuid: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <Uuid as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <Uuid as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database, K> sqlx::Decode<'r, DB> for Id<K>
where
    Uuid: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        <Uuid as sqlx::Decode<'r, DB>>::decode(value).map(Id::from_uuid)
    }
}

impl<'q, DB: sqlx::Database, K> sqlx::Encode<'q, DB> for Id<K>
where
    Uuid: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <Uuid as sqlx::Encode<'q, DB>>::encode(self.uuid(), buf)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::ids::ListingId;

    #[tokio::test]
    async fn a_typed_id_is_stored_as_its_uuid() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let id = ListingId::from_u128(42);
        let (read, raw): (ListingId, uuid::Uuid) = sqlx::query_as("SELECT $1, $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(read, id);
        assert_eq!(raw, id.uuid());
    }
}
