//! The catalogue: what a search filters and orders by, for every active listing, in memory
//! (server only). A search without dates is answered here: its words are looked up in an
//! inverted index, so the work grows with the listings that match (and a byte cleared per
//! listing), and the facets are counted in the same pass. Only the page's cards are then read
//! from the database, by id, so what a card shows is never older than the database. Searches
//! with dates still ask the database, which checks every unit's reservations.
//!
//! Words are folded (case, accents) and stemmed with the English Snowball stemmer, close to
//! what the databases' full-text indexes do. Each word of a query matches a whole word of the
//! listing, and the last (perhaps still being typed) also the start of a word in the title,
//! brand and model or category; a search without dates answers alike on both databases. (With
//! dates each database's own rules apply: PostgreSQL's `english` keeps accents and drops stop
//! words, SQLite's porter stemmer differs from Snowball in places.)
//!
//! It follows changes as the answer caches do (`state::Answers::forget_for`): a listing's
//! event marks that listing, anything wider marks everything, and the next search reloads
//! what is marked before it answers, waiting for a reload under way. Changes made through
//! this instance are waited for (`Answers::caught_up_with`), so an owner sees their edit in
//! their next search; another instance's arrive through the event bus.

use crate::domain::exchange::Rates;
use crate::domain::{GeoPoint, ListingId};
use crate::error::AppError;
use crate::listings::search::{
    price_sort_key, CategoryCount, PageRequest, PriceBucket, Search, Sort, PAGE_SIZE,
};
use crate::store::Db;
use chrono::{DateTime, Utc};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// What the catalogue keeps of one active listing, as the store reads it.
#[derive(sqlx::FromRow)]
pub struct CatalogueRow {
    pub id: ListingId,
    pub title: String,
    /// Brand and model.
    pub maker: String,
    pub category_name: String,
    pub description: String,
    pub category_slug: String,
    /// The daily price in euro cents (`read::PRICE_IN_EUROS`); `None` when its currency has
    /// no rate.
    pub price_in_euros: Option<i64>,
    pub instant_booking: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTime<Utc>,
}

/// Where a word was found, each worth the points of "best match" (title 8, brand and model
/// 4, category 2, description 1): a word's score in a listing is its fields' bits added up,
/// shifted past the four bits when the word matched whole rather than as a prefix.
const TITLE: u8 = 8;
const MAKER: u8 = 4;
const CATEGORY: u8 = 2;
const DESCRIPTION: u8 = 1;
/// A posting is a slot shifted past the four field bits.
const FIELD_BITS: u32 = 4;

/// Listings marked one by one before a refresh reloads everything instead.
const MARKED_AT_MOST: usize = 500;
/// How often everything is read again regardless: whatever changes listings without an event
/// (an operator's SQL, a restored backup) shows within this time.
const RELOAD_EVERY: Duration = Duration::from_secs(10 * 60);

/// The cards of a search in reading order (at most a page and one more, which says there is
/// more), with the total and the facets.
pub struct Found {
    pub total: i64,
    pub categories: Vec<CategoryCount>,
    pub prices: Vec<PriceBucket>,
    pub hits: Vec<Hit>,
}

/// A card to show and its place in the order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub id: ListingId,
    pub sort_key: Option<f64>,
}

/// The shared catalogue of one app instance.
#[derive(Default)]
pub struct Catalogue {
    /// Off, every search asks the database (to measure it).
    off: bool,
    index: RwLock<Index>,
    marks: Mutex<Marks>,
    /// One reload at a time; searches that need it wait for it.
    reloading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Marks {
    /// When everything was last read.
    loaded: Option<Instant>,
    everything: bool,
    listings: HashSet<ListingId>,
    /// Marks made so far; a search waits until the index holds every mark it saw.
    made: u64,
    /// Marks the index holds.
    applied: u64,
}

impl Catalogue {
    pub fn new(on: bool) -> Self {
        Self {
            off: !on,
            ..Default::default()
        }
    }

