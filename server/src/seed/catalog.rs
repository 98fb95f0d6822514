//! The raw material of demo data: real-sounding gear, places and people.

pub const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Chloé", "Daniel", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas", "Kaito",
    "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor",
    "Wen", "Yara", "Zoe", "Leon", "Maya", "Noah", "Sofia", "Luca",
];

pub const LAST_NAMES: &[&str] = &[
    "Almeida",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hansen",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lambert",
    "Moreau",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Urban",
    "Visser",
    "Walker",
    "Yilmaz",
    "Zimmermann",
    "Novak",
    "Silva",
];

/// One kind of item a category offers, with a daily price range in major units.
pub struct Gear {
    pub brand: &'static str,
    pub model: &'static str,
    pub noun: &'static str,
    pub daily: (i64, i64),
    /// Replacement value in major units: deposits are a share of it.
    pub value: i64,
    pub included: &'static str,
}

pub struct CategoryGear {
    pub slug: &'static str,
    pub extras: &'static [&'static str],
    pub uses: &'static [&'static str],
    pub gear: &'static [Gear],
}

macro_rules! gear {
    ($(($brand:literal, $model:literal, $noun:literal, $lo:literal..$hi:literal, $value:literal, $included:literal)),* $(,)?) => {
        &[$(Gear { brand: $brand, model: $model, noun: $noun, daily: ($lo, $hi), value: $value, included: $included }),*]
    };
}

