//! Notifications by email (server only). Writing an entry ([`super::store`]'s `Tx::notify`)
//! owes an email in the same transaction: a row in `emails`, keyed like the entry (once per
//! event and member), and a job that sends it, retried with backoff. Several instances share
//! the queue, so each email is sent by one of them; the job reads the row first and closes it,
//! so a job run twice sends nothing the second time.
//!
//! What the member chose decides ([`super::preferences`]): each email as it comes, off, or for
//! messages a daily digest at 08:00 in their time zone. New messages are gathered: while a
//! conversation's entry is unread, at most one email about it every [`MESSAGE_GAP`]; one read
//! in the app before its email goes is not emailed.

mod store;
pub mod unsubscribe;

use super::preferences::{Choice, EmailPreferences, Topic};
use super::rules::{About, Notice, NoticeKind};
use super::service::line;
use crate::domain::{NotificationId, UserId};
use crate::error::AppError;
use crate::jobs::NewJob;
use crate::mail::{Letter, MailError, Mailer};
use crate::secrets::Keys;
use crate::store::{Db, Tx};
use chrono::{DateTime, Duration, Utc};
use store::NewEmail;
use unsubscribe::Unsubscribe;
use uuid::Uuid;

/// The job that sends an owed email; its payload is the email's id.
pub const EMAIL_JOB: &str = "email";
/// About three and a half hours of retries (10 s doubling to an hour) before it is given up.
const EMAIL_ATTEMPTS: i64 = 12;
/// New messages in one conversation send at most one email per member this often.
pub const MESSAGE_GAP: Duration = Duration::minutes(15);
/// When the daily digest of unread messages goes, in the member's time zone.
const DIGEST_HOUR: u32 = 8;
/// Conversations a digest lists at most; the link leads to the rest.
const DIGEST_LINES: i64 = 20;

/// The next digest after `now` for a member in `time_zone`.
fn next_digest(now: DateTime<Utc>, time_zone: &str) -> DateTime<Utc> {
    let today = now
        .with_timezone(&time_zone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC))
        .date_naive();
    let at_today = crate::calendar::local_moment(today, DIGEST_HOUR, time_zone);
    if at_today > now {
        at_today
    } else {
        crate::calendar::local_moment(today + Duration::days(1), DIGEST_HOUR, time_zone)
    }
}

/// Owes the email that `notice`, written as entry `entry`, calls for, if its member wants
/// one: in the transaction that wrote the entry.
pub(super) async fn owe(
    tx: &mut Tx,
    notice: &Notice,
    entry: NotificationId,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let topic = notice.kind.topic();
    let Some((choice, time_zone)) = tx.email_choice(notice.recipient, topic).await? else {
        return Ok(());
    };
    let conversation = match notice.about {
        About::Conversation(id) => Some(id),
        About::Booking(_) | About::Found { .. } => None,
    };
    let email = |key: String, entry, conversation, due| NewEmail {
        id: Uuid::new_v4(),
        recipient: notice.recipient,
        topic,
        key,
        entry,
        conversation,
        due,
    };
    let email = match (choice, conversation) {
        (Choice::Off, _) => return Ok(()),
        (Choice::Daily, Some(_)) => {
            let due = next_digest(now, &time_zone);
            email(
                format!("digest:{}", due.format("%Y-%m-%d")),
                None,
                None,
                due,
            )
        }
        (_, Some(id)) => {
            // The email waiting for this entry will tell of this message too.
            if tx.email_waiting_for(entry).await? {
                return Ok(());
            }
            let last = tx.last_email_about(notice.recipient, id).await?;
            let due = last.map_or(now, |last| (last + MESSAGE_GAP).max(now));
            email(notice.key.clone(), Some(entry), Some(id), due)
        }
        (_, None) => email(notice.key.clone(), Some(entry), None, now),
    };
    if tx.owe_email(&email, now).await? {
        let job = NewJob {
            max_attempts: EMAIL_ATTEMPTS,
            ..NewJob::once(EMAIL_JOB, email.id.to_string(), email.due)
        };
        tx.enqueue(&job, now).await?;
    }
    Ok(())
}

