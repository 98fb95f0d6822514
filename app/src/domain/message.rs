//! What a message between a renter and an owner may hold: plain text of at most
//! [`MAX_MESSAGE_CHARS`] characters, its line breaks kept. Nothing in it is markup: pages
//! escape it and show a link as text.

use serde::{Deserialize, Serialize};

/// Long enough for pickup directions and a list of questions; an essay belongs elsewhere.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// A report says what is wrong in a few sentences.
pub const MAX_REPORT_CHARS: usize = 1_000;

/// A message's text, checked and normalised: `\r\n` and `\r` become `\n`, control characters
/// other than line breaks and tabs go, and so do the direction overrides that can make text
/// read differently from what it is; the whole is trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageText(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Write something first.")]
    Empty,
    #[error("Keep it to {max} characters (this has {chars}).")]
    TooLong { chars: usize, max: usize },
}

impl MessageText {
    pub fn parse(typed: &str) -> Result<Self, TextError> {
        plain_text(typed, MAX_MESSAGE_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first line or so, for a list of conversations.
    pub fn preview(text: &str, chars: usize) -> String {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match flat.char_indices().nth(chars) {
            Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
            None => flat,
        }
    }
}

/// Why a member reports something to the admins, as [`MessageText`] is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportReason(String);

impl ReportReason {
    pub fn parse(typed: &str) -> Result<Self, TextError> {
        plain_text(typed, MAX_REPORT_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn plain_text(typed: &str, max: usize) -> Result<String, TextError> {
    let text: String = typed
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 {
        return Err(TextError::Empty);
    }
    if chars > max {
        return Err(TextError::TooLong { chars, max });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_stay_and_hidden_characters_go() {
        let text =
            MessageText::parse("  Hi!\r\nIs the lens\u{202E} sharp?\rThanks\u{7}  ").unwrap();
        assert_eq!(text.as_str(), "Hi!\nIs the lens sharp?\nThanks");
        let markup = MessageText::parse("<a href=\"https://x.test\">x</a>").unwrap();
        assert_eq!(markup.as_str(), "<a href=\"https://x.test\">x</a>");
    }

    #[test]
    fn empty_and_overlong_messages_are_refused() {
        assert_eq!(MessageText::parse(" \n\t "), Err(TextError::Empty));
        let long = "é".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            MessageText::parse(&long),
            Err(TextError::TooLong {
                chars: 2_001,
                max: 2_000
            })
        );
        assert!(MessageText::parse(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(ReportReason::parse(&"x".repeat(MAX_REPORT_CHARS + 1)).is_err());
    }

    #[test]
    fn a_preview_is_one_short_line() {
        assert_eq!(MessageText::preview("Hi\nthere", 20), "Hi there");
        assert_eq!(MessageText::preview("abcdef ghij", 7), "abcdef…");
    }
}