pub const CATEGORIES: &[CategoryGear] = &[
    CategoryGear {
        slug: "cameras",
        extras: &[
            "with two batteries",
            "with 128 GB card",
            "body only",
            "full kit",
            "with cage and grip",
        ],
        uses: &[
            "weddings",
            "travel",
            "short films",
            "product shoots",
            "street photography",
        ],
        gear: gear![
            (
                "Sony",
                "A7 IV",
                "mirrorless camera",
                45..70,
                2500,
                "Body, 2 batteries, charger, strap"
            ),
            (
                "Canon",
                "EOS R6 Mark II",
                "mirrorless camera",
                50..75,
                2600,
                "Body, battery, charger, strap"
            ),
            (
                "Fujifilm",
                "X-T5",
                "mirrorless camera",
                40..60,
                1800,
                "Body, 3 batteries, charger"
            ),
            (
                "Nikon",
                "Z6 II",
                "mirrorless camera",
                40..60,
                1900,
                "Body, battery, charger, strap"
            ),
            (
                "Blackmagic",
                "Pocket Cinema Camera 6K",
                "cinema camera",
                60..90,
                2400,
                "Body, 4 batteries, SSD, cage"
            ),
            (
                "Leica",
                "Q2",
                "compact camera",
                70..110,
                5500,
                "Camera, 2 batteries, leather case"
            ),
            (
                "Canon",
                "AE-1 Program",
                "film camera",
                15..25,
                350,
                "Body, 50mm f/1.8, strap"
            ),
        ],
    },
    CategoryGear {
        slug: "lenses",
        extras: &["with hood and filters", "with lens caps", "in padded case"],
        uses: &["portraits", "weddings", "wildlife", "landscapes", "events"],
        gear: gear![
            (
                "Sony",
                "FE 24-70mm f/2.8 GM II",
                "zoom lens",
                35..50,
                2300,
                "Lens, hood, caps, pouch"
            ),
            (
                "Canon",
                "RF 70-200mm f/2.8",
                "telephoto zoom",
                40..55,
                2800,
                "Lens, hood, caps, case"
            ),
            (
                "Sigma",
                "35mm f/1.4 DG DN Art",
                "prime lens",
                20..30,
                900,
                "Lens, hood, caps"
            ),
            (
                "Sigma",
                "150-600mm Contemporary",
                "super-telephoto lens",
                35..50,
                1100,
                "Lens, tripod foot, hood"
            ),
            (
                "Samyang",
                "14mm f/2.8",
                "ultra-wide lens",
                12..20,
                400,
                "Lens, caps"
            ),
            (
                "Nikon",
                "Z 85mm f/1.8 S",
                "portrait lens",
                18..28,
                800,
                "Lens, hood, caps"
            ),
        ],
    },
    CategoryGear {
        slug: "audio",
        extras: &[
            "with windshield",
            "with XLR cables",
            "kit with stand",
            "with spare batteries",
        ],
        uses: &[
            "podcasts",
            "interviews",
            "live sets",
            "film sound",
            "DJ nights",
        ],
        gear: gear![
            (
                "Rode",
                "Wireless PRO",
                "wireless mic kit",
                25..35,
                400,
                "2 transmitters, receiver, lavs, case"
            ),
            (
                "Zoom",
                "H6 Essential",
                "field recorder",
                18..28,
                350,
                "Recorder, XY capsule, SD card"
            ),
            (
                "Shure",
                "SM7B",
                "podcast microphone",
                15..25,
                420,
                "Mic, XLR cable, boom arm"
            ),
            (
                "Sennheiser",
                "MKE 600",
                "shotgun microphone",
                18..25,
                380,
                "Mic, windshield, pistol grip"
            ),
            (
                "Pioneer DJ",
                "XDJ-RX3",
                "DJ system",
                70..100,
                2200,
                "Controller, power cable, flight case"
            ),
            (
                "JBL",
                "EON715 pair",
                "PA speakers",
                60..90,
                1500,
                "2 speakers, stands, cables"
            ),
        ],
    },
    CategoryGear {
        slug: "lighting",
        extras: &[
            "with softbox",
            "with light stands",
            "two-light kit",
            "with V-mount batteries",
        ],
        uses: &["interviews", "product shoots", "music videos", "portraits"],
        gear: gear![
            (
                "Aputure",
                "LS 600d Pro",
                "LED light",
                60..90,
                1900,
                "Light, reflector, controller, case"
            ),
            (
                "Aputure",
                "Amaran 200x S",
                "LED light",
                25..35,
                400,
                "Light, reflector, bag"
            ),
            (
                "Godox",
                "AD600Pro",
                "battery strobe",
                30..45,
                800,
                "Strobe, battery, trigger"
            ),
            (
                "Nanlite",
                "PavoTube II 30C",
                "RGB tube light",
                20..30,
                350,
                "Tube, grid, clamps"
            ),
            (
                "Profoto",
                "B10X Plus",
                "portable flash",
                45..65,
                2000,
                "Flash, battery, charger, bag"
            ),
        ],
    },
    CategoryGear {
        slug: "drones",
        extras: &[
            "Fly More combo",
            "with 3 batteries",
            "with ND filters",
            "with controller screen",
        ],
        uses: &[
            "real estate",
            "travel films",
            "roof inspections",
            "weddings",
        ],
        gear: gear![
            (
                "DJI",
                "Mini 4 Pro",
                "camera drone",
                35..50,
                1000,
                "Drone, 3 batteries, RC 2 controller"
            ),
            (
                "DJI",
                "Air 3",
                "camera drone",
                45..60,
                1400,
                "Drone, 3 batteries, charging hub"
            ),
            (
                "DJI",
                "Mavic 3 Classic",
                "camera drone",
                60..85,
                1800,
                "Drone, 3 batteries, ND filters"
            ),
            (
                "DJI",
                "Avata 2",
                "FPV drone",
                50..70,
                1200,
                "Drone, goggles, motion controller"
            ),
        ],
    },
    CategoryGear {
        slug: "bikes",
        extras: &[
            "size M",
            "size L",
            "with helmet and lock",
            "with panniers",
            "with child seat",
        ],
        uses: &[
            "city rides",
            "weekend tours",
            "commuting",
            "trail days",
            "moving house",
        ],
        gear: gear![
            (
                "Brompton",
                "C Line",
                "folding bike",
                20..30,
                1600,
                "Bike, lock, front bag"
            ),
            (
                "Canyon",
                "Grizl CF SL 7",
                "gravel bike",
                35..50,
                2500,
                "Bike, bottle cages, pedals"
            ),
            (
                "Trek",
                "Fuel EX 8",
                "full-suspension mountain bike",
                50..75,
                4500,
                "Bike, helmet, repair kit"
            ),
            (
                "Riese & Müller",
                "Load 60",
                "electric cargo bike",
                60..85,
                7500,
                "Bike, charger, rain cover"
            ),
            (
                "VanMoof",
                "S5",
                "e-bike",
                30..45,
                3000,
                "Bike, charger, lock"
            ),
        ],
    },
    CategoryGear {
        slug: "camping",
        extras: &[
            "for 2 people",
            "for 4 people",
            "with footprint",
            "with cookware",
        ],
        uses: &[
            "festivals",
            "hiking trips",
            "road trips",
            "wild camping",
            "family holidays",
        ],
        gear: gear![
            (
                "MSR",
                "Hubba Hubba 2",
                "backpacking tent",
                15..25,
                550,
                "Tent, footprint, pegs"
            ),
            (
                "Coleman",
                "Octagon 8",
                "family tent",
                20..30,
                300,
                "Tent, poles, pegs, mallet"
            ),
            (
                "Rab",
                "Neutrino 600",
                "down sleeping bag",
                10..18,
                450,
                "Sleeping bag, compression sack"
            ),
            (
                "Jetboil",
                "Flash",
                "camping stove",
                6..10,
                130,
                "Stove, pot, gas canister stand"
            ),
            (
                "Osprey",
                "Aether 65",
                "trekking backpack",
                10..15,
                300,
                "Backpack, rain cover"
            ),
            (
                "Thule",
                "Tepui Explorer Kukenam 3",
                "rooftop tent",
                45..65,
                2000,
                "Tent, ladder, mattress"
            ),
        ],
    },
    CategoryGear {
        slug: "climbing",
        extras: &["60 m", "70 m", "with belay device", "size S/M", "size M/L"],
        uses: &[
            "crag days",
            "via ferrata",
            "bouldering trips",
            "alpine tours",
        ],
        gear: gear![
            (
                "Petzl",
                "Volta 9.2",
                "dry climbing rope",
                12..18,
                250,
                "Rope, rope bag"
            ),
            (
                "Black Diamond",
                "Momentum",
                "harness",
                5..8,
                70,
                "Harness, chalk bag"
            ),
            (
                "Edelrid",
                "Cable Kit VI",
                "via ferrata set",
                8..12,
                130,
                "Lanyard, harness, helmet"
            ),
            (
                "Ocun",
                "Paddy Dominator",
                "crash pad",
                10..15,
                250,
                "Crash pad, carry straps"
            ),
            (
                "Black Diamond",
                "Camalot C4 set",
                "cam set",
                20..30,
                600,
                "Cams 0.5–3, sling"
            ),
        ],
    },
    CategoryGear {
        slug: "tools",
        extras: &[
            "with two batteries",
            "with blade set",
            "with case",
            "with dust bag",
        ],
        uses: &[
            "renovations",
            "garden projects",
            "flat moves",
            "furniture builds",
        ],
        gear: gear![
            (
                "Makita",
                "DHP485",
                "cordless drill",
                8..14,
                180,
                "Drill, 2 batteries, charger, bit set"
            ),
            (
                "Bosch",
                "GKS 18V-57",
                "circular saw",
                12..18,
                250,
                "Saw, blade, battery, case"
            ),
            (
                "Festool",
                "ETS EC 150",
                "orbital sander",
                15..22,
                600,
                "Sander, pads, dust bag"
            ),
            (
                "Kärcher",
                "K5 Power Control",
                "pressure washer",
                15..25,
                350,
                "Washer, hose, patio cleaner"
            ),
            (
                "Little Giant",
                "Velocity 17",
                "multi-position ladder",
                12..18,
                400,
                "Ladder, wheels"
            ),
            (
                "Hilti",
                "TE 30-A36",
                "rotary hammer",
                20..30,
                900,
                "Hammer, battery, chisels, case"
            ),
        ],
    },
    CategoryGear {
        slug: "water",
        extras: &["with paddle and pump", "with leash", "two-person", "size M"],
        uses: &[
            "lake days",
            "coastal trips",
            "river tours",
            "summer holidays",
        ],
        gear: gear![
            (
                "Red Paddle Co",
                "Ride 10'6\"",
                "inflatable paddle board",
                25..35,
                900,
                "Board, paddle, pump, bag"
            ),
            (
                "Oru",
                "Beach LT",
                "folding kayak",
                35..50,
                1300,
                "Kayak, paddle, bag"
            ),
            (
                "Aquaglide",
                "Chelan 155",
                "inflatable kayak",
                30..45,
                1100,
                "Kayak, 2 paddles, pump"
            ),
            (
                "O'Neill",
                "Hyperfreak 4/3",
                "wetsuit",
                10..15,
                350,
                "Wetsuit, boots"
            ),
        ],
    },
];
