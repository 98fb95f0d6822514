//! Admins add, rename and retire categories (server only). A category keeps its slug for
//! life, so links keep working after a rename; a retired one keeps its listings and takes no
//! new ones. Each change is audited and goes on the event stream, which makes every instance
//! forget the pages and searches that name categories.

use crate::accounts::audit::{AuditEvent, AuditKind};
use crate::domain::category::{CategoryText, MOST_CATEGORIES};
use crate::error::AppError;
use crate::events::{NewEvent, Stream};
use crate::listings::model::AdminCategory;
use crate::request::Caller;
use crate::store::Db;
use serde_json::json;

pub async fn for_admins(db: &Db) -> Result<Vec<AdminCategory>, AppError> {
    Ok(db.admin_categories().await?)
}

fn change(admin: &Caller, kind: AuditKind, detail: serde_json::Value) -> (AuditEvent, NewEvent) {
    let audit =
        AuditEvent::new(kind, Some(admin.user.id), None, &admin.client).with_detail(detail.clone());
    let event = NewEvent {
        stream: Stream::Catalogue,
        kind: kind.as_str(),
        payload: detail,
        actor: Some(admin.user.id),
    };
    (audit, event)
}

fn text(name: &str, description: &str) -> Result<CategoryText, AppError> {
    CategoryText::parse(name, description)
        .map_err(|(field, problem)| AppError::validation(field, problem.to_string()))
}

const NAME_TAKEN: &str = "A category already has that name.";

/// Adds a category after the others; answers its slug.
pub async fn add(
    db: &Db,
    admin: &Caller,
    name: &str,
    description: &str,
) -> Result<String, AppError> {
    let text = text(name, description)?;
    let mut tx = db.begin_write().await?;
    if tx.category_count().await? >= MOST_CATEGORIES {
        return Err(AppError::Conflict(format!(
            "At most {MOST_CATEGORIES} categories can be in use: retire one, or rename one instead."
        )));
    }
    if tx.category_name_taken(&text.name, "").await? {
        return Err(AppError::validation("name", NAME_TAKEN));
    }
    // The slug is the name's; a second category of a similar name gets a number.
    let base = text.slug();
    let mut slug = base.clone();
    let mut n = 2;
    while tx.category_slug_taken(&slug).await? {
        slug = format!("{base}-{n}");
        n += 1;
    }
    tx.insert_category(&slug, &text.name, &text.description)
        .await?;
    let (audit, event) = change(
        admin,
        AuditKind::CategoryAdded,
        json!({ "slug": slug, "name": text.name }),
    );
    tx.record_audit(&audit, admin.now).await?;
    tx.append(&[event], admin.now).await?;
    tx.commit().await?;
    Ok(slug)
}

/// Renames category `slug` and sets its description.
pub async fn rename(
    db: &Db,
    admin: &Caller,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<(), AppError> {
    let text = text(name, description)?;
    let mut tx = db.begin_write().await?;
    if tx.category_name_taken(&text.name, slug).await? {
        return Err(AppError::validation("name", NAME_TAKEN));
    }
    if !tx
        .rename_category(slug, &text.name, &text.description)
        .await?
    {
        return Err(AppError::NotFound);
    }
    let (audit, event) = change(
        admin,
        AuditKind::CategoryRenamed,
        json!({ "slug": slug, "name": text.name }),
    );
    tx.record_audit(&audit, admin.now).await?;
    tx.append(&[event], admin.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Retires category `slug` (`retired`) or brings it back.
pub async fn set_retired(
    db: &Db,
    admin: &Caller,
    slug: &str,
    retired: bool,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    if !tx
        .set_category_retired(slug, retired.then_some(admin.now))
        .await?
    {
        return Err(AppError::Conflict(if retired {
            "That category is retired already, or gone.".into()
        } else {
            "That category is in use already, or gone.".into()
        }));
    }
    let kind = if retired {
        AuditKind::CategoryRetired
    } else {
        AuditKind::CategoryRestored
    };
    let (audit, event) = change(admin, kind, json!({ "slug": slug }));
    tx.record_audit(&audit, admin.now).await?;
    tx.append(&[event], admin.now).await?;
    tx.commit().await?;
    Ok(())
}
