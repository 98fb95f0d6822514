//! `gearshare seed`: realistic demo data, the same for the same seed value.

mod art;
mod catalog;
pub mod rentals;
mod store;

use app::domain::ids::Id;
use app::domain::{GeoPoint, Place, PLACES};
use app::domain::{ListingId, UserId};
use app::store::Db;
use catalog::{CategoryGear, Gear, CATEGORIES, FIRST_NAMES, LAST_NAMES};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use store::{DemoListing, DemoOwner, DemoPhoto, DemoUnit};

#[derive(Clone, Debug)]
pub struct SeedOptions {
    pub listings: usize,
    pub seed: u64,
    /// Delete every listing and user first.
    pub reset: bool,
    /// Do nothing when listings exist (the one-command run seeds only a new database).
    pub if_empty: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Seeded {
        owners: usize,
        listings: usize,
        units: usize,
        photos: usize,
    },
    AlreadySeeded {
        listings: i64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the database already has {0} listings; pass --reset to replace them (this deletes every listing and user) or --if-empty to keep them")]
    NotEmpty(i64),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot write demo photos under {dir}: {reason}")]
    Media { dir: PathBuf, reason: String },
}

/// Demo data is dated relative to this instant, not the clock, so a seed value always yields
/// the same rows.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .expect("a valid fixed instant")
}

struct Photo {
    key: String,
    category: &'static str,
    hue: u16,
    shot: usize,
    caption: String,
}

/// Everything one seed run writes, as rows ready to bind.
pub struct DemoData {
    users: Vec<DemoOwner>,
    listings: Vec<DemoListing>,
    units: Vec<DemoUnit>,
    photo_rows: Vec<DemoPhoto>,
    photos: Vec<Photo>,
}

fn fresh_id<K>(rng: &mut ChaCha8Rng) -> Id<K> {
    Id::from_uuid(uuid::Builder::from_random_bytes(rng.gen()).into_uuid())
}

/// Picks by weight: `weighted(rng, &[(1, 70), (2, 30)])` is 1 seven times in ten.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (value, weight) in choices {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    choices[choices.len() - 1].0
}