    /// Whether searches without dates are answered here.
    pub fn is_on(&self) -> bool {
        !self.off
    }

    /// `listing` changed: the next search reloads it.
    pub fn mark(&self, listing: ListingId) {
        let mut marks = self.marks();
        marks.made += 1;
        if marks.listings.len() >= MARKED_AT_MOST {
            marks.everything = true;
            marks.listings.clear();
        } else if !marks.everything {
            marks.listings.insert(listing);
        }
    }

    /// Anything may have changed: the next search reloads every listing.
    pub fn mark_everything(&self) {
        let mut marks = self.marks();
        marks.made += 1;
        marks.everything = true;
        marks.listings.clear();
    }

    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.marks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The marks a search must see applied before it answers (`None`: the index holds them
    /// all), and whether everything is due to be read again.
    fn due(&self) -> (Option<u64>, bool) {
        let marks = self.marks();
        let behind = marks.loaded.is_none() || marks.applied < marks.made;
        let old = marks.loaded.is_some_and(|at| at.elapsed() > RELOAD_EVERY);
        (behind.then_some(marks.made), old)
    }

    /// Answers `search` from memory once everything marked is reloaded.
    pub async fn search(&self, db: &Db, search: &Search) -> Result<Found, AppError> {
        self.reload_marked(db).await?;
        Ok(self
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .search(search))
    }

    async fn reload_marked(&self, db: &Db) -> Result<(), AppError> {
        let (seen, old) = self.due();
        let _one = match seen {
            Some(_) => self.reloading.lock().await,
            // Only the search that finds it due waits; the others answer meanwhile.
            None if old => match self.reloading.try_lock() {
                Ok(one) => one,
                Err(_) => return Ok(()),
            },
            None => return Ok(()),
        };
        let Some(mut taken) = self.take(seen) else {
            return Ok(()); // the reload this search waited for holds its marks
        };
        if !taken.everything && taken.listings.is_empty() {
            taken.finish();
            return Ok(());
        }
        let started = Instant::now();
        let rows = if taken.everything {
            // The rates first: a change after this marks everything again, so the prices read
            // next are never older than the rates the filters are converted with.
            let rates = crate::rates::service::in_force(db).await?.rates;
            let rows = super::store::read::catalogue_rows(db, None).await?;
            (rows, Some(rates))
        } else {
            let ids: Vec<ListingId> = taken.listings.iter().copied().collect();
            (
                super::store::read::catalogue_rows(db, Some(&ids)).await?,
                None,
            )
        };
        if let (rows, Some(rates)) = rows {
            // Folding and stemming every listing's words takes seconds at 100,000 listings:
            // not on the threads that serve requests.
            let index = tokio::task::spawn_blocking(move || Index::from_rows(rows, rates))
                .await
                .map_err(|e| AppError::internal("search catalogue", e.to_string()))?;
            tracing::info!(
                listings = index.len(),
                words = index.words.len(),
                millis = started.elapsed().as_millis() as u64,
                "search catalogue loaded"
            );
            *self.index.write().unwrap_or_else(PoisonError::into_inner) = index;
            self.marks().loaded = Some(started);
        } else {
            let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
            for &id in &taken.listings {
                index.remove(id);
            }
            for row in rows.0 {
                index.insert(row);
            }
        }
        taken.finish();
        Ok(())
    }

    /// Takes the marks for a reload, unless the index already holds the `seen` ones.
    fn take(&self, seen: Option<u64>) -> Option<Taken<'_>> {
        let mut marks = self.marks();
        if marks.loaded.is_some() && seen.is_some_and(|seen| marks.applied >= seen) {
            return None;
        }
        let everything =
            marks.everything || marks.loaded.is_none_or(|at| at.elapsed() > RELOAD_EVERY);
        marks.everything = false;
        Some(Taken {
            catalogue: self,
            everything,
            listings: std::mem::take(&mut marks.listings),
            up_to: marks.made,
            done: false,
        })
    }
}

/// Marks a reload has taken. Unless the reload completes, they are marked again when this is
/// dropped: after an error, or when the search waiting for it is abandoned.
struct Taken<'a> {
    catalogue: &'a Catalogue,
    everything: bool,
    listings: HashSet<ListingId>,
    up_to: u64,
    done: bool,
}