/// What sending needs besides the database.
pub struct Post<'a> {
    pub mailer: &'a Mailer,
    pub keys: &'a Keys,
    /// The site's address, for absolute links.
    pub public_url: &'a str,
    /// Whether this is the job's last attempt: a failure then closes the email, so that the
    /// conversation's next message is owed an email of its own.
    pub last_attempt: bool,
}

/// Sends the email of job payload `payload`, or closes it unsent when it is no longer wanted.
/// An error leaves it owed, for the job's next attempt.
pub async fn deliver(
    db: &Db,
    post: &Post<'_>,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let id = Uuid::parse_str(payload).map_err(|e| format!("bad email id: {e}"))?;
    let owed = db.owed_email(id).await.map_err(|e| e.to_string())?;
    let Some(owed) = owed else {
        return Err(format!("no email {id}"));
    };
    if owed.sent_at.is_some() || owed.skipped.is_some() {
        return Ok(());
    }
    let topic = owed.topic.0;
    let choice = owed.choice.map_or(Choice::Each, |c| c.0);
    let skip = if owed.status != "active" {
        Some("the account is suspended or deleted")
    } else if choice == Choice::Off {
        Some("turned off")
    } else if owed.entry_kind.is_some_and(|k| k.0 == NoticeKind::Message)
        && owed.entry_read_at.is_some()
    {
        Some("read in the app first")
    } else {
        None
    };
    let member = owed.recipient_id;
    let letter = match skip {
        Some(_) => None,
        None => {
            let content = match owed.notification_id {
                Some(entry) => one_entry(db, member, entry).await,
                None => digest(db, member).await,
            }
            .map_err(|e| e.to_string())?;
            content.map(|(subject, paragraphs, action)| {
                letter(
                    post,
                    (member, &owed.name, &owed.email),
                    topic,
                    subject,
                    paragraphs,
                    action,
                    id,
                )
            })
        }
    };
    match letter {
        Some(letter) => {
            let letter = letter.map_err(|e| e.to_string())?;
            match post.mailer.send(&letter).await {
                Ok(()) => {}
                // No retry makes an address that cannot receive mail able to.
                Err(MailError::Address) => {
                    return db
                        .close_email(id, Some("the address cannot receive email"), now)
                        .await
                        .map_err(|e| e.to_string());
                }
                Err(error) => {
                    if post.last_attempt {
                        db.close_email(id, Some("could not be sent"), now)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    return Err(error.to_string());
                }
            }
            db.close_email(id, None, now)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(email = %id, topic = topic.as_str(), "email sent");
        }
        None => {
            let reason = skip.unwrap_or("nothing left to tell");
            db.close_email(id, Some(reason), now)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Subject, paragraphs and the one action, with its path.
type Content = (String, Vec<String>, (String, String));

async fn one_entry(
    db: &Db,
    member: UserId,
    entry: NotificationId,
) -> Result<Option<Content>, sqlx::Error> {
    let Some(row) = db.notice_row(member, entry).await? else {
        return Ok(None);
    };
    Ok(line(member, row).map(|line| {
        let subject = line.text.trim_end_matches('.').to_owned();
        (subject, vec![line.text], (line.action, line.href))
    }))
}

async fn digest(db: &Db, member: UserId) -> Result<Option<Content>, sqlx::Error> {
    let rows = db.unread_message_rows(member, DIGEST_LINES).await?;
    let lines: Vec<String> = rows
        .into_iter()
        .filter_map(|row| line(member, row))
        .map(|line| line.text)
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    // The lines are the latest conversations only: the subject counts none.
    let subject = "Your unread messages on GearShare".to_owned();
    Ok(Some((
        subject,
        lines,
        ("Read your messages".to_owned(), "/messages".to_owned()),
    )))
}

#[allow(clippy::too_many_arguments)]
fn letter(
    post: &Post<'_>,
    (member, name, address): (UserId, &str, &str),
    topic: Topic,
    subject: String,
    paragraphs: Vec<String>,
    (action, path): (String, String),
    id: Uuid,
) -> Result<Letter, crate::secrets::SecretError> {
    let site = post.public_url.trim_end_matches('/');
    let link = Unsubscribe::sign(post.keys, member, topic)?;
    Ok(Letter {
        to_name: name.to_owned(),
        to_address: address.to_owned(),
        subject,
        paragraphs,
        action: Some((action, format!("{site}{path}"))),
        footer: vec![
            (
                format!("Stop emails about {}", topic.label().to_lowercase()),
                format!("{site}/email/unsubscribe?{}", link.query()),
            ),
            (
                "Choose what GearShare emails you".to_owned(),
                format!("{site}/account#email-heading"),
            ),
        ],
        unsubscribe: Some(format!(
            "{site}/email/unsubscribe/one-click?{}",
            link.query()
        )),
        message_id: format!("{id}@gearshare"),
    })
}

/// `member`'s email address and choices.
pub async fn preferences(
    db: &Db,
    member: UserId,
    address: String,
) -> Result<EmailPreferences, AppError> {
    let set = db.email_choices(member).await?;
    Ok(EmailPreferences {
        address,
        choices: Topic::ALL
            .into_iter()
            .map(|topic| {
                let choice = set
                    .iter()
                    .find(|(t, _)| t.0 == topic)
                    .map_or(Choice::Each, |(_, c)| c.0);
                (topic, choice)
            })
            .collect(),
    })
}

/// Sets `member`'s choices; a daily digest is for messages only.
pub async fn choose(
    db: &Db,
    member: UserId,
    choices: &[(Topic, Choice)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if choices
        .iter()
        .any(|(topic, choice)| *choice == Choice::Daily && *topic != Topic::Messages)
    {
        return Err(AppError::Validation {
            field: "messages".into(),
            message: "Only messages can come as a daily digest.".into(),
        });
    }
    let mut tx = db.begin_write().await?;
    tx.set_email_choices(member, choices, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `member` turned `topic` off.
pub async fn is_off(db: &Db, member: UserId, topic: Topic) -> Result<bool, AppError> {
    let set = db.email_choices(member).await?;
    Ok(set.iter().any(|(t, c)| t.0 == topic && c.0 == Choice::Off))
}

/// Turns off the topic of a signed link; answers the topic, or `None` when the link is not
/// one the server made.
pub async fn unsubscribe(
    db: &Db,
    keys: &Keys,
    link: &Unsubscribe,
    now: DateTime<Utc>,
) -> Result<Option<Topic>, AppError> {
    if !link.is_genuine(keys) {
        return Ok(None);
    }
    let mut tx = db.begin_write().await?;
    tx.set_email_choices(link.member, &[(link.topic, Choice::Off)], now)
        .await?;
    tx.commit().await?;
    tracing::info!(member = %link.member, topic = link.topic.as_str(), "unsubscribed by link");
    Ok(Some(link.topic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_digest_goes_at_eight_in_the_members_zone() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap();
        // Berlin is UTC+1 in December: 08:00 there is 07:00 UTC.
        assert_eq!(next_digest(at(6, 0), "Europe/Berlin"), at(7, 0));
        assert_eq!(
            next_digest(at(7, 0), "Europe/Berlin"),
            at(7, 0) + Duration::days(1),
            "at 08:00 sharp, the next is tomorrow's"
        );
        assert_eq!(next_digest(at(9, 30), "UTC"), at(8, 0) + Duration::days(1));
        assert_eq!(
            next_digest(at(1, 0), "Nowhere/Else"),
            at(8, 0),
            "UTC if unknown"
        );
    }
}
