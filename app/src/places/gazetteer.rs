//! The gazetteer in memory: every place of the embedded GeoNames extract
//! (`server/gazetteer/places.tsv.gz`, made by `scripts/gazetteer.py`), found by any of its names
//! folded, whole or by prefix.

use crate::domain::{Currency, GeoPoint, Locate, Located};
use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

/// A place counts this many times its size for a visitor of its own country: "Cambridge"
/// from the US is Cambridge, Massachusetts (110,000 people, so 1.1 million, against England's
/// 146,000), yet "Dublin" from the US is still Dublin, Ireland (a million against the 580,000
/// that Dublin, California's 58,000 make), and "Paris" is Paris, France.
const HOME_WEIGHT: u64 = 10;
/// A typed place is a name and at most a region and a country ("Paris, Texas, US").
const MOST_PARTS: usize = 3;

/// A stretch of [`Gazetteer::text`].
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u16,
}

#[derive(Debug)]
struct Place {
    name: Span,
    country: u16,
    region: Span,
    /// The region's code where people write it ("TX"), else empty.
    region_code: Span,
    position: GeoPoint,
    population: u32,
    zone: u16,
}

/// One name of a place: folded as searched, and as shown.
#[derive(Debug)]
struct Name {
    key: Span,
    shown: Span,
    place: u32,
}

#[derive(Debug)]
struct Country {
    code: String,
    code3: String,
    name: String,
    currency: Option<Currency>,
}

/// Why the embedded files could not be read: a broken build, never a person's doing.
#[derive(Debug, thiserror::Error)]
#[error("the gazetteer's line {line} is malformed: {why}")]
pub struct GazetteerError {
    line: usize,
    why: &'static str,
}

/// Every place with its names, in memory: about 70,000 places in about 15 MB.
#[derive(Debug, Default)]
pub struct Gazetteer {
    text: String,
    places: Vec<Place>,
    /// Sorted by folded name.
    names: Vec<Name>,
    countries: Vec<Country>,
    zones: Vec<String>,
}