impl Taken<'_> {
    /// The index holds these marks now.
    fn finish(&mut self) {
        let mut marks = self.catalogue.marks();
        marks.applied = marks.applied.max(self.up_to);
        self.done = true;
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut marks = self.catalogue.marks();
        marks.everything |= self.everything;
        if marks.everything {
            marks.listings.clear();
        } else {
            marks.listings.extend(self.listings.drain());
        }
    }
}

/// One listing in the index.
struct Entry {
    id: ListingId,
    category: u16,
    /// In euro cents; `None` without a rate.
    price: Option<i64>,
    instant: bool,
    position: Option<GeoPoint>,
    created_at: DateTime<Utc>,
    /// Its words, to take its postings out again.
    words: Vec<u32>,
}

/// The inverted index: each word's listings, and each listing's filter columns.
#[derive(Default)]
pub struct Index {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    slots: HashMap<ListingId, u32>,
    /// Stemmed words in order, so that a prefix is a range.
    words: BTreeMap<String, u32>,
    /// By word: `slot << FIELD_BITS | fields`, in slot order.
    postings: Vec<Vec<u32>>,
    /// Category slugs by number.
    categories: Vec<String>,
    /// The rates the prices were converted with, to convert a search's price filter alike.
    rates: Rates,
}

impl Index {
    pub fn from_rows(rows: Vec<CatalogueRow>, rates: Rates) -> Self {
        let mut index = Index {
            rates,
            ..Index::default()
        };
        for row in rows {
            index.insert(row);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn insert(&mut self, row: CatalogueRow) {
        self.remove(row.id);
        let mut fields: HashMap<u32, u8> = HashMap::new();
        for (text, field) in [
            (&row.title, TITLE),
            (&row.maker, MAKER),
            (&row.category_name, CATEGORY),
            (&row.description, DESCRIPTION),
        ] {
            for word in words_of(text) {
                let next = self.postings.len() as u32;
                let number = *self.words.entry(word).or_insert(next);
                if number == next {
                    self.postings.push(Vec::new());
                }
                *fields.entry(number).or_default() |= field;
            }
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.entries.push(None);
                (self.entries.len() - 1) as u32
            }
        };
        for (&word, &field) in &fields {
            let postings = &mut self.postings[word as usize];
            let at = postings.partition_point(|p| p >> FIELD_BITS < slot);
            postings.insert(at, slot << FIELD_BITS | u32::from(field));
        }
        let category = match self.categories.iter().position(|c| *c == row.category_slug) {
            Some(at) => at as u16,
            None => {
                self.categories.push(row.category_slug);
                (self.categories.len() - 1) as u16
            }
        };
        self.entries[slot as usize] = Some(Entry {
            id: row.id,
            category,
            price: row.price_in_euros,
            instant: row.instant_booking,
            position: row
                .latitude
                .zip(row.longitude)
                .map(|(latitude, longitude)| GeoPoint {
                    latitude,
                    longitude,
                }),
            created_at: row.created_at,
            words: fields.into_keys().collect(),
        });
        self.slots.insert(row.id, slot);
    }

    /// Takes a listing out (it was archived, paused or removed, or is about to be replaced).
    pub fn remove(&mut self, id: ListingId) {
        let Some(slot) = self.slots.remove(&id) else {
            return;
        };
        if let Some(entry) = self.entries[slot as usize].take() {
            for word in entry.words {
                let postings = &mut self.postings[word as usize];
                let at = postings.partition_point(|p| p >> FIELD_BITS < slot);
                if postings.get(at).is_some_and(|p| p >> FIELD_BITS == slot) {
                    postings.remove(at);
                }
            }
        }
        self.free.push(slot);
    }

    /// Each listing that has every word of `terms` (at least one), with its score. A word
    /// matches whole (its stem); only the last, which may still be being typed, also matches
    /// as the start of a longer word, and then only in the title, brand and model or
    /// category: "bike" must not find "bikepacking" in a description. A whole-word field
    /// scores 16 times a prefix one, so no prefix match outranks a whole word.
    fn matching(&self, terms: &[String]) -> Vec<(u32, u32)> {
        const PREFIX_FIELDS: u8 = TITLE | MAKER | CATEGORY;
        let mut fields = vec![0u8; self.entries.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut found: Vec<(u32, u32)> = Vec::new();
        for (i, term) in terms.iter().enumerate() {
            for slot in touched.drain(..) {
                fields[slot as usize] = 0;
            }
            let last = i + 1 == terms.len();
            let wanted = stem(&fold(term));
            for (word, &number) in self
                .words
                .range::<str, _>((
                    std::ops::Bound::Included(wanted.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|(w, _)| w.starts_with(wanted.as_str()))
            {
                let whole = *word == wanted;
                if !whole && !last {
                    break;
                }
                for &posting in &self.postings[number as usize] {
                    let slot = posting >> FIELD_BITS;
                    let field = &mut fields[slot as usize];
                    let bits = (posting & 0xF) as u8;
                    // The whole word sorts first; a field it matched scores that alone, as
                    // the databases' `CASE WHEN whole … WHEN prefix …` does.
                    let bits = if whole {
                        bits << FIELD_BITS
                    } else {
                        bits & PREFIX_FIELDS & !(*field >> FIELD_BITS)
                    };
                    if bits == 0 {
                        continue;
                    }
                    if *field == 0 {
                        touched.push(slot);
                    }
                    *field |= bits;
                }
            }
            if i == 0 {
                found = touched
                    .iter()
                    .map(|&slot| (slot, u32::from(fields[slot as usize])))
                    .collect();
            } else {
                found.retain_mut(|(slot, score)| {
                    let f = fields[*slot as usize];
                    *score += u32::from(f);
                    f != 0
                });
            }
            if found.is_empty() {
                break;
            }
        }
        found
    }

    /// The answer to `search` (its dates aside: those are the database's to check).
    pub fn search(&self, search: &Search) -> Found {
        let chosen_category = search
            .category
            .as_deref()
            .map(|slug| self.categories.iter().position(|c| c == slug));
        let bbox = search.near.as_ref().map(|near| {
            (
                near,
                near.point.bounding_box(near.radius_km),
                near.radius_squared_degrees(),
            )
        });
        let backwards = matches!(search.page, PageRequest::Before(_));
        let ascending = search.sort.ascending() != backwards;
        let keyed = matches!(
            (search.sort, &search.near),
            (Sort::Relevance | Sort::PriceLow | Sort::PriceHigh, _) | (Sort::Distance, Some(_))
        );
        // Where the page starts, as the database binds it: a missing key is 0, and keys are
        // whole numbers for every order but distance.
        let from: Option<Card> = match search.page {
            PageRequest::First => None,
            PageRequest::After(c) | PageRequest::Before(c) => Some((
                keyed.then(|| match (search.sort, c.key.unwrap_or_default()) {
                    (Sort::Distance, k) => k,
                    (_, k) => (k as i64) as f64,
                }),
                c.created_at,
                c.id,
            )),
        };

        let prices_in_euros = search.reference_prices(&self.rates);
        let mut total = 0;
        let mut per_category = vec![0i64; self.categories.len()];
        let mut prices: Vec<PriceBucket> = PriceBucket::empty_histogram();
        let order = |a: &Card, b: &Card| {
            let order = in_order(a, b);
            if ascending {
                order
            } else {
                order.reverse()
            }
        };
        // The page and one more, in order; kept to a few pages' worth while counting, so a
        // search that matches every listing holds no more than that.
        let wanted = PAGE_SIZE + 1;
        let mut cards: Vec<Card> = Vec::new();
        let keep_first = |cards: &mut Vec<Card>| {
            if cards.len() > wanted {
                cards.select_nth_unstable_by(wanted - 1, order);
                cards.truncate(wanted);
            }
        };

        let matched = (!search.terms.is_empty()).then(|| self.matching(&search.terms));
        let candidates: Box<dyn Iterator<Item = (u32, u32)> + '_> = match &matched {
            Some(matched) => Box::new(matched.iter().copied()),
            // In slot order: every entry, read front to back.
            None => Box::new(
                self.entries
                    .iter()
                    .enumerate()
                    .filter(|(_, entry)| entry.is_some())
                    .map(|(slot, _)| (slot as u32, 0)),
            ),
        };
        for (slot, score) in candidates {
            let Some(entry) = &self.entries[slot as usize] else {
                continue;
            };
            if search.instant_only && !entry.instant {
                continue;
            }
            if let Some((near, bbox, limit)) = &bbox {
                let Some(at) = entry.position else { continue };
                if !(bbox.contains(&at) && near.squared_degrees(&at) <= *limit) {
                    continue;
                }
            }
            let chosen = match chosen_category {
                None => true,
                Some(Some(category)) => usize::from(entry.category) == category,
                Some(None) => false,
            };
            let in_price = prices_in_euros.admits(entry.price);
            if in_price {
                per_category[usize::from(entry.category)] += 1;
            }
            if let Some(bucket) = prices_in_euros.bucket(entry.price).filter(|_| chosen) {
                prices[bucket].count += 1;
            }
            if !(chosen && in_price) {
                continue;
            }
            total += 1;
            let key = match (search.sort, &search.near) {
                (Sort::Newest, _) | (Sort::Distance, None) => None,
                (Sort::Relevance, _) => Some(f64::from(score)),
                (Sort::PriceLow | Sort::PriceHigh, _) => {
                    Some(price_sort_key(entry.price, search.sort) as f64)
                }
                (Sort::Distance, Some(near)) => entry.position.map(|at| near.squared_degrees(&at)),
            };
            let card = (key, entry.created_at, entry.id);
            if let Some(from) = &from {
                let beyond = match in_order(&card, from) {
                    Ordering::Greater => ascending,
                    Ordering::Less => !ascending,
                    Ordering::Equal => false,
                };
                if !beyond {
                    continue;
                }
            }
            cards.push(card);
            if cards.len() >= 8 * wanted {
                keep_first(&mut cards);
            }
        }
        keep_first(&mut cards);
        cards.sort_unstable_by(order);

        let mut categories: Vec<CategoryCount> = self
            .categories
            .iter()
            .zip(per_category)
            .filter(|(_, count)| *count > 0)
            .map(|(slug, count)| CategoryCount {
                slug: slug.clone(),
                count,
            })
            .collect();
        categories.sort_by(|a, b| a.slug.cmp(&b.slug));
        Found {
            total,
            categories,
            prices,
            hits: cards
                .into_iter()
                .map(|(sort_key, _, id)| Hit { id, sort_key })
                .collect(),
        }
    }
}

/// A card's place in the order: its sort key (when the order has one), age and id.
type Card = (Option<f64>, DateTime<Utc>, ListingId);

/// Cards in ascending order: sort key, then age, then id, as the database orders them.
fn in_order(a: &Card, b: &Card) -> Ordering {
    let keys = match (a.0, b.0) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    };
    keys.then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
}

/// The words of a listing's text as the index keeps them: folded and stemmed.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stem(&fold(w)))
        .filter(|w| !w.is_empty())
}

/// Lower case without accents: "München" is "munchen".
fn fold(word: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn stem(word: &str) -> String {
    static STEMMER: std::sync::OnceLock<rust_stemmers::Stemmer> = std::sync::OnceLock::new();
    STEMMER
        .get_or_init(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English))
        .stem(word)
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::listings::search::{Cursor, SearchParams};

    fn row(n: u128, title: &str, category: &str, price: i64) -> CatalogueRow {
        CatalogueRow {
            id: ListingId::from_u128(n),
            title: title.to_owned(),
            maker: "Acme Pro".to_owned(),
            category_name: category.to_owned(),
            description: "Well kept, with a bag.".to_owned(),
            category_slug: category.to_lowercase(),
            price_in_euros: Some(price),
            instant_booking: n.is_multiple_of(2),
            latitude: Some(52.52),
            longitude: Some(13.40 + n as f64 / 1000.0),
            created_at: DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap(),
        }
    }

    /// An index whose prices are in euros already.
    fn index(rows: Vec<CatalogueRow>) -> Index {
        Index::from_rows(rows, Rates::new([(Currency::Eur, 1_000_000)]))
    }

    fn search(query: &[(&str, &str)]) -> Search {
        let mut params = SearchParams::default();
        for &(k, v) in query {
            let v = v.to_owned();
            match k {
                "q" => params.q = v,
                "category" => params.category = v,
                "max_price" => params.max_price = v,
                "min_price" => params.min_price = v,
                "sort" => params.sort = v,
                "after" => params.after = v,
                "near" => params.near = v,
                _ => panic!("{k}"),
            }
        }
        params
            .validate(
                chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                &crate::domain::KnownPlaces,
            )
            .unwrap()
    }

    fn ids(found: &Found) -> Vec<u128> {
        found.hits.iter().map(|h| h.id.uuid().as_u128()).collect()
    }

    #[test]
    fn words_match_as_prefixes_of_stems_folded() {
        let index = index(vec![
            row(1, "Two-person tents", "Camping", 1500),
            row(2, "Sony camera body", "Cameras", 4000),
            row(3, "Tent stakes from München", "Camping", 500),
        ]);
        assert_eq!(
            ids(&index.search(&search(&[("q", "tent"), ("sort", "newest")]))),
            [3, 1]
        );
        assert_eq!(ids(&index.search(&search(&[("q", "tents")]))).len(), 2);
        assert_eq!(ids(&index.search(&search(&[("q", "son")]))), [2]);
        assert_eq!(ids(&index.search(&search(&[("q", "munchen")]))), [3]);
        assert_eq!(
            ids(&index.search(&search(&[("q", "tent sony")]))),
            Vec::<u128>::new()
        );
        assert_eq!(index.search(&search(&[("q", "drone")])).total, 0);
    }

    #[test]
    fn best_match_weighs_the_title_over_the_description() {
        let mut described = row(1, "Dome", "Camping", 1500);
        described.description = "A tent for two".to_owned();
        let index = index(vec![described, row(2, "Tent", "Camping", 1500)]);
        let found = index.search(&search(&[("q", "tent")]));
        assert_eq!(ids(&found), [2, 1]);
        assert_eq!(found.hits[0].sort_key, Some(128.0));
        assert_eq!(found.hits[1].sort_key, Some(16.0));
    }

    #[test]
    fn whole_words_outrank_prefixes_and_descriptions_need_whole_words() {
        let mut tent = row(1, "Ultralight tent", "Camping", 1500);
        tent.description = "Made for bikepacking trips".to_owned();
        let mut bag = row(2, "Bikepacking frame bag", "Bikes", 2000);
        bag.description = "Fits most frames".to_owned();
        let mut bike = row(3, "Gravel bike", "Bikes", 3000);
        bike.description = "Rides well".to_owned();
        let index = index(vec![tent, bag, bike]);
        // The tent's description only starts a word with "bike": it is not found.
        let found = index.search(&search(&[("q", "bike")]));
        assert_eq!(ids(&found), [3, 2]);
        assert!(found.hits[0].sort_key > found.hits[1].sort_key);
        // A whole word in the description still finds it, and any word but the last must
        // match whole ("bike" of "bikepacking" does not count for "bike tent").
        assert_eq!(ids(&index.search(&search(&[("q", "bikepacking")]))), [2, 1]);
        assert!(ids(&index.search(&search(&[("q", "bike tent")]))).is_empty());
        assert_eq!(ids(&index.search(&search(&[("q", "gravel bi")]))), [3]);
    }

    #[test]
    fn a_field_matched_whole_does_not_also_score_as_a_prefix() {
        // The databases score a field either as a whole word or as a prefix, never both.
        let index = index(vec![
            row(1, "Tent", "Camping", 1500),
            row(2, "Tent with tentpoles", "Camping", 1500),
        ]);
        let found = index.search(&search(&[("q", "tent")]));
        assert_eq!(found.hits.len(), 2);
        assert_eq!(found.hits[0].sort_key, found.hits[1].sort_key);
    }

    #[test]
    fn facets_leave_out_the_filter_they_count() {
        let index = index(vec![
            row(1, "Tent", "Camping", 1500),
            row(2, "Tent light", "Lighting", 3000),
            row(3, "Tent", "Camping", 30000),
        ]);
        let found = index.search(&search(&[
            ("q", "tent"),
            ("category", "camping"),
            ("max_price", "100"),
        ]));
        assert_eq!(found.total, 1);
        // Per category: every filter but the category (the price limit keeps 1 and 2).
        let counts: Vec<(String, i64)> = found
            .categories
            .iter()
            .map(|c| (c.slug.clone(), c.count))
            .collect();
        assert_eq!(
            counts,
            [("camping".to_owned(), 1), ("lighting".to_owned(), 1)]
        );
        // Per price: every filter but the price (camping: 15 and 300 a day).
        let buckets: Vec<i64> = found.prices.iter().map(|b| b.count).collect();
        assert_eq!(buckets, [0, 1, 0, 0, 0, 1]);
    }

    #[test]
    fn pages_continue_after_their_cursor_without_repeats() {
        let rows = (1..=500)
            .map(|n| row(n, "Tent", "Camping", 1000 + (n as i64 % 7) * 100))
            .collect();
        let index = index(rows);
        let mut seen = Vec::new();
        let mut query = vec![("q", "tent".to_owned()), ("sort", "price".to_owned())];
        loop {
            let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let found = index.search(&search(&pairs));
            assert_eq!(found.total, 500);
            let page: Vec<_> = found.hits.iter().take(PAGE_SIZE).collect();
            seen.extend(page.iter().map(|h| h.id));
            if found.hits.len() <= PAGE_SIZE {
                break;
            }
            let last = page.last().unwrap();
            let entry = index.entries[index.slots[&last.id] as usize]
                .as_ref()
                .unwrap();
            let cursor = Cursor {
                key: last.sort_key,
                created_at: entry.created_at,
                id: last.id,
            };
            query = vec![
                ("q", "tent".to_owned()),
                ("sort", "price".to_owned()),
                ("after", cursor.encode()),
            ];
        }
        let distinct: HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), distinct.len()), (500, 500));
        let prices: Vec<i64> = seen
            .iter()
            .map(|id| {
                index.entries[index.slots[id] as usize]
                    .as_ref()
                    .unwrap()
                    .price
                    .unwrap()
            })
            .collect();
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    }

    #[test]
    fn prices_compare_in_euros_and_a_listing_without_a_rate_comes_last() {
        let mut unpriced = row(4, "Tent", "Camping", 0);
        unpriced.price_in_euros = None;
        let index = Index::from_rows(
            vec![
                row(1, "Tent", "Camping", 11_202), // £97 at 1.1548
                row(2, "Tent", "Camping", 9_250),  // €92.50
                row(3, "Tent", "Camping", 7_769),  // $90.50 at 0.8584
                unpriced,
            ],
            Rates::new([(Currency::Eur, 1_000_000), (Currency::Gbp, 1_154_800)]),
        );
        let cheapest = index.search(&search(&[("sort", "price")]));
        assert_eq!(ids(&cheapest), [3, 2, 1, 4]);
        let dearest = index.search(&search(&[("sort", "price_desc")]));
        assert_eq!(ids(&dearest), [1, 2, 3, 4]);
        // Shown, but in no price bucket, and left out by a price filter.
        assert_eq!(dearest.total, 4);
        assert_eq!(dearest.prices.iter().map(|b| b.count).sum::<i64>(), 3);
        let filtered = index.search(&search(&[("sort", "price"), ("max_price", "100")]));
        assert_eq!(ids(&filtered), [3, 2]);
        // A visitor in pounds: £80 is €92.38, £81 is €93.54.
        let in_pounds = |max: &str| {
            let search =
                search(&[("sort", "price"), ("max_price", max)]).for_visitor(Currency::Gbp);
            ids(&index.search(&search))
        };
        assert_eq!(in_pounds("80"), [3]);
        assert_eq!(in_pounds("81"), [3, 2]);
        let counts = |search: Search| -> Vec<i64> {
            index
                .search(&search)
                .prices
                .iter()
                .map(|b| b.count)
                .collect()
        };
        // 50–100 holds €77.69 and €92.50, 100–250 the £97 (€112.02); in pounds, £50–100
        // holds all three.
        assert_eq!(counts(search(&[])), [0, 0, 0, 2, 1, 0]);
        assert_eq!(
            counts(search(&[]).for_visitor(Currency::Gbp)),
            [0, 0, 0, 3, 0, 0]
        );
    }

    #[test]
    fn marks_a_reload_did_not_finish_are_marked_again() {
        let catalogue = Catalogue::default();
        catalogue.marks().loaded = Some(Instant::now());
        let (kayak, tent) = (ListingId::from_u128(1), ListingId::from_u128(2));
        catalogue.mark(kayak);
        let (seen, _) = catalogue.due();
        assert_eq!(seen, Some(1));
        let taken = catalogue.take(seen).expect("marks to take");
        assert_eq!(taken.listings.len(), 1);
        catalogue.mark(tent); // while the reload reads the database
        drop(taken); // abandoned: an error, or the search's request went away
        assert_eq!(catalogue.marks().listings, HashSet::from([kayak, tent]));
        let (seen, _) = catalogue.due();
        let mut taken = catalogue.take(seen).expect("marks to take");
        taken.finish();
        drop(taken);
        assert_eq!(catalogue.due(), (None, false), "the index holds every mark");
        assert!(
            catalogue.take(seen).is_none(),
            "a search that waited finds them held"
        );
    }

    #[test]
    fn a_removed_or_replaced_listing_leaves_its_words() {
        let mut index = index(vec![
            row(1, "Tent", "Camping", 1500),
            row(2, "Drone", "Drones", 5000),
        ]);
        index.insert(row(1, "Kayak", "Camping", 1500));
        assert_eq!(index.search(&search(&[("q", "tent")])).total, 0);
        assert_eq!(ids(&index.search(&search(&[("q", "kayak")]))), [1]);
        index.remove(ListingId::from_u128(2));
        assert_eq!(index.search(&search(&[("q", "drone")])).total, 0);
        assert_eq!(index.len(), 1);
        // The freed slot is taken again without mixing the postings.
        index.insert(row(3, "Drone", "Drones", 5000));
        assert_eq!(ids(&index.search(&search(&[("q", "drone")]))), [3]);
        assert_eq!(index.search(&search(&[])).total, 2);
    }
}
