//! What a review may hold and when it shows (pure). After a rental comes back, the renter
//! reviews the gear and its owner (overall, accuracy, communication, and words), the owner
//! reviews the renter (overall and words). Reviews are double-blind: each stays hidden from
//! the other side until both are in or [`REVIEW_WINDOW_DAYS`] have passed since the return,
//! and then nothing can be added or changed; the one reviewed may answer once, publicly.

use super::message::{plain_text, TextError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long after the return both sides may write, and when what was written shows.
pub const REVIEW_WINDOW_DAYS: i64 = 14;
/// A review says how the rental went in a paragraph or two.
pub const MAX_REVIEW_CHARS: usize = 2_000;
/// A reply answers in a few sentences.
pub const MAX_REPLY_CHARS: usize = 1_000;

/// When reviews of a rental returned at `returned_at` show, whatever is missing.
pub fn review_deadline(returned_at: DateTime<Utc>) -> DateTime<Utc> {
    returned_at + Duration::days(REVIEW_WINDOW_DAYS)
}

/// Which side of the rental wrote a review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReviewSide {
    /// The renter, of the gear and its owner.
    Renter,
    /// The owner, of the renter.
    Owner,
}

impl ReviewSide {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Renter => "renter",
            Self::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "renter" => Some(Self::Renter),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Renter => Self::Owner,
            Self::Owner => Self::Renter,
        }
    }
}

/// One to five stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stars(u8);

impl Stars {
    pub fn new(stars: u8) -> Option<Self> {
        (1..=5).contains(&stars).then_some(Self(stars))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// "1 star", "4 stars": a radio button's name and what a screen reader says.
    pub fn words(self) -> String {
        match self.0 {
            1 => "1 star".to_owned(),
            n => format!("{n} stars"),
        }
    }
}

/// Why a review form was refused, by field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewProblem {
    #[error("Choose from 1 to 5 stars.")]
    NoStars { field: &'static str },
    #[error("Write a few words about the rental.")]
    Empty,
    #[error("Keep it to {max} characters (this has {chars}).")]
    TooLong { chars: usize, max: usize },
}

impl ReviewProblem {
    /// The form field the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoStars { field } => field,
            Self::Empty | Self::TooLong { .. } => "words",
        }
    }
}

/// A checked review, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDraft {
    pub overall: Stars,
    /// The renter's only: the gear was as described.
    pub accuracy: Option<Stars>,
    /// The renter's only: the owner answered and arranged well.
    pub communication: Option<Stars>,
    pub body: String,
}

fn stars(typed: Option<&str>, field: &'static str) -> Result<Stars, ReviewProblem> {
    typed
        .and_then(|t| t.trim().parse::<u8>().ok())
        .and_then(Stars::new)
        .ok_or(ReviewProblem::NoStars { field })
}

/// Checks a review form: every problem, so the form shows them together.
pub fn check_review(
    side: ReviewSide,
    overall: Option<&str>,
    accuracy: Option<&str>,
    communication: Option<&str>,
    body: &str,
) -> Result<ReviewDraft, Vec<ReviewProblem>> {
    let mut problems = Vec::new();
    let mut keep = |result: Result<Stars, ReviewProblem>| match result {
        Ok(stars) => Some(stars),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let overall = keep(stars(overall, "overall"));
    let (accuracy, communication) = match side {
        ReviewSide::Renter => (
            keep(stars(accuracy, "accuracy")),
            keep(stars(communication, "communication")),
        ),
        ReviewSide::Owner => (None, None),
    };
    let body = match plain_text(body, MAX_REVIEW_CHARS) {
        Ok(body) => Some(body),
        Err(TextError::Empty) => {
            problems.push(ReviewProblem::Empty);
            None
        }
        Err(TextError::TooLong { chars, max }) => {
            problems.push(ReviewProblem::TooLong { chars, max });
            None
        }
    };
    match (overall, body) {
        (Some(overall), Some(body)) if problems.is_empty() => Ok(ReviewDraft {
            overall,
            accuracy,
            communication,
            body,
        }),
        _ => Err(problems),
    }
}

/// Checks an owner's reply to a review.
pub fn check_reply(typed: &str) -> Result<String, TextError> {
    plain_text(typed, MAX_REPLY_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renters_review_needs_three_ratings_and_words() {
        let draft = check_review(
            ReviewSide::Renter,
            Some("5"),
            Some("4"),
            Some("5"),
            "  Great tent, dry all night.  ",
        )
        .unwrap();
        assert_eq!(draft.overall.words(), "5 stars");
        assert_eq!(draft.accuracy, Stars::new(4));
        assert_eq!(draft.body, "Great tent, dry all night.");
        let problems =
            check_review(ReviewSide::Renter, Some("6"), None, Some("3"), " ").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(ReviewProblem::field).collect();
        assert_eq!(fields, vec!["overall", "accuracy", "words"]);
    }

    #[test]
    fn an_owners_review_rates_overall_only() {
        let draft = check_review(ReviewSide::Owner, Some("1"), Some("9"), None, "Late.").unwrap();
        assert_eq!(
            (draft.overall.words(), draft.accuracy),
            ("1 star".to_owned(), None)
        );
        let long = "x".repeat(MAX_REVIEW_CHARS + 1);
        assert_eq!(
            check_review(ReviewSide::Owner, Some("3"), None, None, &long).unwrap_err(),
            vec![ReviewProblem::TooLong {
                chars: MAX_REVIEW_CHARS + 1,
                max: MAX_REVIEW_CHARS
            }]
        );
    }

    #[test]
    fn reviews_show_two_weeks_after_the_return_at_the_latest() {
        let back = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            review_deadline(back).to_rfc3339(),
            "2026-12-15T10:00:00+00:00"
        );
        assert_eq!(
            ReviewSide::parse("owner").map(ReviewSide::other),
            Some(ReviewSide::Renter)
        );
    }
}
