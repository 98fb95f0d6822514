//! Signed unsubscribe links: a link in an email stops one topic's emails for its member, with
//! no sign-in, and nobody can make one for someone else. The signature is the server's keyed
//! hash of the member and topic, under a numbered key, so a rotated key keeps old links
//! working.

use super::super::preferences::Topic;
use crate::domain::UserId;
use crate::secrets::{KeyId, Keys, SecretError};

/// What an unsubscribe link carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe {
    pub member: UserId,
    pub topic: Topic,
    pub key: i64,
    /// The keyed hash, in hex.
    pub signature: String,
}

fn signed(member: UserId, topic: Topic) -> Vec<u8> {
    format!("unsubscribe\0{member}\0{}", topic.as_str()).into_bytes()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Unsubscribe {
    /// The link's fields for `member` and `topic`, under the newest key.
    pub fn sign(keys: &Keys, member: UserId, topic: Topic) -> Result<Self, SecretError> {
        let key = keys.current();
        Ok(Self {
            member,
            topic,
            key: key.0,
            signature: hex(&keys.keyed_hash(key, &signed(member, topic))?),
        })
    }

    /// The fields from a link's query, when they are well formed (not yet checked).
    pub fn read(member: &str, topic: &str, key: &str, signature: &str) -> Option<Self> {
        Some(Self {
            member: member.parse().ok()?,
            topic: Topic::parse(topic)?,
            key: key.parse().ok()?,
            signature: signature.to_owned(),
        })
    }

    /// Whether the server made this link.
    pub fn is_genuine(&self, keys: &Keys) -> bool {
        // Keys are numbered up from 1: the one after the newest may have been added by
        // another instance (and is read from the key file); a larger one cannot exist, and
        // must not make anyone's request read the file.
        if !(1..=keys.current().0 + 1).contains(&self.key) {
            return false;
        }
        let Ok(expected) = keys.keyed_hash(KeyId(self.key), &signed(self.member, self.topic))
        else {
            return false;
        };
        let expected = hex(&expected);
        // Compared in full whatever differs first, so timing tells nothing.
        expected.len() == self.signature.len()
            && expected
                .bytes()
                .zip(self.signature.bytes())
                .fold(0u8, |differ, (a, b)| differ | (a ^ b))
                == 0
    }

    /// The query of the link: `member=…&topic=…&key=…&signature=…` (all URL-safe).
    pub fn query(&self) -> String {
        format!(
            "member={}&topic={}&key={}&signature={}",
            self.member,
            self.topic.as_str(),
            self.key,
            self.signature
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::KeyRing;

    fn keys() -> Keys {
        Keys::fixed(KeyRing::parse(&format!("1 {}\n", "ab".repeat(32))).unwrap())
    }

    #[test]
    fn a_link_opens_for_its_member_and_topic_only() {
        let keys = keys();
        let member = UserId::from_u128(7);
        let link = Unsubscribe::sign(&keys, member, Topic::Messages).unwrap();
        assert!(link.is_genuine(&keys));
        let q = link.query();
        let field = |name: &str| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        let read = Unsubscribe::read(
            &field("member"),
            &field("topic"),
            &field("key"),
            &field("signature"),
        )
        .unwrap();
        assert_eq!(read, link);
        let other_topic = Unsubscribe {
            topic: Topic::Money,
            ..link.clone()
        };
        assert!(!other_topic.is_genuine(&keys));
        let other_member = Unsubscribe {
            member: UserId::from_u128(8),
            ..link.clone()
        };
        assert!(!other_member.is_genuine(&keys));
        let unknown_key = Unsubscribe { key: 9, ..link };
        assert!(!unknown_key.is_genuine(&keys));
        assert_eq!(Unsubscribe::read("x", "messages", "1", "ab"), None);
        assert_eq!(
            Unsubscribe::read(&member.to_string(), "news", "1", "ab"),
            None
        );
    }
}
