//! Places by name, worldwide: the gazetteer (GeoNames' places of 5,000 people or more, with
//! the names people write them by), which "Near" in search and a listing's "City" are looked
//! up in, and the suggestions those fields offer as one types.
//!
//! The gazetteer lives on the server alone (a few MB the wasm must never carry): the browser
//! asks [`api::suggest_places`] and sends what was typed; the server resolves it.

pub mod api;
pub mod field;
#[cfg(feature = "ssr")]
mod gazetteer;

#[cfg(feature = "ssr")]
pub use gazetteer::{ForVisitor, Gazetteer, GazetteerError, Places, Resolved};

/// Longest text the suggestions look at: longer than any place's name with its region and
/// country ("Llanfairpwllgwyngyll, Wales, United Kingdom" is 43).
pub const MOST_TYPED_CHARS: usize = 80;
/// Suggestions answered at most: a short list to read or arrow through.
pub const MOST_SUGGESTIONS: usize = 8;

/// Lower case, accents off, letters without a decomposition spelled out, spaces collapsed:
/// "München" and "MUNCHEN" are both "munchen". `scripts/gazetteer.py` folds alike to drop
/// alternate names that differ only so.
#[cfg(feature = "ssr")]
pub fn fold(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let mut folded = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        for c in c.to_lowercase() {
            match c {
                'ß' => folded.push_str("ss"),
                'æ' => folded.push_str("ae"),
                'œ' => folded.push_str("oe"),
                'þ' => folded.push_str("th"),
                'ø' => folded.push('o'),
                'đ' | 'ð' => folded.push('d'),
                'ł' | 'ŀ' => folded.push('l'),
                'ı' => folded.push('i'),
                'ħ' => folded.push('h'),
                c => folded.push(c),
            }
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// A few places as the real file has them (largest first), enough to rank and fold.
    const PLACES: &str = "\
Paris\tLutèce|Parigi|Parijs\tFR\tÎle-de-France\t\t48.8534\t2.3488\t2138551\tEurope/Paris
Munich\tMonaco di Baviera|Muenchen|München\tDE\tBavaria\t\t48.1374\t11.5755\t1505005\tEurope/Berlin
Berlin\t\tDE\tBerlin\t\t52.5244\t13.4105\t3426354\tEurope/Berlin
London\t\tGB\tEngland\tENG\t51.5085\t-0.1257\t8961989\tEurope/London
Paris\tParizh\tUS\tTexas\tTX\t33.6609\t-95.5555\t24782\tAmerica/Chicago
Paris\t\tCA\tOntario\t\t43.2000\t-80.3833\t12310\tAmerica/Toronto
London\t\tUS\tKentucky\tKY\t37.1290\t-84.0833\t8126\tAmerica/New_York
Dublin\tBaile Átha Cliath\tIE\tLeinster\t\t53.3331\t-6.2489\t1024027\tEurope/Dublin
Lisbon\tLisboa\tPT\tLisbon\t\t38.7167\t-9.1333\t517802\tEurope/Lisbon
Cambridge\tCantabrigia\tGB\tEngland\tENG\t52.2000\t0.1167\t145674\tEurope/London
Cambridge\t\tCA\tOntario\t\t43.3601\t-80.3127\t129920\tAmerica/Toronto
Cambridge\t\tUS\tMassachusetts\tMA\t42.3751\t-71.1056\t110402\tAmerica/New_York
Dublin\t\tUS\tCalifornia\tCA\t37.7022\t-121.9358\t57721\tAmerica/Los_Angeles
Lisbon\t\tUS\tMaine\tME\t44.0315\t-70.1045\t9392\tAmerica/New_York
Münchenbernsdorf\t\tDE\tThuringia\t\t50.8210\t11.9310\t5100\tEurope/Berlin
";
    const COUNTRIES: &str = "\
CA\tCAN\tCanada\tCAD
DE\tDEU\tGermany\tEUR
FR\tFRA\tFrance\tEUR
GB\tGBR\tUnited Kingdom\tGBP
IE\tIRL\tIreland\tEUR
PT\tPRT\tPortugal\tEUR
US\tUSA\tUnited States\tUSD
";

    fn gazetteer() -> Gazetteer {
        Gazetteer::parse_text(PLACES, COUNTRIES).unwrap()
    }

    fn found(text: &str, home: Option<&str>) -> Option<(String, String)> {
        let g = gazetteer();
        g.resolve(text, home)
            .map(|p| (p.country_code.to_owned(), p.region.to_owned()))
    }

    #[test]
    fn folding_drops_case_accents_and_extra_spaces() {
        assert_eq!(fold("  München "), "munchen");
        assert_eq!(fold("MÜNCHEN"), "munchen");
        assert_eq!(fold("Straße  Łódź"), "strasse lodz");
        assert_eq!(fold("Île-de-France"), "ile-de-france");
    }

    #[test]
    fn every_spelling_of_munich_finds_munich() {
        for text in [
            "München",
            "Munchen",
            "muenchen",
            "munich",
            " MUNICH ",
            "Monaco di Baviera",
        ] {
            assert_eq!(
                found(text, None),
                Some(("DE".into(), "Bavaria".into())),
                "{text}"
            );
        }
    }

    #[test]
    fn a_country_or_region_after_the_name_picks_the_place() {
        let fr = Some(("FR".into(), "Île-de-France".into()));
        let tx = Some(("US".into(), "Texas".into()));
        assert_eq!(found("Paris, France", None), fr);
        assert_eq!(found("paris, fr", Some("US")), fr);
        assert_eq!(found("Paris, Texas", None), tx);
        assert_eq!(found("Paris, TX", None), tx);
        assert_eq!(found("Paris, Texas, USA", None), tx);
        assert_eq!(
            found("Paris, Ontario", None),
            Some(("CA".into(), "Ontario".into()))
        );
        assert_eq!(found("Paris, Germany", None), None);
        assert_eq!(found("Paris, a, b, c", None), None);
    }

    #[test]
    fn the_visitors_country_wins_unless_the_other_is_far_larger() {
        let massachusetts = Some(("US".into(), "Massachusetts".into()));
        assert_eq!(found("Cambridge", None).unwrap().0, "GB");
        assert_eq!(found("Cambridge", Some("GB")).unwrap().0, "GB");
        assert_eq!(found("Cambridge", Some("US")), massachusetts);
        assert_eq!(found("Cambridge", Some("CA")).unwrap().1, "Ontario");
        // A small namesake at home does not hide a city abroad many times its size.
        assert_eq!(found("Paris", Some("US")).unwrap().0, "FR");
        assert_eq!(found("Dublin", Some("US")).unwrap().0, "IE");
        assert_eq!(found("Lisbon", Some("US")).unwrap().0, "PT");
        assert_eq!(found("London", Some("US")).unwrap().0, "GB");
    }

    #[test]
    fn an_unknown_place_is_not_found() {
        assert_eq!(found("Atlantis", None), None);
        assert_eq!(found("", None), None);
        assert_eq!(found(" , France", None), None);
    }

    #[test]
    fn suggestions_start_like_the_typing_and_show_the_name_typed() {
        let g = gazetteer();
        let labels = |typed: &str, home| -> Vec<String> {
            g.suggest(typed, home, MOST_SUGGESTIONS)
                .iter()
                .map(|p| p.label())
                .collect()
        };
        assert_eq!(
            labels("Mün", None),
            [
                "München, Bavaria, Germany",
                "Münchenbernsdorf, Thuringia, Germany"
            ]
        );
        assert_eq!(
            labels("Munch", None),
            [
                "München, Bavaria, Germany",
                "Münchenbernsdorf, Thuringia, Germany"
            ]
        );
        assert_eq!(labels("mun", None)[0], "Munich, Bavaria, Germany");
        assert_eq!(labels("berl", None), ["Berlin, Germany"]);
        assert_eq!(labels("Par", None)[0], "Paris, Île-de-France, France");
        assert_eq!(labels("Par", Some("US"))[0], "Paris, Île-de-France, France");
        assert_eq!(
            labels("Cambr", Some("US"))[0],
            "Cambridge, Massachusetts, United States"
        );
        assert_eq!(labels("Paris, T", None), ["Paris, Texas, United States"]);
        assert!(labels("  ", None).is_empty());
        assert_eq!(g.suggest("p", None, 2).len(), 2);
        // What a suggestion says, typed back, finds that place.
        for label in labels("Par", None) {
            assert_eq!(g.resolve(&label, None).unwrap().label(), label);
        }
    }

    #[test]
    fn the_embedded_files_hold_the_world() {
        let g = Gazetteer::parse(
            include_bytes!("../../../server/gazetteer/places.tsv.gz"),
            include_str!("../../../server/gazetteer/countries.tsv"),
        )
        .unwrap();
        assert!(g.len() > 60_000, "{} places", g.len());
        let munich = g.resolve("Munchen", None).unwrap();
        assert_eq!((munich.country_code, munich.region), ("DE", "Bavaria"));
        assert_eq!(g.resolve("Paris, Texas", None).unwrap().country_code, "US");
        assert_eq!(
            g.resolve("Cambridge", Some("US")).unwrap().region,
            "Massachusetts"
        );
        assert_eq!(g.resolve("Paris", Some("DE")).unwrap().country_code, "FR");
        assert_eq!(
            g.suggest("mün", None, MOST_SUGGESTIONS)[0].label(),
            "München, Bavaria, Germany"
        );
        // Every place of the seed is in it, near where the seed puts it.
        for place in crate::domain::PLACES {
            let found = g.resolve(place.name, None).unwrap();
            assert!(
                found.position.distance_km(&place.position) < 10.0,
                "{}",
                place.name
            );
        }
    }
}