fn email_local_part(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            'ü' => Some('u'),
            'ö' => Some('o'),
            'ä' => Some('a'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

struct Owner {
    id: UserId,
    city: &'static Place,
    since: DateTime<Utc>,
}

pub fn generate(seed: u64, listing_count: usize) -> DemoData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = DemoData {
        users: vec![],
        listings: vec![],
        units: vec![],
        photo_rows: vec![],
        photos: vec![],
    };
    let owner_count = (listing_count / 6).max(5);
    let owners: Vec<Owner> = (0..owner_count)
        .map(|i| demo_owner(&mut rng, i, &mut data))
        .collect();
    for _ in 0..listing_count {
        let owner = owners.choose(&mut rng).expect("at least five owners");
        demo_listing(&mut rng, owner, &mut data);
    }
    data
}

fn demo_owner(rng: &mut ChaCha8Rng, index: usize, data: &mut DemoData) -> Owner {
    let first = *FIRST_NAMES.choose(rng).expect("names");
    let last = *LAST_NAMES.choose(rng).expect("names");
    let city = PLACES.choose(rng).expect("places");
    let id = fresh_id(rng);
    let since = epoch() - Duration::days(rng.gen_range(30..5 * 365));
    data.users.push(DemoOwner {
        id,
        email: format!(
            "{}.{}.{index}@example.com",
            email_local_part(first),
            email_local_part(last)
        ),
        name: format!("{first} {last}"),
        time_zone: city.time_zone,
        city: city.name,
        bio: format!("Renting out my gear in {} between projects.", city.name),
        since,
    });
    Owner { id, city, since }
}

fn demo_listing(rng: &mut ChaCha8Rng, owner: &Owner, data: &mut DemoData) {
    let category: &CategoryGear = CATEGORIES.choose(rng).expect("categories");
    let gear: &Gear = category.gear.choose(rng).expect("gear");
    let id = fresh_id(rng);
    let name = format!("{} {}", gear.brand, gear.model);
    let title = match rng.gen_bool(0.5) {
        true => format!(
            "{name} {} {}",
            gear.noun,
            category.extras.choose(rng).expect("extras")
        ),
        false => format!("{name} {}", gear.noun),
    };
    let daily_minor =
        rng.gen_range(gear.daily.0..=gear.daily.1) * 100 + weighted(rng, &[(0, 3), (50, 1)]);
    let deposit_minor = (gear.value * rng.gen_range(10..=30) / 100).max(20) / 10 * 1000;
    let created = (epoch() - Duration::minutes(rng.gen_range(0..365 * 24 * 60))).max(owner.since);
    let uses: Vec<_> = category.uses.choose_multiple(rng, 2).collect();
    let condition = weighted(
        rng,
        &[("new", 10), ("like_new", 35), ("good", 45), ("fair", 10)],
    );
    let care = match condition {
        "new" => "Bought this season and used only a couple of times.",
        "like_new" => "Barely used and kept in its original case.",
        "good" => "Well looked after, with a few marks from honest use.",
        _ => "Shows its age but works perfectly — priced accordingly.",
    };
    let description = format!(
        "{name} {noun}. {care}\nGreat for {} and {}.\n\nIncluded: {included}.\n\nI'm happy to show you how everything works at pickup.",
        uses[0],
        uses[1],
        noun = gear.noun,
        included = gear.included,
    );
    let jitter = |rng: &mut ChaCha8Rng| rng.gen_range(-0.06..0.06);
    // Fields in the order the generator has always drawn them, so a seed value keeps making
    // the same data.
    let mut listing = DemoListing {
        id,
        owner_id: owner.id,
        category_slug: category.slug,
        title: title.clone(),
        description,
        brand: gear.brand,
        model: gear.model,
        condition,
        currency: owner.city.currency.code(),
        daily_price_minor: daily_minor,
        weekly_price_minor: rng.gen_bool(0.6).then_some(daily_minor * 5),
        monthly_price_minor: rng.gen_bool(0.3).then_some(daily_minor * 15),
        deposit_minor,
        min_days: weighted(rng, &[(1, 70), (2, 20), (3, 10)]),
        max_days: weighted(
            rng,
            &[(None, 50), (Some(14), 15), (Some(30), 20), (Some(60), 15)],
        ),
        lead_time_days: weighted(rng, &[(0, 50), (1, 35), (2, 15)]),
        buffer_days: weighted(rng, &[(0, 60), (1, 40)]),
        instant_booking: rng.gen_bool(0.35),
        city: owner.city.name,
        position: GeoPoint {
            latitude: owner.city.position.latitude + jitter(rng),
            longitude: owner.city.position.longitude + jitter(rng),
        },
        time_zone: owner.city.time_zone,
        pickup_instructions: format!(
            "Pickup near the centre of {}; exact address after confirmation.",
            owner.city.name
        ),
        created_at: created,
        public_position: GeoPoint {
            latitude: 0.0,
            longitude: 0.0,
        },
    };
    listing.public_position = public_position(id, listing.position);
    data.listings.push(listing);
    for n in 1..=weighted(rng, &[(1, 60), (2, 28), (3, 12)]) {
        data.units.push(DemoUnit {
            id: fresh_id(rng),
            listing_id: id,
            label: format!("Unit {n}"),
            created_at: created,
        });
    }
    let hue = rng.gen_range(0..360);
    let views = ["shown whole", "close-up", "wide view"];
    let photo_count = weighted(rng, &[(1, 30), (2, 40), (3, 30)]);
    for (shot, view) in views.iter().enumerate().take(photo_count) {
        let key = format!("listings/{id}/{shot}.svg");
        data.photo_rows.push(DemoPhoto {
            id: fresh_id(rng),
            listing_id: id,
            position: shot as i64,
            storage_key: key.clone(),
            size: (art::WIDTH, art::HEIGHT),
            alt_text: format!("Illustration of the {} {}, {view}", name, gear.noun),
            created_at: created,
        });
        data.photos.push(Photo {
            key,
            category: category.slug,
            hue,
            shot,
            caption: name.clone(),
        });
    }
}

/// A listing's public position, from a generator of its own seeded by its id, so that the
/// rest of the demo data stays as the seed value made it before public positions existed.
fn public_position(id: ListingId, exact: GeoPoint) -> GeoPoint {
    let mut rng = ChaCha8Rng::seed_from_u64(id.uuid().as_u64_pair().0);
    let (least, most) = app::domain::places::PUBLIC_OFFSET_METRES;
    exact.approximate(rng.gen_range(0.0..360.0), rng.gen_range(least..=most))
}

pub async fn seed(
    db: &Db,
    media_dir: &Path,
    options: &SeedOptions,
) -> Result<SeedOutcome, SeedError> {
    let existing = store::listing_count(db).await?;
    if existing > 0 && !options.reset {
        return if options.if_empty {
            Ok(SeedOutcome::AlreadySeeded { listings: existing })
        } else {
            Err(SeedError::NotEmpty(existing))
        };
    }
    let data = generate(options.seed, options.listings);
    store::load(db, &data, options.reset).await?;
    write_photos(media_dir, &data.photos, options.reset).await?;
    Ok(SeedOutcome::Seeded {
        owners: data.users.len(),
        listings: data.listings.len(),
        units: data.units.len(),
        photos: data.photos.len(),
    })
}

async fn write_photos(media_dir: &Path, photos: &[Photo], reset: bool) -> Result<(), SeedError> {
    let dir = media_dir.to_path_buf();
    let media_error = |reason: String| SeedError::Media {
        dir: media_dir.to_path_buf(),
        reason,
    };
    let files: Vec<(PathBuf, String)> = photos
        .iter()
        .map(|p| {
            (
                dir.join(&p.key),
                art::photo(p.category, p.hue, p.shot, &p.caption),
            )
        })
        .collect();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let listings_dir = dir.join("listings");
        if reset && listings_dir.exists() {
            std::fs::remove_dir_all(&listings_dir)?;
        }
        for (path, svg) in files {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, svg)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| media_error(e.to_string()))?
    .map_err(|e| media_error(e.to_string()))
}