/// Other names of countries people write after a place, beyond GeoNames' own names and codes:
/// the common short forms and the names of the marketplace's countries in their languages.
const COUNTRY_ALIASES: [(&str, &str); 16] = [
    ("uk", "GB"),
    ("great britain", "GB"),
    ("britain", "GB"),
    ("usa", "US"),
    ("united states of america", "US"),
    ("america", "US"),
    ("deutschland", "DE"),
    ("holland", "NL"),
    ("nederland", "NL"),
    ("belgique", "BE"),
    ("belgie", "BE"),
    ("espana", "ES"),
    ("italia", "IT"),
    ("osterreich", "AT"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
];

/// One candidate place in an answer, with the name of it that was matched.
struct Candidate {
    place: u32,
    shown: Span,
}

impl Gazetteer {
    /// Reads the gazetteer from the gzipped places file and the countries file.
    pub fn parse(places_gz: &[u8], countries: &str) -> Result<Self, GazetteerError> {
        let mut tsv = String::new();
        flate2::read::GzDecoder::new(places_gz)
            .read_to_string(&mut tsv)
            .map_err(|_| GazetteerError {
                line: 0,
                why: "not gzipped UTF-8",
            })?;
        Self::parse_text(&tsv, countries)
    }

    /// Reads the gazetteer from the places file's text (`scripts/gazetteer.py` says its
    /// columns): name, alternate names joined by `|`, country, region, region code, latitude,
    /// longitude, population, time zone.
    pub fn parse_text(places: &str, countries: &str) -> Result<Self, GazetteerError> {
        let mut g = Gazetteer::default();
        for (i, line) in countries.lines().enumerate() {
            let fields: Vec<&str> = line.split('\t').collect();
            let [code, code3, name, currency] = fields[..] else {
                return Err(GazetteerError {
                    line: i + 1,
                    why: "a country needs 4 columns",
                });
            };
            g.countries.push(Country {
                code: code.to_owned(),
                code3: code3.to_owned(),
                name: name.to_owned(),
                currency: Currency::parse(currency),
            });
        }
        let mut zones: HashMap<String, u16> = HashMap::new();
        for (i, line) in places.lines().enumerate() {
            let bad = |why| GazetteerError { line: i + 1, why };
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, alternates, country, region, region_code, lat, lon, population, zone] =
                fields[..]
            else {
                return Err(bad("a place needs 9 columns"));
            };
            let country = g
                .countries
                .iter()
                .position(|c| c.code == country)
                .ok_or_else(|| bad("unknown country"))?;
            let position = GeoPoint::new(
                lat.parse().map_err(|_| bad("bad latitude"))?,
                lon.parse().map_err(|_| bad("bad longitude"))?,
            )
            .ok_or_else(|| bad("position out of range"))?;
            let next_zone = zones.len();
            let zone = *zones.entry(zone.to_owned()).or_insert_with(|| {
                g.zones.push(zone.to_owned());
                next_zone as u16
            });
            let id = g.places.len() as u32;
            let place = Place {
                name: g.keep(name),
                country: country as u16,
                region: g.keep(region),
                region_code: g.keep(region_code),
                position,
                population: population.parse().map_err(|_| bad("bad population"))?,
                zone,
            };
            let shown = place.name;
            g.places.push(place);
            g.add_name(name, shown, id);
            for alternate in alternates.split('|').filter(|a| !a.is_empty()) {
                let shown = g.keep(alternate);
                g.add_name(alternate, shown, id);
            }
        }
        let text = &g.text;
        g.names.sort_by(|a, b| {
            span(text, a.key)
                .cmp(span(text, b.key))
                .then(a.place.cmp(&b.place))
        });
        Ok(g)
    }

    fn keep(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        Span {
            start,
            len: text.len().min(u16::MAX as usize) as u16,
        }
    }

    fn add_name(&mut self, name: &str, shown: Span, place: u32) {
        let folded = super::fold(name);
        if !folded.is_empty() {
            let key = self.keep(&folded);
            self.names.push(Name { key, shown, place });
        }
    }

    fn text(&self, at: Span) -> &str {
        span(&self.text, at)
    }

    /// How many places it knows.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The names whose folded form starts with `prefix` (all of them for an exact `prefix`).
    fn starting_with(&self, prefix: &str) -> &[Name] {
        let from = self.names.partition_point(|n| self.text(n.key) < prefix);
        let to =
            from + self.names[from..].partition_point(|n| self.text(n.key).starts_with(prefix));
        &self.names[from..to]
    }

    /// The country a folded word names: by name, ISO code (two or three letters) or a common
    /// other name ("uk", "deutschland").
    fn country_named(&self, folded: &str) -> Option<usize> {
        let code = COUNTRY_ALIASES
            .iter()
            .find(|(alias, _)| *alias == folded)
            .map(|(_, code)| *code);
        self.countries.iter().position(|c| {
            Some(c.code.as_str()) == code
                || super::fold(&c.name) == folded
                || c.code.eq_ignore_ascii_case(folded)
                || c.code3.eq_ignore_ascii_case(folded)
        })
    }

    /// Whether a folded qualifier ("texas", "tx", "france", "fr") fits the place: its region
    /// by name or code, or its country.
    fn fits(&self, place: &Place, qualifier: &str, prefix: bool) -> bool {
        let matches = |text: &str| {
            let text = super::fold(text);
            if prefix {
                text.starts_with(qualifier)
            } else {
                text == qualifier
            }
        };
        let country = &self.countries[usize::from(place.country)];
        matches(self.text(place.region))
            || (place.region_code.len != 0 && matches(self.text(place.region_code)))
            || matches(&country.name)
            || (!prefix && self.country_named(qualifier) == Some(usize::from(place.country)))
            || (prefix && (matches(&country.code) || matches(&country.code3)))
    }

    /// How much a place weighs for a visitor from `home` (a country code).
    fn weight(&self, place: u32, home: Option<&str>) -> u64 {
        let place = &self.places[place as usize];
        let at_home = home == Some(self.countries[usize::from(place.country)].code.as_str());
        u64::from(place.population) * if at_home { HOME_WEIGHT } else { 1 }
    }

    /// The place a person means by `text` ("München", "Paris, France", "Paris, TX"): of the
    /// places with that name (case and accents aside) that fit every region or country named
    /// after it, the one weighing most for a visitor from `home`.
    pub fn resolve(&self, text: &str, home: Option<&str>) -> Option<Resolved<'_>> {
        let mut parts = text.split(',').map(super::fold);
        let name = parts.next().filter(|n| !n.is_empty())?;
        let qualifiers: Vec<String> = parts.filter(|p| !p.is_empty()).collect();
        if qualifiers.len() >= MOST_PARTS {
            return None;
        }
        let best = self
            .starting_with(&name)
            .iter()
            .filter(|n| self.text(n.key) == name)
            .filter(|n| {
                let place = &self.places[n.place as usize];
                qualifiers.iter().all(|q| self.fits(place, q, false))
            })
            .max_by_key(|n| (self.weight(n.place, home), std::cmp::Reverse(n.place)))?;
        Some(self.resolved(Candidate {
            place: best.place,
            shown: best.shown,
        }))
    }

    /// Up to `most` places whose names start with what was typed, heaviest for a visitor from
    /// `home` first. After a comma, the rest narrows them by the start of a region or country
    /// ("Paris, T").
    pub fn suggest(&self, typed: &str, home: Option<&str>, most: usize) -> Vec<Resolved<'_>> {
        let (head, rest) = typed.split_once(',').unwrap_or((typed, ""));
        let prefix = super::fold(head);
        if prefix.is_empty() {
            return Vec::new();
        }
        let qualifier = super::fold(rest);
        let typed_lower = head.trim().to_lowercase();
        // The name shown for each place: preferably one that starts the way it was typed,
        // accents included ("Mün" shows "München", "Mun" shows "Munich"), then its own name.
        let mut best: HashMap<u32, (u8, Span)> = HashMap::new();
        for name in self.starting_with(&prefix) {
            let place = &self.places[name.place as usize];
            if !qualifier.is_empty() && !self.fits(place, &qualifier, true) {
                continue;
            }
            let as_typed = self
                .text(name.shown)
                .to_lowercase()
                .starts_with(&typed_lower);
            let own = name.shown.start == place.name.start;
            let rank = match (as_typed, own) {
                (true, true) => 0,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            };
            let entry = best.entry(name.place).or_insert((rank, name.shown));
            if rank < entry.0 {
                *entry = (rank, name.shown);
            }
        }
        let mut found: Vec<(u32, Span)> = best.into_iter().map(|(p, (_, s))| (p, s)).collect();
        found.sort_by_key(|(place, _)| (std::cmp::Reverse(self.weight(*place, home)), *place));
        found
            .into_iter()
            .take(most)
            .map(|(place, shown)| self.resolved(Candidate { place, shown }))
            .collect()
    }

    fn resolved(&self, candidate: Candidate) -> Resolved<'_> {
        let place = &self.places[candidate.place as usize];
        let country = &self.countries[usize::from(place.country)];
        Resolved {
            shown: self.text(candidate.shown),
            region: self.text(place.region),
            country: &country.name,
            country_code: &country.code,
            currency: country.currency,
            position: place.position,
            time_zone: &self.zones[usize::from(place.zone)],
            population: place.population,
        }
    }
}

