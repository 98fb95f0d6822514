//! The visitor's locale from `Accept-Language`: the region they most prefer (for the places
//! search suggests, later) and the currency they think in, so that a price in another currency
//! can show an estimate in theirs ("€92.50 / day ≈ £80.10"). Only the marketplace's currencies
//! count; a visitor the header says nothing useful about thinks in euros, the reference.
//!
//! The header is the browser's to choose and anyone's to forge, so reading it is bounded: an
//! over-long header or a malformed range is ignored, never refused.

use crate::domain::Currency;

/// Headers longer than this are ignored whole (browsers send well under 200 bytes).
pub const MOST_HEADER_BYTES: usize = 512;
/// Language ranges read at most; the rest are ignored.
const MOST_RANGES: usize = 16;

/// Regions that pay in euros: the euro area (Bulgaria since 2026) and the countries that use
/// the euro by agreement or on their own.
const EURO_REGIONS: [&str; 27] = [
    "AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PT", "SI", "SK", "AD", "MC", "SM", "VA", "ME", "XK",
];
/// Languages spoken mostly in the euro area, for a range without a region ("de", "fr").
const EURO_LANGUAGES: [&str; 19] = [
    "de", "fr", "es", "it", "nl", "pt", "fi", "el", "et", "lv", "lt", "sk", "sl", "mt", "ga", "hr",
    "bg", "ca", "lb",
];

/// What the request says about where the visitor is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locale {
    /// The region of the most preferred range that names one, upper case ("GB"), if any.
    pub region: Option<String>,
    pub currency: Currency,
}

impl Default for Locale {
    fn default() -> Self {
        Self {
            region: None,
            currency: Currency::Eur,
        }
    }
}

/// The currency a region pays in, of the marketplace's.
fn region_currency(region: &str) -> Option<Currency> {
    match region {
        "GB" | "GG" | "JE" | "IM" => Some(Currency::Gbp),
        "US" | "PR" => Some(Currency::Usd),
        _ if EURO_REGIONS.contains(&region) => Some(Currency::Eur),
        _ => None,
    }
}

/// One language range: its tag split into language and region.
struct Range {
    quality: u16,
    language: String,
    region: Option<String>,
}

/// A quality value in thousandths ("0.8" is 800), or `None` when malformed (RFC 9110:
/// `0` or `1` and at most three decimals, never above 1).
fn quality(text: &str) -> Option<u16> {
    let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
    if !matches!(whole, "0" | "1")
        || decimals.len() > 3
        || !decimals.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let thousandths: u16 = format!("{whole}{decimals:0<3}").parse().ok()?;
    (thousandths <= 1000).then_some(thousandths)
}

/// A range such as `en-GB;q=0.8`; `None` for a wildcard or a malformed one.
fn range(text: &str) -> Option<Range> {
    let mut parts = text.split(';');
    let tag = parts.next()?.trim();
    let mut quality_of = 1000;
    for parameter in parts {
        let (name, value) = parameter.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            quality_of = quality(value.trim())?;
        }
    }
    let well_formed = !tag.is_empty()
        && tag.len() <= 35
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !well_formed {
        return None;
    }
    let mut subtags = tag.split('-');
    let language = subtags.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    // The region follows the language and perhaps a script ("zh-Hant-TW"): two letters.
    let region = subtags
        .take_while(|s| s.len() != 1) // a singleton starts extensions
        .find(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    Some(Range {
        quality: quality_of,
        language,
        region,
    })
}

impl Locale {
    /// The locale an `Accept-Language` value says, most preferred range first (by quality,
    /// then by order). The currency is the first range's that tells one: its region's, or,
    /// without a region, euros for a language of the euro area; otherwise euros.
    pub fn from_accept_language(header: &str) -> Self {
        if header.len() > MOST_HEADER_BYTES {
            return Self::default();
        }
        let mut ranges: Vec<Range> = header
            .split(',')
            .take(MOST_RANGES)
            .filter_map(range)
            .filter(|r| r.quality > 0)
            .collect();
        // A stable sort keeps the header's order among equal qualities.
        ranges.sort_by_key(|r| std::cmp::Reverse(r.quality));
        let region = ranges.iter().find_map(|r| r.region.clone());
        let currency = ranges
            .iter()
            .find_map(|r| match &r.region {
                Some(region) => region_currency(region),
                None => EURO_LANGUAGES
                    .contains(&r.language.as_str())
                    .then_some(Currency::Eur),
            })
            .unwrap_or(Currency::Eur);
        Self { region, currency }
    }

