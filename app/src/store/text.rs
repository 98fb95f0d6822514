//! Statuses and kinds stored as text. A row reads one as `Text<BookingStatus>` and gets the
//! enum, or a decoding error naming the unknown value: no code compares the text itself.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;

/// An enum kept in a text column by its name.
pub trait StoredText: Sized {
    /// What it is, for the error about an unknown value ("booking status").
    const WHAT: &'static str;
    fn as_str(&self) -> &'static str;
    fn parse(text: &str) -> Option<Self>;
}

/// Implements [`StoredText`] for an enum from its own `as_str(self)` (or the method named
/// third) and `parse(&str) -> Option<Self>`, saying what it is for the decoding error.
#[macro_export]
macro_rules! stored_text {
    ($type:ty, $what:literal) => {
        $crate::stored_text!($type, $what, as_str);
    };
    ($type:ty, $what:literal, $name:ident) => {
        impl $crate::store::StoredText for $type {
            const WHAT: &'static str = $what;

            fn as_str(&self) -> &'static str {
                <$type>::$name(*self)
            }

            fn parse(text: &str) -> Option<Self> {
                <$type>::parse(text)
            }
        }
    };
}

/// A [`StoredText`] as a column of either backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<T>(pub T);

impl<DB: sqlx::Database, T> sqlx::Type<DB> for Text<T>
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database, T: StoredText> sqlx::Decode<'r, DB> for Text<T>
where
    String: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
        T::parse(&text)
            .map(Text)
            .ok_or_else(|| format!("unknown {} {text:?}", T::WHAT).into())
    }
}

impl<'q, DB: sqlx::Database, T: StoredText> sqlx::Encode<'q, DB> for Text<T>
where
    String: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <String as sqlx::Encode<'q, DB>>::encode(self.0.as_str().to_owned(), buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Light {
        On,
        Off,
    }

    impl StoredText for Light {
        const WHAT: &'static str = "light";

        fn as_str(&self) -> &'static str {
            match self {
                Light::On => "on",
                Light::Off => "off",
            }
        }

        fn parse(text: &str) -> Option<Self> {
            [Light::On, Light::Off]
                .into_iter()
                .find(|light| light.as_str() == text)
        }
    }

    #[tokio::test]
    async fn a_stored_name_reads_back_and_an_unknown_one_is_named_in_the_error() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let read: Text<Light> = sqlx::query_scalar("SELECT $1")
            .bind(Text(Light::Off))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(read, Text(Light::Off));
        let unknown = sqlx::query_scalar::<_, Text<Light>>("SELECT 'dim'")
            .fetch_one(&pool)
            .await
            .unwrap_err();
        assert!(
            unknown.to_string().contains("unknown light \"dim\""),
            "{unknown}"
        );
    }
}
