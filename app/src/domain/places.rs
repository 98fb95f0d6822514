//! Places GearShare knows by name: where listings are and what "near" means. Pure geometry,
//! shared with the browser (the listing form picks a city's default position from it).

use super::money::Currency;
use serde::{Deserialize, Serialize};

/// Mean Earth radius (IUGG), the one the distances on cards are computed with.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Kilometres per degree of latitude (and of longitude at the equator).
pub const KM_PER_DEGREE: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    pub name: &'static str,
    pub position: GeoPoint,
    /// IANA zone: a listing's rental days are local days there.
    pub time_zone: &'static str,
    pub currency: Currency,
}

const fn place(
    name: &'static str,
    latitude: f64,
    longitude: f64,
    time_zone: &'static str,
    currency: Currency,
) -> Place {
    Place {
        name,
        position: GeoPoint {
            latitude,
            longitude,
        },
        time_zone,
        currency,
    }
}

pub const PLACES: &[Place] = &[
    place("Berlin", 52.5200, 13.4050, "Europe/Berlin", Currency::Eur),
    place("Munich", 48.1351, 11.5820, "Europe/Berlin", Currency::Eur),
    place("Hamburg", 53.5511, 9.9937, "Europe/Berlin", Currency::Eur),
    place("Paris", 48.8566, 2.3522, "Europe/Paris", Currency::Eur),
    place("Lyon", 45.7640, 4.8357, "Europe/Paris", Currency::Eur),
    place(
        "Amsterdam",
        52.3676,
        4.9041,
        "Europe/Amsterdam",
        Currency::Eur,
    ),
    place(
        "Rotterdam",
        51.9244,
        4.4777,
        "Europe/Amsterdam",
        Currency::Eur,
    ),
    place(
        "Brussels",
        50.8503,
        4.3517,
        "Europe/Brussels",
        Currency::Eur,
    ),
    place("Barcelona", 41.3874, 2.1686, "Europe/Madrid", Currency::Eur),
    place("Madrid", 40.4168, -3.7038, "Europe/Madrid", Currency::Eur),
    place("Lisbon", 38.7223, -9.1393, "Europe/Lisbon", Currency::Eur),
    place("Vienna", 48.2082, 16.3738, "Europe/Vienna", Currency::Eur),
    place("Milan", 45.4642, 9.1900, "Europe/Rome", Currency::Eur),
    place("Dublin", 53.3498, -6.2603, "Europe/Dublin", Currency::Eur),
    place("London", 51.5072, -0.1276, "Europe/London", Currency::Gbp),
    place(
        "Manchester",
        53.4808,
        -2.2426,
        "Europe/London",
        Currency::Gbp,
    ),
    place("Bristol", 51.4545, -2.5879, "Europe/London", Currency::Gbp),
    place(
        "Edinburgh",
        55.9533,
        -3.1883,
        "Europe/London",
        Currency::Gbp,
    ),
    place(
        "New York",
        40.7128,
        -74.0060,
        "America/New_York",
        Currency::Usd,
    ),
    place(
        "San Francisco",
        37.7749,
        -122.4194,
        "America/Los_Angeles",
        Currency::Usd,
    ),
    place(
        "Seattle",
        47.6062,
        -122.3321,
        "America/Los_Angeles",
        Currency::Usd,
    ),
    place(
        "Denver",
        39.7392,
        -104.9903,
        "America/Denver",
        Currency::Usd,
    ),
    place(
        "Austin",
        30.2672,
        -97.7431,
        "America/Chicago",
        Currency::Usd,
    ),
    place(
        "Chicago",
        41.8781,
        -87.6298,
        "America/Chicago",
        Currency::Usd,
    ),
];

/// The place called `name`, ignoring case and surrounding spaces.
pub fn find_place(name: &str) -> Option<&'static Place> {
    let name = name.trim();
    PLACES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// A place found by the name a person typed: where it is, and what a listing there starts
