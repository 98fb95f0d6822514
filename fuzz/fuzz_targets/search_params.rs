//! The search page's query string: `app::listings::search::SearchParams::from_lookup` over
//! the URL's parameters, `SearchParams::validate` (words, category, place and radius,
//! dates, prices, sort, page cursor), `Cursor::parse`/`Cursor::encode`, `terms_of`,
//! `GeoPoint::parse` and `find_place` for "Near", and the links the page builds
//! (`SearchParams::link_with`, `app::url::query_string`).
//!
//! Input: a query string such as `q=tent&near=Berlin&from=2026-12-10&to=2026-12-12`,
//! percent-decoded the way the router hands values to the page (`+` is a space). The first
//! value of a name counts.
#![no_main]

use app::domain::{find_place, GeoPoint};
use app::error::AppError;
use app::listings::search::{
    price_bucket, terms_of, Cursor, PageRequest, SearchParams, Sort, MAX_PRICE, MAX_TERMS,
    QUERY_NAMES, RADIUS_CHOICES_KM,
};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

/// `%XX` and `+` decoded; bytes that do not form UTF-8 become U+FFFD, as browsers do.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn lookup(pairs: &[(String, String)]) -> impl Fn(&str) -> String + '_ {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

fn check_cursor(cursor: &Cursor) {
    let encoded = cursor.encode();
    let again = Cursor::parse(&encoded)
        .unwrap_or_else(|e| panic!("an encoded cursor {encoded:?} was refused: {e:?}"));
    assert_eq!(&again, cursor, "cursor {encoded:?} did not round-trip");
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let pairs = pairs(query);
    let params = SearchParams::from_lookup(lookup(&pairs));

    // The page's links keep every filter: a link read back is the same search, from its first
    // page. Links hold only unreserved characters and escapes.
    let link = params.link_with(&[]);
    let rest = link.strip_prefix("/search").expect("a search link");
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~%&=?".contains(&b)),
        "a link with raw characters: {link:?}"
    );
    let linked = SearchParams::from_lookup(lookup(&self::pairs(rest)));
    let first_page = SearchParams {
        after: String::new(),
        before: String::new(),
        ..params.clone()
    };
    assert_eq!(linked, first_page, "the link {link:?} is another search");
    for name in QUERY_NAMES {
        let _ = params.link_with(&[(name, "x y&z")]);
    }

    // Pieces the form and the repository use on their own.
    let terms = terms_of(params.q.trim());
    assert!(terms.len() <= MAX_TERMS);
    for (i, term) in terms.iter().enumerate() {
        assert!(term.chars().count() >= 2, "a one-letter term {term:?}");
        assert!(
            term.chars().all(char::is_alphanumeric),
            "term {term:?} has syntax"
        );
        assert_eq!(term, &term.to_lowercase(), "term {term:?} not lower case");
        assert!(!terms[..i].contains(term), "term {term:?} twice");
    }
    if let Some(point) = GeoPoint::parse(params.near.trim()) {
        assert!((-90.0..=90.0).contains(&point.latitude));
        assert!((-180.0..=180.0).contains(&point.longitude));
    }
    let _ = find_place(&params.near);
    for text in [&params.after, &params.before] {
        if let Ok(cursor) = Cursor::parse(text.trim()) {
            check_cursor(&cursor);
        }
    }

    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let search = match params.validate(today) {
        Ok(search) => search,
        Err(AppError::Validation { field, message }) => {
            assert!(
                QUERY_NAMES.contains(&field.as_str()) || field == "page",
                "a refusal of an unknown field {field:?}"
            );
            assert!(!message.is_empty());
            return;
        }
        Err(other) => panic!("a search was refused with {other:?}"),
    };
    assert_eq!(search.terms, terms);
    assert_eq!(search.today, today);
    if let Some(category) = &search.category {
        assert!(!category.is_empty() && category.len() <= 40);
        assert!(category
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-'));
    }
    if let Some(near) = &search.near {
        assert!(RADIUS_CHOICES_KM.contains(&(near.radius_km as u32)));
        assert!((-90.0..=90.0).contains(&near.point.latitude));
        assert!((-180.0..=180.0).contains(&near.point.longitude));
        let (cos0, slope) = near.lon_scale();
        assert!(cos0.is_finite() && slope.is_finite());
        assert!(near.radius_squared_degrees().is_finite());
        let d = near.squared_degrees(&near.point);
        assert!(d == 0.0, "a point is {d} from itself");
        let bounds = near.point.bounding_box(near.radius_km);
        assert!(bounds.min_lat <= near.point.latitude && near.point.latitude <= bounds.max_lat);
        assert!(bounds.min_lon <= near.point.longitude && near.point.longitude <= bounds.max_lon);
    }
    if let Some(period) = &search.period {
        assert!(period.from() >= today, "a pickup before today");
        assert!((1..=366).contains(&period.days()));
    }
    for price in [search.min_price_minor, search.max_price_minor]
        .into_iter()
        .flatten()
    {
        assert!((0..=MAX_PRICE * 100).contains(&price));
        assert!(price_bucket(price) < 6);
    }
    if let (Some(min), Some(max)) = (search.min_price_minor, search.max_price_minor) {
        assert!(min <= max);
    }
    match search.sort {
        Sort::Distance => assert!(search.near.is_some(), "distance order without a place"),
        Sort::Relevance => assert!(!search.terms.is_empty(), "relevance without words"),
        _ => {}
    }
    match search.page {
        PageRequest::First => {}
        PageRequest::After(cursor) | PageRequest::Before(cursor) => check_cursor(&cursor),
    }
    // The repository keys its answers on the search's Debug text.
    let _ = format!("{search:?}");
});
