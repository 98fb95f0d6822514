//! The SQL of `categories` as admins change them.

use crate::listings::model::AdminCategory;
use crate::store::{Db, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};

impl Db {
    /// Every category in its order, with how many listings it has (and how many are active).
    pub(crate) async fn admin_categories(&self) -> Result<Vec<AdminCategory>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
                "SELECT c.slug, c.name, c.description, c.retired_at IS NOT NULL AS retired, \
                 COUNT(l.id) AS listings, \
                 COALESCE(SUM(CASE WHEN l.status = 'active' THEN 1 ELSE 0 END), 0) AS active \
                 FROM categories c LEFT JOIN listings l ON l.category_slug = c.slug \
                 GROUP BY c.slug, c.name, c.description, c.retired_at, c.position \
                 ORDER BY c.position")
            .fetch_all(pool).await)
    }
}

impl Tx {
    /// Categories in use (retired ones do not count).
    pub(crate) async fn category_count(&mut self) -> Result<i64, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT COUNT(*) FROM categories WHERE retired_at IS NULL")
            .fetch_one(&mut *conn).await)
    }

    /// Whether a category other than `except` is called `name` (in any case).
    pub(crate) async fn category_name_taken(
        &mut self,
        name: &str,
        except: &str,
    ) -> Result<bool, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM categories WHERE LOWER(name) = LOWER($1) \
                 AND slug <> $2)")
            .bind(name).bind(except).fetch_one(&mut *conn).await)
    }

    pub(crate) async fn category_slug_taken(&mut self, slug: &str) -> Result<bool, sqlx::Error> {
        on_tx!(self, conn => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM categories WHERE slug = $1)")
            .bind(slug).fetch_one(&mut *conn).await)
    }

    /// Adds a category after the others.
    pub(crate) async fn insert_category(
        &mut self,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "INSERT INTO categories (slug, name, description, position) \
                 SELECT $1, $2, $3, COALESCE(MAX(position), 0) + 1 FROM categories")
            .bind(slug).bind(name).bind(description).execute(&mut *conn).await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Renames category `slug`; false when there is none. Its listings are written again, so
    /// that search reads the new name (the full-text triggers fire on their category).
    pub(crate) async fn rename_category(
        &mut self,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<bool, sqlx::Error> {
        let renamed = on_tx!(self, conn => sqlx::query(
                "UPDATE categories SET name = $2, description = $3 WHERE slug = $1")
            .bind(slug).bind(name).bind(description).execute(&mut *conn).await
            .map(|done| done.rows_affected() == 1))?;
        if renamed {
            on_tx!(self, conn => sqlx::query(
                    "UPDATE listings SET category_slug = category_slug WHERE category_slug = $1")
                .bind(slug).execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        }
        Ok(renamed)
    }

    /// Retires category `slug` at `at`, or brings it back (`None`); false when nothing
    /// changed (no such category, or it was so already).
    pub(crate) async fn set_category_retired(
        &mut self,
        slug: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<bool, sqlx::Error> {
        let sql = match at {
            Some(_) => {
                "UPDATE categories SET retired_at = $2 WHERE slug = $1 AND retired_at IS NULL"
            }
            None => {
                "UPDATE categories SET retired_at = $2 WHERE slug = $1 AND retired_at IS NOT NULL"
            }
        };
        on_tx!(self, conn => sqlx::query(sql)
            .bind(slug).bind(at).execute(&mut *conn).await
            .map(|done| done.rows_affected() == 1))
    }
}
