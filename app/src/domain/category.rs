//! A category of gear as admins name it, and the slug its addresses use (`/search?category=`).
//! The slug is made once, when the category is added: a rename keeps every link working.

use super::message::{plain_text, TextError};

/// The most categories in use at once (the home page shows them all).
pub const MOST_CATEGORIES: i64 = 100;

const MAX_NAME_CHARS: usize = 40;
const MAX_DESCRIPTION_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    #[error("Give the category a name.")]
    NoName,
    #[error("Keep the name to 40 characters.")]
    NameTooLong,
    #[error("Keep the name on one line.")]
    NameLines,
    #[error("Keep the description to 200 characters.")]
    DescriptionTooLong,
}

/// A category's name and description, as people read them: plain text on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryText {
    pub name: String,
    pub description: String,
}

impl CategoryText {
    /// `name` and `description` as typed; the field a refusal belongs to goes with it.
    pub fn parse(name: &str, description: &str) -> Result<Self, (&'static str, CategoryError)> {
        let name = match plain_text(name, MAX_NAME_CHARS) {
            Ok(name) if name.contains('\n') => return Err(("name", CategoryError::NameLines)),
            Ok(name) => name,
            Err(TextError::Empty) => return Err(("name", CategoryError::NoName)),
            Err(TextError::TooLong { .. }) => return Err(("name", CategoryError::NameTooLong)),
        };
        let description = match plain_text(description, MAX_DESCRIPTION_CHARS) {
            Ok(text) => text.replace('\n', " "),
            Err(TextError::Empty) => String::new(),
            Err(TextError::TooLong { .. }) => {
                return Err(("description", CategoryError::DescriptionTooLong))
            }
        };
        Ok(Self { name, description })
    }

    /// The slug of a new category: the name's letters and digits in lower case, words joined
    /// by hyphens, accents and other scripts dropped ("Kayaks & Canoes" is
    /// "kayaks-canoes"); "category" when nothing is left. At most 36 characters, so that a
    /// number added to tell it from a taken one keeps it within search's 40.
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for c in self.name.chars() {
            let c = fold(c);
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug = slug.trim_end_matches('-');
        if slug.is_empty() {
            "category".to_owned()
        } else {
            slug.chars()
                .take(36)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned()
        }
    }
}

/// The plain letter under the common accented Latin ones.
fn fold(c: char) -> char {
    match c {
        'à'..='å' | 'À'..='Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è'..='ë' | 'È'..='Ë' => 'e',
        'ì'..='ï' | 'Ì'..='Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' => 'o',
        'ù'..='ü' | 'Ù'..='Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_text_on_one_line() {
        let text = CategoryText::parse("  Kayaks & Canoes ", " For the water. ").unwrap();
        assert_eq!(text.name, "Kayaks & Canoes");
        assert_eq!(text.description, "For the water.");
        assert_eq!(text.slug(), "kayaks-canoes");
        assert_eq!(
            CategoryText::parse(" ", "").unwrap_err(),
            ("name", CategoryError::NoName)
        );
        assert_eq!(
            CategoryText::parse("Two\nlines", "").unwrap_err(),
            ("name", CategoryError::NameLines)
        );
        assert_eq!(
            CategoryText::parse(&"x".repeat(41), "").unwrap_err(),
            ("name", CategoryError::NameTooLong)
        );
        assert_eq!(
            CategoryText::parse("Tools", &"y".repeat(201)).unwrap_err(),
            ("description", CategoryError::DescriptionTooLong)
        );
    }

    #[test]
    fn slugs_fold_accents_and_never_come_out_empty() {
        let slug = |name: &str| CategoryText::parse(name, "").unwrap().slug();
        assert_eq!(slug("Équipement de plongée"), "equipement-de-plongee");
        assert_eq!(slug("カメラ"), "category");
        assert_eq!(slug("3D printers!"), "3d-printers");
        assert_eq!(slug(&"ab ".repeat(13)).len(), 35);
    }
}