    /// The locale of a request's headers (the first `Accept-Language`; none is euros).
    #[cfg(feature = "ssr")]
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map(Self::from_accept_language)
            .unwrap_or_default()
    }

    /// The locale of the request being handled (a server function or a page render).
    #[cfg(feature = "ssr")]
    pub fn of_request() -> Self {
        leptos::prelude::use_context::<http::request::Parts>()
            .map(|parts| Self::from_headers(&parts.headers))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(header: &str) -> Currency {
        Locale::from_accept_language(header).currency
    }

    #[test]
    fn the_region_names_the_currency() {
        assert_eq!(currency("en-GB"), Currency::Gbp);
        assert_eq!(currency("en-US,en;q=0.9"), Currency::Usd);
        assert_eq!(currency("de-DE,de;q=0.9,en;q=0.8"), Currency::Eur);
        assert_eq!(currency("en-IE"), Currency::Eur);
        assert_eq!(currency("fr"), Currency::Eur);
        assert_eq!(currency("nl;q=0.5"), Currency::Eur);
        let locale = Locale::from_accept_language("zh-Hant-TW, en-GB;q=0.5");
        assert_eq!(locale.region.as_deref(), Some("TW"));
        // Taiwan's dollar is none of ours: the next range decides.
        assert_eq!(locale.currency, Currency::Gbp);
        assert_eq!(
            Locale::from_accept_language("en-gb").region.as_deref(),
            Some("GB")
        );
    }

    #[test]
    fn quality_values_order_the_ranges() {
        assert_eq!(currency("en-US;q=0.5, en-GB;q=0.8"), Currency::Gbp);
        assert_eq!(currency("en-GB;q=0.8, en-US"), Currency::Usd);
        assert_eq!(currency("en-US;q=0.80, en-GB;q=0.8"), Currency::Usd); // ties keep order
        assert_eq!(currency("en-US;q=0, en-GB;q=0.1"), Currency::Gbp); // q=0: not wanted
        assert_eq!(currency("en-US;Q=1.000"), Currency::Usd);
    }

    #[test]
    fn malformed_ranges_are_skipped_and_nothing_useful_is_euros() {
        assert_eq!(Locale::from_accept_language(""), Locale::default());
        assert_eq!(currency("*"), Currency::Eur);
        assert_eq!(currency("en"), Currency::Eur);
        assert_eq!(currency("en-CA"), Currency::Eur);
        assert_eq!(currency("en-US;q=2, en-GB"), Currency::Gbp);
        assert_eq!(currency("en-US;q=0.1234, en-GB;q=0.1"), Currency::Gbp);
        assert_eq!(currency("en-US;q=abc, en-GB;q=0.1"), Currency::Gbp);
        assert_eq!(currency("en-US;q, en-GB;q=0.1"), Currency::Gbp);
        assert_eq!(currency("e<n>-US, en-GB;q=0.1"), Currency::Gbp);
        assert_eq!(currency(";;;,,,-,--"), Currency::Eur);
        assert_eq!(currency("x-US, en-GB;q=0.2"), Currency::Gbp);
        // A private-use extension is no region.
        assert_eq!(
            Locale::from_accept_language("de-x-us").region.as_deref(),
            None
        );
    }

    #[test]
    fn headers_beyond_the_bounds_are_ignored() {
        let long = format!("en-GB,{}", "de;q=0.1,".repeat(60));
        assert!(long.len() > MOST_HEADER_BYTES);
        assert_eq!(Locale::from_accept_language(&long), Locale::default());
        // Only the first ranges are read.
        let many = format!("{}en-GB", "xx;q=0.5,".repeat(MOST_RANGES));
        assert!(many.len() <= MOST_HEADER_BYTES);
        assert_eq!(currency(&many), Currency::Eur);
    }
}
