//! What every request handler and server function can reach, provided as Leptos context by
//! the server (`leptos_routes`) and read with `expect_context::<AppState>()`.

use crate::listings::cache::AnswerCache;
use crate::store::Db;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// The card provider (the sandbox), behind retries and a circuit breaker.
    pub payments: std::sync::Arc<crate::payments::Payments>,
    /// Where listing photos are stored.
    pub media: crate::media::photos::MediaStore,
    /// Where bookings' evidence photos are stored: apart from `media`, which `/media` serves.
    #[from_ref(skip)]
    pub evidence: crate::media::photos::MediaStore,
    /// Recent search answers and category counts; cleared by every listing change.
    pub answers: std::sync::Arc<Answers>,
    /// The marketplace's service fee in basis points (1000 = 10 %), quoted on every listing.
    pub service_fee_bps: u32,
    /// How long an owner has to answer a booking request.
    pub request_expiry: chrono::Duration,
    /// How long after a return the owner may claim on the deposit.
    #[from_ref(skip)]
    pub claim_window: chrono::Duration,
    /// The origin people reach GearShare at, for addresses used outside it (calendar feeds).
    #[from_ref(skip)]
    pub public_url: String,
    pub sessions: crate::accounts::guard::SessionSettings,
    /// Login attempts per address, counted in this process before any database work.
    #[from_ref(skip)]
    pub login_gate: std::sync::Arc<crate::accounts::limits::LoginGate>,
    /// What one renter may ask for at once and per hour.
    #[from_ref(skip)]
    pub request_limits: crate::bookings::limits::RequestLimits,
    /// Booking requests per account and address, counted in this process.
    #[from_ref(skip)]
    pub request_gate: std::sync::Arc<crate::bookings::limits::RequestGate>,
    /// Listings one owner may publish per day.
    #[from_ref(skip)]
    pub listings_per_day: u32,
    /// The guards that release an authorisation no booking recorded (`payments::unused`),
    /// due longer after they are written than any request may run.
    #[from_ref(skip)]
    pub payment_guards: std::sync::Arc<crate::payments::unused::Guards>,
    /// Photo uploads under way, and the folder they wait in.
    #[from_ref(skip)]
    pub uploads: std::sync::Arc<crate::media::uploads::UploadGate>,
    /// Committed changes, in order, for whoever subscribes (`events`).
    #[from_ref(skip)]
    pub events: std::sync::Arc<crate::events::bus::EventBus>,
    /// The keys that seal secrets at rest (authenticator secrets, backup codes).
    #[from_ref(skip)]
    pub secrets: std::sync::Arc<crate::secrets::Keys>,
    /// Where notification emails go: files in the outbox, or SMTP.
    pub mailer: std::sync::Arc<crate::mail::Mailer>,
    /// How webhooks are sent: the HTTP client with its address guard.
    #[from_ref(skip)]
    pub webhooks: crate::webhooks::service::Outbound,
    /// The gazetteer "Near" and a listing's city are looked up in, read on first use.
    #[from_ref(skip)]
    pub places: std::sync::Arc<crate::places::Places>,
}

impl AppState {
    pub fn booking_rules(&self) -> crate::bookings::service::BookingRules {
        crate::bookings::service::BookingRules {
            service_fee_bps: self.service_fee_bps,
            request_expiry: self.request_expiry,
            claim_window: self.claim_window,
            limits: self.request_limits,
        }
    }
}

/// Public pages kept at once: each is tens of kilobytes, so at most a few megabytes.
const PAGES_KEPT: usize = 256;

/// The answer caches of the listings feature (see `listings::cache`).
pub struct Answers {
    pub searches: AnswerCache<crate::listings::search::SearchResults>,
    pub categories: AnswerCache<Vec<crate::listings::model::Category>>,
    /// Whole public pages as visitors see them (the server's `page_cache` middleware).
    pub pages: AnswerCache<std::sync::Arc<RenderedPage>>,
    /// Every active listing's searchable words and filters (`listings::catalogue`).
    pub catalogue: crate::listings::catalogue::Catalogue,
    /// The last outbox position [`Answers::follow`] has acted on; `None` while nothing follows.
    followed: tokio::sync::watch::Sender<Option<i64>>,
}