fn span(text: &str, at: Span) -> &str {
    let start = at.start as usize;
    &text[start..start + usize::from(at.len)]
}

/// A place found, as the answer shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved<'g> {
    /// The name matched: the place's own or another of its names ("München" for Munich).
    pub shown: &'g str,
    pub region: &'g str,
    pub country: &'g str,
    pub country_code: &'g str,
    pub currency: Option<Currency>,
    pub position: GeoPoint,
    pub time_zone: &'g str,
    pub population: u32,
}

impl Resolved<'_> {
    /// "München, Bavaria, Germany": the name with its region (unless the region is named the
    /// same, as Berlin's is) and its country. Typed back, it finds the same place.
    pub fn label(&self) -> String {
        let region = super::fold(self.region);
        if region.is_empty() || region == super::fold(self.shown) {
            format!("{}, {}", self.shown, self.country)
        } else {
            format!("{}, {}, {}", self.shown, self.region, self.country)
        }
    }

    pub fn located(&self) -> Located {
        Located {
            position: self.position,
            time_zone: self.time_zone.to_owned(),
            currency: self.currency,
        }
    }
}

/// The gazetteer as the app holds it: the embedded files, read on first use (a fraction of a
/// second) so that a process that never looks a place up never pays for it.
pub struct Places {
    places_gz: &'static [u8],
    countries: &'static str,
    index: OnceLock<Gazetteer>,
}

impl std::fmt::Debug for Places {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Places").finish_non_exhaustive()
    }
}

impl Places {
    pub const fn new(places_gz: &'static [u8], countries: &'static str) -> Self {
        Self {
            places_gz,
            countries,
            index: OnceLock::new(),
        }
    }

    /// The gazetteer; empty (every place unknown, logged) if the embedded files are broken,
    /// which the tests of the server's own files rule out.
    pub fn gazetteer(&self) -> &Gazetteer {
        self.index.get_or_init(|| {
            Gazetteer::parse(self.places_gz, self.countries).unwrap_or_else(|error| {
                tracing::error!(%error, "the gazetteer could not be read");
                Gazetteer::default()
            })
        })
    }

    /// Places as a visitor from `home` (a country code) means them.
    pub fn for_visitor(&self, home: Option<String>) -> ForVisitor<'_> {
        ForVisitor {
            gazetteer: self.gazetteer(),
            home,
        }
    }
}

/// The gazetteer with the visitor's country, which wins ambiguous names.
pub struct ForVisitor<'g> {
    pub gazetteer: &'g Gazetteer,
    pub home: Option<String>,
}

impl Locate for ForVisitor<'_> {
    fn locate(&self, name: &str) -> Option<Located> {
        self.gazetteer
            .resolve(name, self.home.as_deref())
            .map(|found| found.located())
    }
}
