//! What members report to the admins: a conversation today; reviews, listings and people
//! as they arrive. A report is stored once per reporter and subject for the admins' queue.

#[cfg(feature = "ssr")]
pub mod store;

/// What a report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportSubject {
    Conversation,
    Review,
    Listing,
    Person,
}

impl ReportSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Conversation => "conversation",
            Self::Review => "review",
            Self::Listing => "listing",
            Self::Person => "person",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Conversation,
            Self::Review,
            Self::Listing,
            Self::Person,
        ]
        .into_iter()
        .find(|subject| subject.as_str() == text)
    }
}