/// Creates an account named `name` with a signed-in session, as logging in would leave it,
/// and returns the account's id and the session cookie's value. For tests and benchmarks
/// that need many members at once: signing up goes through per-address limits and argon2.
/// The account has no password, so nobody can log in to it.
pub async fn member_with_session(
    db: &Db,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(UserId, String), sqlx::Error> {
    let id = UserId::new();
    let email = format!("{}@members.test", id.uuid().simple());
    let session = tower_sessions::session::Id::default().to_string();
    let data = serde_json::json!({
        "signed_in": { "user_id": id, "since": now.timestamp(), "seen": now.timestamp() }
    })
    .to_string();
    store::member_with_session(db, (id, &email, name), (&session, &data), now).await?;
    Ok((id, session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_differs() {
        let a = generate(7, 60);
        let b = generate(7, 60);
        let c = generate(8, 60);
        let titles = |d: &DemoData| {
            d.listings
                .iter()
                .map(|l| l.title.clone())
                .collect::<Vec<_>>()
        };
        let ids = |d: &DemoData| d.listings.iter().map(|l| l.id).collect::<Vec<_>>();
        assert_eq!(titles(&a), titles(&b));
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn every_listing_has_one_to_three_units_and_photos() {
        let data = generate(1, 200);
        assert_eq!(data.listings.len(), 200);
        assert!(data.units.len() >= 200 && data.units.len() <= 600);
        assert!(data.photos.len() >= 200 && data.photos.len() <= 600);
        assert_eq!(data.photos.len(), data.photo_rows.len());
        assert!(data
            .listings
            .iter()
            .all(|l| (3..=120).contains(&l.title.chars().count())));
    }
}