impl Default for Answers {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Answers {
    /// Kept answers, with searches without dates answered from the catalogue when
    /// `with_catalogue` (off only to measure the database's way).
    pub fn new(with_catalogue: bool) -> Self {
        Self {
            searches: AnswerCache::default(),
            categories: AnswerCache::default(),
            pages: AnswerCache::with_capacity(PAGES_KEPT),
            catalogue: crate::listings::catalogue::Catalogue::new(with_catalogue),
            followed: tokio::sync::watch::Sender::new(None),
        }
    }
}

/// How long a change waits for the bus to bring its own events before it forgets everything
/// instead.
const FOLLOW_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Answers {
    /// Forgets everything kept, the catalogue's listings too.
    pub fn forget(&self) {
        self.catalogue.mark_everything();
        self.forget_pages();
    }

    /// Forgets the kept answers and pages after a change to availability or photos, which
    /// the catalogue does not hold.
    pub fn forget_pages(&self) {
        self.searches.clear();
        self.categories.clear();
        self.pages.clear();
    }

    /// Forgets what `event` made stale. A listing's change: its page, the home page, every
    /// search (any could include it), the category counts and its place in the catalogue; its
    /// availability: its page and the searches. An account's suspension, return, deletion or
    /// new name changes how its listings show: every kept page and answer. A booking's own
    /// events (an answer, a payment) change no public page; what they do to availability
    /// comes on the listing's stream.
    pub fn forget_for(&self, event: &crate::events::Event) {
        use crate::events::Stream;
        match event.stream() {
            Some(Stream::Listing(id)) => {
                let page = format!("/gear/{id}");
                let availability = event.kind == crate::events::AVAILABILITY;
                // Marked before the answers go, so no answer computed in between is kept.
                if !availability {
                    self.catalogue.mark(id);
                    self.categories.clear();
                }
                self.searches.clear();
                self.pages.forget_where(|key| {
                    key.starts_with("/search")
                        || key.split(['?', '#']).next() == Some(page.as_str())
                        || (!availability && key.split(['?', '#']).next() == Some("/"))
                });
            }
            Some(Stream::User(_)) => {
                use crate::accounts::audit::AuditKind;
                let shows_or_hides_listings = [
                    AuditKind::Suspended,
                    AuditKind::Reinstated,
                    AuditKind::AccountDeleted,
                    AuditKind::ProfileChanged,
                ];
                // A deleted account's listings are archived in one statement, without events
                // of their own; the catalogue holds nothing else of an account.
                if event.kind == AuditKind::AccountDeleted.as_str() {
                    self.catalogue.mark_everything();
                }
                if shows_or_hides_listings
                    .iter()
                    .any(|k| k.as_str() == event.kind)
                {
                    self.forget_pages();
                }
            }
            Some(Stream::Booking(_)) => {}
            // A category's name or its place in the lists, or an exchange rate: any listing's
            // page or search.
            Some(Stream::Catalogue) | None => self.forget(),
        }
    }

    /// Follows the bus until it ends, forgetting by event; after a gap (`Resync`), everything.
    /// `from`: the position the bus delivers after.
    pub async fn follow(
        self: std::sync::Arc<Self>,
        mut events: crate::events::bus::Subscription,
        from: i64,
    ) {
        use crate::events::bus::Delivery;
        self.followed.send_replace(Some(from));
        while let Some(delivery) = events.next().await {
            match delivery {
                Delivery::Event(event) => {
                    self.forget_for(&event);
                    self.followed.send_replace(Some(event.position));
                }
                Delivery::Resync => self.forget(),
            }
        }
        self.followed.send_replace(None);
    }

    /// Makes sure nothing kept predates the changes committed up to outbox position `head`,
    /// so the member who made one sees it on their next page: waits until [`Answers::follow`]
    /// has acted on `head`, and forgets everything when nothing follows the bus or it is late.
    pub async fn caught_up_with(&self, head: i64) {
        let mut followed = self.followed.subscribe();
        let reached = async {
            let at = followed.wait_for(|at| at.is_none_or(|at| at >= head)).await;
            at.is_ok_and(|at| at.is_some())
        };
        if !matches!(tokio::time::timeout(FOLLOW_WAIT, reached).await, Ok(true)) {
            self.forget();
        }
    }
}

/// A rendered page cut at every occurrence of its script nonce, so that each later copy can
/// carry a nonce of its own: a nonce shared between responses would let markup injected into
/// one page run scripts with a value anyone can read off another.
#[derive(Clone, Debug)]
pub struct RenderedPage {
    pub headers: http::HeaderMap,
    pieces: Vec<bytes::Bytes>,
}

impl RenderedPage {
    pub fn new(headers: http::HeaderMap, body: &str, nonce: &str) -> Self {
        let pieces = if nonce.is_empty() {
            vec![bytes::Bytes::copy_from_slice(body.as_bytes())]
        } else {
            body.split(nonce)
                .map(|piece| bytes::Bytes::copy_from_slice(piece.as_bytes()))
                .collect()
        };
        Self { headers, pieces }
    }

    /// The page's body with `nonce` wherever the original had its own.
    pub fn body_with(&self, nonce: &str) -> bytes::Bytes {
        let gaps = self.pieces.len().saturating_sub(1);
        let length = self.pieces.iter().map(bytes::Bytes::len).sum::<usize>() + gaps * nonce.len();
        let mut body = bytes::BytesMut::with_capacity(length);
        for (index, piece) in self.pieces.iter().enumerate() {
            if index > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(piece);
        }
        body.freeze()
    }
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answers")
    }
}

#[cfg(test)]
mod tests {
    use super::RenderedPage;

    #[test]
    fn a_kept_page_carries_each_new_nonce_where_the_old_one_was() {
        let body = r#"<script nonce="n0nce">a</script><p>b</p><script nonce="n0nce">c</script>"#;
        let page = RenderedPage::new(http::HeaderMap::new(), body, "n0nce");
        assert_eq!(
            page.body_with("fresh1"),
            r#"<script nonce="fresh1">a</script><p>b</p><script nonce="fresh1">c</script>"#
        );
        assert_eq!(page.body_with("n0nce"), body);
    }

    #[test]
    fn a_page_without_the_nonce_is_kept_whole() {
        let page = RenderedPage::new(http::HeaderMap::new(), "<p>plain</p>", "n0nce");
        assert_eq!(page.body_with("other"), "<p>plain</p>");
        let unnamed = RenderedPage::new(http::HeaderMap::new(), "<p>plain</p>", "");
        assert_eq!(unnamed.body_with("other"), "<p>plain</p>");
    }
}
