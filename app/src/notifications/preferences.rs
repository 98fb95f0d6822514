//! What a member wants by email: a choice per topic (in the app they see everything).

use serde::{Deserialize, Serialize};

/// The kinds of email a member turns on or off; each notification falls under one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    /// Requests, answers, instant bookings, extensions and cancellations.
    Bookings,
    /// A request about to lapse, a pickup tomorrow, a return due today.
    Reminders,
    /// A handover to confirm, and gear not back in time.
    Handovers,
    /// Deposits released or claimed, and disputes decided.
    Money,
    /// New messages.
    Messages,
    /// A review to write, and a review of the member published.
    Reviews,
    /// New gear matching a saved search.
    Searches,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Bookings,
        Topic::Reminders,
        Topic::Handovers,
        Topic::Money,
        Topic::Reviews,
        Topic::Searches,
        Topic::Messages,
    ];

    /// Its name in the database, in forms and in unsubscribe links.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bookings => "bookings",
            Self::Reminders => "reminders",
            Self::Handovers => "handovers",
            Self::Money => "money",
            Self::Messages => "messages",
            Self::Reviews => "reviews",
            Self::Searches => "searches",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|topic| topic.as_str() == text)
    }

    /// What its emails are about, as a checkbox's label and in an unsubscribe page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Bookings => "Booking requests, answers and cancellations",
            Self::Reminders => "Reminders: requests about to lapse, pickups and returns",
            Self::Handovers => "Handovers to confirm and late returns",
            Self::Money => "Deposits, damage claims and disputes",
            Self::Messages => "Messages",
            Self::Reviews => "Reviews to write and reviews of you",
            Self::Searches => "New gear for your saved searches",
        }
    }
}

/// How a topic's emails come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Choice {
    /// One email per thing (new messages: at most one per conversation every 15 minutes).
    Each,
    /// Messages only: one email a day, at 08:00 in the member's time zone, of what is unread.
    Daily,
    Off,
}

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Each => "each",
            Self::Daily => "daily",
            Self::Off => "off",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Each, Self::Daily, Self::Off]
            .into_iter()
            .find(|choice| choice.as_str() == text)
    }
}

/// A member's choices, one per topic of [`Topic::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPreferences {
    /// The address emails go to.
    pub address: String,
    pub choices: Vec<(Topic, Choice)>,
}

impl EmailPreferences {
    pub fn choice(&self, topic: Topic) -> Choice {
        self.choices
            .iter()
            .find(|(t, _)| *t == topic)
            .map_or(Choice::Each, |(_, choice)| *choice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_choices_read_back_their_names() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(Topic::parse("marketing"), None);
        assert_eq!(Choice::parse("daily"), Some(Choice::Daily));
        assert_eq!(Choice::parse("weekly"), None);
        let none = EmailPreferences {
            address: String::new(),
            choices: vec![(Topic::Money, Choice::Off)],
        };
        assert_eq!(none.choice(Topic::Money), Choice::Off);
        assert_eq!(none.choice(Topic::Messages), Choice::Each, "the default");
    }
}