/// from (its rental days are local days in `time_zone`; its prices in `currency`, when the
/// marketplace has the country's).
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub position: GeoPoint,
    pub time_zone: String,
    pub currency: Option<Currency>,
}

/// Finds places by name. The server's gazetteer (`crate::places`) is the one that counts;
/// the browser never holds it, so checks that need it run on the server.
pub trait Locate: Sync {
    fn locate(&self, name: &str) -> Option<Located>;
}

/// The few places of [`PLACES`] by name: for tools and tests without the gazetteer.
pub struct KnownPlaces;

impl Locate for KnownPlaces {
    fn locate(&self, name: &str) -> Option<Located> {
        find_place(name).map(|p| Located {
            position: p.position,
            time_zone: p.time_zone.to_owned(),
            currency: Some(p.currency),
        })
    }
}

/// How far the public position of a listing lies from the owner's exact one, in metres.
pub const PUBLIC_OFFSET_METRES: (f64, f64) = (200.0, 500.0);

/// A distance as the public may see it: to 100 m under 10 km, to the kilometre beyond; the
/// position it is measured to is approximate anyway ([`GeoPoint::approximate`]).
pub fn rounded_distance_km(km: f64) -> f64 {
    if km < 10.0 {
        (km * 10.0).round() / 10.0
    } else {
        km.round()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

impl GeoPoint {
    /// A point with both coordinates in range, or `None`.
    pub fn new(latitude: f64, longitude: f64) -> Option<Self> {
        ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
            Self {
                latitude,
                longitude,
            },
        )
    }

    /// "52.52, 13.405" as typed into a "Near" field.
    pub fn parse(text: &str) -> Option<Self> {
        let (lat, lon) = text.split_once(',')?;
        Self::new(lat.trim().parse().ok()?, lon.trim().parse().ok()?)
    }

    /// Great-circle distance (haversine).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let d_lat = lat2 - lat1;
        let d_lon = (other.longitude - self.longitude).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// Where the public sees a listing at this point: moved `metres` (clamped to
    /// [`PUBLIC_OFFSET_METRES`]) towards `bearing_degrees`. Chosen once per listing and stored,
    /// so repeated searches from chosen points find the same wrong place and cannot average
    /// it away; the owner's exact place is never in a page or a search.
    pub fn approximate(&self, bearing_degrees: f64, metres: f64) -> GeoPoint {
        let (least, most) = PUBLIC_OFFSET_METRES;
        let metres = if metres.is_finite() {
            metres.clamp(least, most)
        } else {
            least
        };
        let bearing = bearing_degrees.to_radians();
        let d_lat = metres * bearing.cos() / 1000.0 / KM_PER_DEGREE;
        // Near the poles a metre east is many degrees: the cosine is kept away from zero.
        let cos = self.latitude.to_radians().cos().max(0.01);
        let d_lon = metres * bearing.sin() / 1000.0 / (KM_PER_DEGREE * cos);
        let longitude = self.longitude + d_lon;
        GeoPoint {
            latitude: (self.latitude + d_lat).clamp(-90.0, 90.0),
            longitude: if longitude > 180.0 {
                longitude - 360.0
            } else if longitude < -180.0 {
                longitude + 360.0
            } else {
                longitude
            },
        }
    }

    /// The latitude/longitude box holding every point within `radius_km`: the index-friendly
    /// first cut of a radius search. Near the poles it widens to every longitude.
    pub fn bounding_box(&self, radius_km: f64) -> BoundingBox {
        let d_lat = radius_km / KM_PER_DEGREE;
        let min_lat = (self.latitude - d_lat).max(-90.0);
        let max_lat = (self.latitude + d_lat).min(90.0);
        let widest = self.latitude.abs() + d_lat;
        let (min_lon, max_lon) = if widest >= 89.0 {
            (-180.0, 180.0)
        } else {
            let d_lon = d_lat / widest.to_radians().cos();
            (self.longitude - d_lon, self.longitude + d_lon)
        };
        BoundingBox {
            min_lat,
            max_lat,
            min_lon,
            max_lon,
        }
    }
}

/// A box in degrees; `min_lon` may be below -180 or `max_lon` above 180 near the antimeridian,
/// which simply matches nothing there (no listing sits across it today).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn contains(&self, point: &GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&point.latitude)
            && (self.min_lon..=self.max_lon).contains(&point.longitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_public_position_is_a_few_hundred_metres_away(
            lat in -80.0f64..80.0, lon in -180.0f64..180.0, bearing in 0.0f64..360.0,
            metres in -1000.0f64..2000.0,
        ) {
            let exact = GeoPoint { latitude: lat, longitude: lon };
            let public = exact.approximate(bearing, metres);
            let km = exact.distance_km(&public);
            prop_assert!((0.199..=0.501).contains(&km), "{km}");
            prop_assert!(GeoPoint::new(public.latitude, public.longitude).is_some());
        }
    }

    #[test]
    fn distances_are_rounded_for_the_public() {
        assert_eq!(rounded_distance_km(0.04), 0.0);
        assert_eq!(rounded_distance_km(3.26), 3.3);
        assert_eq!(rounded_distance_km(12.6), 13.0);
    }

    #[test]
    fn known_distances() {
        let berlin = find_place("berlin").unwrap().position;
        let paris = find_place(" Paris ").unwrap().position;
        let d = berlin.distance_km(&paris);
        assert!((d - 878.0).abs() < 3.0, "{d}");
        assert_eq!(berlin.distance_km(&berlin), 0.0);
    }

    #[test]
    fn coordinates_parse_and_are_range_checked() {
        assert_eq!(
            GeoPoint::parse("52.52, 13.405"),
            Some(GeoPoint {
                latitude: 52.52,
                longitude: 13.405
            })
        );
        assert_eq!(GeoPoint::parse("91,0"), None);
        assert_eq!(GeoPoint::parse("Berlin"), None);
        assert!(find_place("Atlantis").is_none());
    }

    #[test]
    fn every_place_has_a_valid_position_zone_and_unique_name() {
        let mut names: Vec<_> = PLACES.iter().map(|p| p.name.to_lowercase()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PLACES.len());
        for p in PLACES {
            assert!(GeoPoint::new(p.position.latitude, p.position.longitude).is_some());
            assert!(p.time_zone.contains('/'));
        }
    }

    proptest! {
        /// Every point within the radius lies in the box, so the box never loses a result.
        #[test]
        fn the_bounding_box_holds_the_whole_circle(
            lat in -80.0f64..80.0, lon in -170.0f64..170.0,
            radius in 0.5f64..300.0, bearing in 0.0f64..360.0, fraction in 0.0f64..1.0,
        ) {
            let centre = GeoPoint { latitude: lat, longitude: lon };
            let distance = radius * fraction;
            let target = destination(&centre, bearing, distance);
            prop_assume!(target.longitude.abs() < 180.0);
            prop_assert!(centre.distance_km(&target) <= radius + 1e-6);
            prop_assert!(centre.bounding_box(radius).contains(&target));
        }
    }

    /// The point `distance_km` away from `start` heading `bearing` degrees.
    fn destination(start: &GeoPoint, bearing: f64, distance_km: f64) -> GeoPoint {
        let delta = distance_km / EARTH_RADIUS_KM;
        let (lat1, lon1, theta) = (
            start.latitude.to_radians(),
            start.longitude.to_radians(),
            bearing.to_radians(),
        );
        let lat2 = (lat1.sin() * delta.cos() + lat1.cos() * delta.sin() * theta.cos()).asin();
        let lon2 = lon1
            + (theta.sin() * delta.sin() * lat1.cos()).atan2(delta.cos() - lat1.sin() * lat2.sin());
        GeoPoint {
            latitude: lat2.to_degrees(),
            longitude: lon2.to_degrees(),
        }
    }
}
