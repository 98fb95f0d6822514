//! Email out (server only). A [`Letter`] in GearShare's words becomes a MIME message with a
//! plain-text and an HTML part (lettre), and goes out through the [`Mailer`]: as an `.eml`
//! file in the outbox folder by default, so that running GearShare needs no mail server, or
//! over SMTP when `SMTP_URL` is set. What is owed to whom, and when, is the features' business
//! (notifications); this module only writes and sends.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};

/// One email to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    /// Plain sentences, shown one per paragraph after the greeting.
    pub paragraphs: Vec<String>,
    /// The one thing to do: its words and its absolute address.
    pub action: Option<(String, String)>,
    /// Why the person gets this, and how to stop it: lines of the footer, each with a link.
    pub footer: Vec<(String, String)>,
    /// The signed address that stops this kind of email with one request (RFC 8058).
    pub unsubscribe: Option<String>,
    /// A stable `Message-ID` (without the angle brackets): the same email sent twice keeps it,
    /// so mail systems can tell it is one.
    pub message_id: String,
}

/// Why an email could not be written or sent; the texts hold no secret (SMTP_URL's password
/// never appears in them).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// (The address is left out: it would reach the job's record and the logs.)
    #[error("the address cannot receive email")]
    Address,
    #[error("the email could not be written: {0}")]
    Build(String),
    #[error("the email could not be sent: {0}")]
    Send(String),
    #[error("the outbox folder cannot be used: {0}")]
    Outbox(String),
}

enum Transport {
    Files(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Where email goes, and whom it is from.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    outbox: Option<PathBuf>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outbox {
            Some(dir) => write!(f, "Mailer(files in {})", dir.display()),
            None => write!(f, "Mailer(SMTP)"),
        }
    }
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox, MailError> {
    let email = address.parse().map_err(|_| MailError::Address)?;
    Ok(Mailbox::new(Some(name.to_owned()), email))
}

impl Mailer {
    /// Writes every email as an `.eml` file in `dir`, made if missing.
    pub fn files(dir: &Path, from: (&str, &str)) -> Result<Self, MailError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| MailError::Outbox(format!("{}: {e}", dir.display())))?;
        Ok(Self {
            from: mailbox(from.0, from.1)?,
            transport: Transport::Files(AsyncFileTransport::new(dir)),
            outbox: Some(dir.to_owned()),
        })
    }

    /// Sends over SMTP: `smtp://`, `smtp://…?tls=required` (STARTTLS) or `smtps://`, with the
    /// user and password in the address.
    pub fn smtp(url: &str, from: (&str, &str)) -> Result<Self, MailError> {
        // lettre's error would repeat the address, password included.
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| MailError::Send("SMTP_URL is not an SMTP address".to_owned()))?;
        Ok(Self {
            from: mailbox(from.0, from.1)?,
            transport: Transport::Smtp(builder.build()),
            outbox: None,
        })
    }

    /// The folder emails are written to, when they are written to files.
    pub fn outbox(&self) -> Option<&Path> {
        self.outbox.as_deref()
    }

    /// `letter` as the message that goes out.
    pub fn message(&self, letter: &Letter) -> Result<Message, MailError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(mailbox(&letter.to_name, &letter.to_address)?)
            .subject(letter.subject.clone())
            .message_id(Some(format!("<{}>", letter.message_id)))
            .date_now();
        if let Some(address) = &letter.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{address}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                plain_text(letter),
                html(letter),
            ))
            .map_err(|e| MailError::Build(e.to_string()))
    }

    pub async fn send(&self, letter: &Letter) -> Result<(), MailError> {
        let message = self.message(letter)?;
        let sent = match &self.transport {
            Transport::Files(files) => files
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
        crate::meters::email(sent.is_ok());
        sent.map_err(MailError::Send)
    }
}

fn plain_text(letter: &Letter) -> String {
    let mut text = format!("Hello {},\n\n", letter.to_name);
    for paragraph in &letter.paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
    }
    if let Some((words, address)) = &letter.action {
        text.push_str(&format!("{words}: {address}\n\n"));
    }
    text.push_str("-- \nGearShare\n");
    for (words, address) in &letter.footer {
        text.push_str(&format!("{words}: {address}\n"));
    }
    text
}

fn html(letter: &Letter) -> String {
    let mut body = format!("<p>Hello {},</p>\n", escape(&letter.to_name));
    for paragraph in &letter.paragraphs {
        body.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    if let Some((words, address)) = &letter.action {
        // A button made of a link: mail programs drop styles from real buttons.
        body.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;\
             background:#0f766e;color:#ffffff;border-radius:8px;text-decoration:none;\
             font-weight:600\">{}</a></p>\n",
            escape(address),
            escape(words)
        ));
    }
    let footer: String = letter
        .footer
        .iter()
        .map(|(words, address)| {
            format!(
                "<a href=\"{}\" style=\"color:#334155\">{}</a><br>\n",
                escape(address),
                escape(words)
            )
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{subject}</title></head>\n\
         <body style=\"font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5\">\n\
         {body}<hr style=\"border:none;border-top:1px solid #cbd5e1\">\n\
         <p style=\"font-size:13px;color:#334155\">GearShare<br>\n{footer}</p>\n</body></html>\n",
        subject = escape(&letter.subject),
    )
}

/// Text as HTML that shows it literally, in an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            to_name: "Rita <Renter>".into(),
            to_address: "rita@example.com".into(),
            subject: "Olga accepted your request".into(),
            paragraphs: vec!["Olga accepted your request for <b>Dome tent</b>.".into()],
            action: Some((
                "See the booking".into(),
                "https://gs.example/bookings/1".into(),
            )),
            footer: vec![(
                "Stop these emails".into(),
                "https://gs.example/email/unsubscribe?x=1&y=2".into(),
            )],
            unsubscribe: Some("https://gs.example/email/unsubscribe/one-click?x=1&y=2".into()),
            message_id: "e1@gearshare".into(),
        }
    }

    #[test]
    fn a_letter_has_both_parts_its_headers_and_escaped_html() {
        let dir = std::env::temp_dir().join(format!("gs-mail-{}", uuid::Uuid::new_v4()));
        let mailer = Mailer::files(&dir, ("GearShare", "no-reply@gs.example")).unwrap();
        let text = String::from_utf8(mailer.message(&letter()).unwrap().formatted()).unwrap();
        assert!(
            text.contains(
                "List-Unsubscribe: <https://gs.example/email/unsubscribe/one-click?x=1&y=2>"
            ),
            "{text}"
        );
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(text.contains("Message-ID: <e1@gearshare>"));
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("text/plain") && text.contains("text/html"));
        let html = html(&letter());
        assert!(html.contains("&lt;b&gt;Dome tent&lt;/b&gt;"), "{html}");
        assert!(html.contains("href=\"https://gs.example/email/unsubscribe?x=1&amp;y=2\""));
        assert!(!html.contains("<b>"));
        assert!(plain_text(&letter()).contains("See the booking: https://gs.example/bookings/1"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_address_that_cannot_receive_is_refused() {
        let dir = std::env::temp_dir().join(format!("gs-mail-{}", uuid::Uuid::new_v4()));
        let mailer = Mailer::files(&dir, ("GearShare", "no-reply@gs.example")).unwrap();
        let mut bad = letter();
        bad.to_address = "not an address".into();
        assert!(matches!(mailer.message(&bad), Err(MailError::Address)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
