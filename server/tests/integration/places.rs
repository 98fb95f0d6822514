//! Places by any name: "Near" and a listing's city are looked up in the gazetteer (however
//! they are written, with a region or country after a comma), the suggestions endpoint
//! answers as one types, and the visitor's `Accept-Language` decides an ambiguous name.

use crate::common::{Backend, TestApp, Visitor};
use axum::body::Body;
use axum::http::{Request, StatusCode};

const PASSWORD: &str = "correct horse battery";

async fn owner(app: &TestApp) -> Visitor<'_> {
    let mut visitor = app.visitor();
    let response = visitor
        .sign_up("Pia Places", "pia@example.com", PASSWORD)
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    visitor
}

/// Publishes a tripod called `title` in `city`, with no position but the city's.
async fn tripod_in(owner: &mut Visitor<'_>, title: &str, city: &str) {
    let fields = [
        ("form[title]", title),
        (
            "form[description]",
            "A sturdy aluminium tripod with a ball head.",
        ),
        ("form[category]", "cameras"),
        ("form[condition]", "good"),
        ("form[daily_price]", "9"),
        ("form[deposit]", "50"),
        ("form[quantity]", "1"),
        ("form[city]", city),
    ];
    let response = owner.post("/api/create_listing", &fields).await;
    assert_eq!(response.status, StatusCode::OK, "{city}: {}", response.body);
}

/// A page or answer as a visitor whose browser prefers `language` gets it.
async fn get_as(app: &TestApp, uri: &str, language: &str) -> (StatusCode, String) {
    let accept = if uri.starts_with("/api/") {
        "application/json"
    } else {
        "text/html"
    };
    let request = Request::get(uri)
        .header("accept", accept)
        .header("accept-language", language)
        .body(Body::empty())
        .unwrap();
    let response = app.request(request).await;
    (response.status, response.body)
}

async fn munich_is_found_however_it_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut pia = owner(&app).await;
    tripod_in(&mut pia, "Alpenglow tripod", "München").await;

    for near in [
        "M%C3%BCnchen",
        "Munchen",
        "muenchen",
        "Munich",
        "M%C3%BCnchen%2C+Germany",
    ] {
        let page = app
            .visitor()
            .get(&format!("/search?q=alpenglow&near={near}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{near}");
        assert!(page.body.contains("Alpenglow tripod"), "near={near}");
    }
    // Far from Munich it is not found; a place nobody knows is refused next to the field.
    let paris = app.visitor().get("/search?q=alpenglow&near=Paris").await;
    assert!(!paris.body.contains("Alpenglow tripod"));
    let nowhere = app
        .visitor()
        .get("/search?near=Nowhere+Upon+Sea")
        .await
        .body;
    let refusal = "know that place yet. Pick a city from the list, or enter latitude, longitude.";
    assert!(nowhere.contains(refusal), "{nowhere}");

    // The suggestions answer as one types, with the name typed, its region and country.
    let (status, body) = get_as(&app, "/api/places?q=m%C3%BCn", "de-DE").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let suggestions: Vec<String> = serde_json::from_str(&body).unwrap();
    assert_eq!(suggestions[0], "München, Bavaria, Germany");
    assert!(suggestions.len() <= app::places::MOST_SUGGESTIONS);
    let (status, _) = get_as(&app, &format!("/api/places?q={}", "a".repeat(81)), "de").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn the_visitors_region_decides_which_cambridge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut pia = owner(&app).await;
    tripod_in(&mut pia, "Harvard tripod", "Cambridge, Massachusetts").await;
    tripod_in(&mut pia, "Fenland tripod", "Cambridge, England").await;
    tripod_in(&mut pia, "Longhorn tripod", "Paris, Texas").await;
    tripod_in(&mut pia, "Lutetia tripod", "Paris, France").await;

    // The same address, from the US and from Britain: each page kept for its own region.
    let uri = "/search?q=tripod&near=Cambridge";
    for _ in 0..2 {
        let (status, american) = get_as(&app, uri, "en-US,en;q=0.9").await;
        assert_eq!(status, StatusCode::OK);
        assert!(american.contains("Harvard tripod") && !american.contains("Fenland tripod"));
        let (_, british) = get_as(&app, uri, "en-GB,en;q=0.9").await;
        assert!(british.contains("Fenland tripod") && !british.contains("Harvard tripod"));
    }
    // A namesake at home does not outweigh a city abroad many times its size.
    let (_, paris) = get_as(&app, "/search?q=tripod&near=Paris", "en-US").await;
    assert!(paris.contains("Lutetia tripod") && !paris.contains("Longhorn tripod"));
    // Whoever asks, a country or region after the name decides.
    let (_, texas) = get_as(&app, "/search?q=tripod&near=Paris%2C+TX", "fr-FR").await;
    assert!(texas.contains("Longhorn tripod") && !texas.contains("Lutetia tripod"));

    let (_, body) = get_as(&app, "/api/places?q=Cambridge", "en-US").await;
    let suggestions: Vec<String> = serde_json::from_str(&body).unwrap();
    assert_eq!(suggestions[0], "Cambridge, Massachusetts, United States");
    let (_, body) = get_as(&app, "/api/places?q=Cambridge", "en-GB").await;
    let suggestions: Vec<String> = serde_json::from_str(&body).unwrap();
    assert_eq!(suggestions[0], "Cambridge, England, United Kingdom");
}

on_both_backends!(
    munich_is_found_however_it_is_written,
    the_visitors_region_decides_which_cambridge
);
