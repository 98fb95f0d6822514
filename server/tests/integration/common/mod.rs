//! `TestApp`: the real router over a fresh database of either backend, seeded with demo data,
//! called in-process. Each test gets its own SQLite file or PostgreSQL database.

pub mod store;

use app::domain::{ListingId, UserId};
use app::store::Db;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use gearshare::config::Config;
use gearshare::seed::{self, SeedOptions};
use http_body_util::BodyExt;
use std::path::PathBuf;
use tower::ServiceExt;
use uuid::Uuid;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Listings seeded into every test database.
pub const SEEDED_LISTINGS: usize = 80;

/// A request still unanswered after this is a bug (a lost wake-up, a deadlock): fail with
/// its URI rather than hang the test run.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The checkout form's fields for the sandbox's card that always pays.
pub const CARD_NUMBER: (&str, &str) = ("card_number", "4242 4242 4242 4242");
pub const CARD_EXPIRY: (&str, &str) = ("card_expiry", "12/30");
pub const CARD_CVC: (&str, &str) = ("card_cvc", "123");

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    /// The state the router serves with: its payment sandbox, caches and settings.
    pub state: app::state::AppState,
    /// The database's URL, for server processes started beside the in-process router.
    pub url: String,
    pub media_dir: PathBuf,
    /// The secret key file, for server processes started beside the in-process router.
    pub key_file: PathBuf,
    /// Where the app's emails are written, one `.eml` file each.
    pub outbox: PathBuf,
    _cleanup: Cleanup,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// The server that `scripts/test.sh` started or found; PostgreSQL tests never skip.
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

enum Cleanup {
    Files(Vec<PathBuf>),
    Database {
        admin_url: String,
        name: String,
        /// The photo folders.
        media: Vec<PathBuf>,
    },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Files(paths) => {
                for path in paths {
                    let _ = std::fs::remove_file(&*path);
                    let _ = std::fs::remove_dir_all(&*path);
                }
            }
            Cleanup::Database {
                admin_url,
                name,
                media,
            } => {
                for path in media {
                    let _ = std::fs::remove_file(&*path);
                    let _ = std::fs::remove_dir_all(&*path);
                }
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(store::drop_database(&admin_url, &name));
                    }
                })
                .join();
            }
        }
    }
}

/// The migrated, seeded database every test starts from as a copy: made once per test
/// process and backend, it spares each test the migrations and the seeding (most of a small
/// test's time).
struct Template {
    /// The SQLite file, or the PostgreSQL database's name.
    source: String,
    /// The seeded photos, copied into each test's media folder.
    media_dir: PathBuf,
}

static TEMPLATES: [tokio::sync::OnceCell<Template>; 2] = [
    tokio::sync::OnceCell::const_new(),
    tokio::sync::OnceCell::const_new(),
];

async fn template(backend: Backend) -> &'static Template {
    TEMPLATES[backend as usize]
        .get_or_init(|| make_template(backend))
        .await
}

/// Whether the test process `pid` (a template's suffix) has ended.
fn ended(pid: &str) -> bool {
    !std::path::Path::new("/proc").join(pid).exists()
}

async fn make_template(backend: Backend) -> Template {
    let pid = std::process::id();
    let tmp = std::env::temp_dir();
    // Ended processes' templates: nothing removes them when a process exits.
    for entry in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix("gs-tmpl-") {
            if ended(rest.split(['-', '.']).next().unwrap_or_default()) {
                let _ = std::fs::remove_file(entry.path());
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let media_dir = tmp.join(format!("gs-tmpl-{pid}-media-{}", backend as usize));
    let _ = std::fs::remove_dir_all(&media_dir);
    let (url, source) = match backend {
        Backend::Sqlite => {
            let work = tmp.join(format!("gs-tmpl-{pid}-work.db"));
            let source = tmp.join(format!("gs-tmpl-{pid}.db"));
            for file in [&work, &source] {
                let _ = std::fs::remove_file(file);
            }
            (
                format!("sqlite://{}", work.display()),
                source.display().to_string(),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            for name in store::template_databases(&admin_url).await {
                if ended(name.trim_start_matches("gs_tmpl_")) || name == format!("gs_tmpl_{pid}") {
                    store::drop_database(&admin_url, &name).await;
                }
            }
            let name = format!("gs_tmpl_{pid}");
            store::create_database(&admin_url, &name).await;
            (with_database(&admin_url, &name), name)
        }
    };
    let db = Db::connect(&url, 1)
        .await
        .expect("connect to the template database");
    db.migrate().await.expect("migrate the template database");
    let options = SeedOptions {
        listings: SEEDED_LISTINGS,
        seed: 7,
        reset: false,
        if_empty: false,
    };
    seed::seed(&db, &media_dir, &options)
        .await
        .expect("seed the template database");
    if let Backend::Sqlite = backend {
        store::copy_sqlite(&db, std::path::Path::new(&source)).await;
    }
    db.close().await;
    if let Backend::Sqlite = backend {
        let work = url.trim_start_matches("sqlite://");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{work}{suffix}"));
        }
    }
    Template { source, media_dir }
}

/// Copies the folder `from` (files and folders) to `to`.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// As `spawn`, with settings of the test's own (name, value) on top of the defaults.
    pub async fn spawn_with(backend: Backend, settings: &[(&str, &str)]) -> TestApp {
        let id = Uuid::new_v4().simple().to_string();
        let tmp = std::env::temp_dir();
        let media_dir = tmp.join(format!("gs-test-media-{id}"));
        let evidence_dir = tmp.join(format!("gs-test-evidence-{id}"));
        let key_file = tmp.join(format!("gs-test-keys-{id}"));
        let outbox = tmp.join(format!("gs-test-outbox-{id}"));
        let template = template(backend).await;
        copy_dir(&template.media_dir, &media_dir).expect("copy the seeded photos");
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let file = tmp.join(format!("gs-test-{id}.db"));
                std::fs::copy(&template.source, &file).expect("copy the template database");
                let mut files = vec![
                    media_dir.clone(),
                    evidence_dir.clone(),
                    key_file.clone(),
                    outbox.clone(),
                    file.clone(),
                ];
                files.extend(
                    ["-wal", "-shm"].map(|s| PathBuf::from(format!("{}{s}", file.display()))),
                );
                (
                    format!("sqlite://{}", file.display()),
                    Cleanup::Files(files),
                )
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("gs_test_{id}");
                store::copy_database(&admin_url, &template.source, &name).await;
                let url = with_database(&admin_url, &name);
                (
                    url,
                    Cleanup::Database {
                        admin_url,
                        name,
                        media: vec![
                            media_dir.clone(),
                            evidence_dir.clone(),
                            key_file.clone(),
                            outbox.clone(),
                        ],
                    },
                )
            }
        };
        let db = Db::connect(&url, 5)
            .await
            .expect("connect to the test database");
        // A no-op on the template's copy; it proves the copy is at the latest migration.
        db.migrate().await.expect("migrate the test database");
        let config = Config::from_lookup(|name| match name {
            _ if settings.iter().any(|(key, _)| *key == name) => settings
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned()),
            "DATABASE_URL" => Some(url.clone()),
            "MEDIA_DIR" => Some(media_dir.display().to_string()),
            "SECRET_KEY_FILE" => Some(key_file.display().to_string()),
            "MAIL_OUTBOX" => Some(outbox.display().to_string()),
            "EVIDENCE_DIR" => Some(evidence_dir.display().to_string()),
            "LEPTOS_SITE_ROOT" => Some(tmp.join("gs-test-no-site").display().to_string()),
            _ => None,
        })
        .expect("test configuration");
        let state = gearshare::app_state(&config, db.clone()).expect("media store");
        let router = gearshare::http::router(state.clone(), &config);
        TestApp {
            router,
            state,
            db,
            url,
            media_dir,
            key_file,
            outbox,
            _cleanup: cleanup,
        }
    }

    pub async fn request(&self, request: Request<Body>) -> Response {
        let uri = request.uri().to_string();
        let answer = async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("router answers");
            let status = response.status();
            let headers = response.headers().clone();
            // A live stream never ends: its answer is its status and headers (`live.rs`
            // reads streams event by event).
            let streaming = headers
                .get("content-type")
                .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
            if streaming {
                return Response {
                    status,
                    headers,
                    body: String::new(),
                };
            }
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            Response {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }
        };
        tokio::time::timeout(REQUEST_TIMEOUT, answer)
            .await
            .unwrap_or_else(|_| panic!("no answer to {uri} within {REQUEST_TIMEOUT:?}"))
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }
}

/// Runs each listed `async fn(Backend)` once against SQLite and once against PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Backend::Postgres).await })*
        }
    };
}

pub const SESSION_COOKIE: &str = "gearshare_session";

/// A browser-like client of a `TestApp`: keeps the session cookie between requests, and
/// sends what a same-origin browser sends (Origin on posts, Accept: JSON for server functions).
pub struct Visitor<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
    /// Sent as X-Forwarded-For (read only by an app spawned with TRUST_PROXY=true).
    pub address: Option<String>,
}

impl TestApp {
    /// Runs `gearshare rotate-key` on this app's database and key file, as an operator
    /// would; panics unless it succeeds, and answers what it printed.
    pub fn rotate_key(&self) -> String {
        let done = std::process::Command::new(env!("CARGO_BIN_EXE_gearshare"))
            .arg("rotate-key")
            .env("DATABASE_URL", &self.url)
            .env("SECRET_KEY_FILE", &self.key_file)
            .env("MEDIA_DIR", &self.media_dir)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run gearshare rotate-key");
        let printed = String::from_utf8_lossy(&done.stdout).into_owned();
        assert!(
            done.status.success(),
            "{printed}{}",
            String::from_utf8_lossy(&done.stderr)
        );
        printed
    }

    pub fn visitor(&self) -> Visitor<'_> {
        Visitor {
            app: self,
            cookie: None,
            address: None,
        }
    }

    /// A visitor with an existing session id (e.g. one captured before logging in).
    pub fn visitor_with_cookie(&self, cookie: &str) -> Visitor<'_> {
        Visitor {
            app: self,
            cookie: Some(cookie.to_owned()),
            address: None,
        }
    }
}

/// `a=1&b=x%20y` for a form body.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Visitor<'_> {
    pub async fn get(&mut self, uri: &str) -> Response {
        // As a browser: pages are asked for as HTML, server functions as JSON.
        let accept = if uri.starts_with("/api/") {
            "application/json"
        } else {
            "text/html"
        };
        let request = self.with_cookie(Request::get(uri).header("accept", accept));
        let response = self.app.request(request.body(Body::empty()).unwrap()).await;
        self.keep_cookie(&response);
        response
    }

    /// Posts a form to `uri` (a server function under /api/...).
    pub async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Response {
        let request = self.with_cookie(
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("origin", "http://127.0.0.1:3000")
                .header("host", "127.0.0.1:3000"),
        );
        let response = self
            .app
            .request(request.body(Body::from(form_body(fields))).unwrap())
            .await;
        self.keep_cookie(&response);
        response
    }

    /// Sends a request with no body by `method` (DELETE, PUT…) to `uri`.
    pub async fn send_empty(&mut self, method: &str, uri: &str) -> Response {
        let request = self.with_cookie(
            Request::builder()
                .method(method)
                .uri(uri)
                .header("accept", "application/json")
                .header("origin", "http://127.0.0.1:3000")
                .header("host", "127.0.0.1:3000"),
        );
        let response = self.app.request(request.body(Body::empty()).unwrap()).await;
        self.keep_cookie(&response);
        response
    }

    /// Posts a form to `uri` as a browser does by itself, before or without the wasm: asking
    /// for a page, from the page at `page`.
    pub async fn post_plain(&mut self, uri: &str, page: &str, body: String) -> Response {
        let request = self.with_cookie(
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
                .header("origin", "http://127.0.0.1:3000")
                .header("referer", format!("http://127.0.0.1:3000{page}"))
                .header("host", "127.0.0.1:3000"),
        );
        let response = self
            .app
            .request(request.body(Body::from(body)).unwrap())
            .await;
        self.keep_cookie(&response);
        response
    }

    /// The same visitor, coming from `ip` (through the trusted proxy).
    pub fn coming_from(mut self, ip: &str) -> Self {
        self.address = Some(ip.to_owned());
        self
    }

    fn with_cookie(&self, builder: axum::http::request::Builder) -> axum::http::request::Builder {
        let builder = match &self.address {
            Some(ip) => builder.header("x-forwarded-for", ip),
            None => builder,
        };
        match &self.cookie {
            Some(id) => builder.header("cookie", format!("{SESSION_COOKIE}={id}")),
            None => builder,
        }
    }

    /// Follows Set-Cookie like a browser: a new id replaces the old, a removal forgets it.
    fn keep_cookie(&mut self, response: &Response) {
        for value in response.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let Some(rest) = text.strip_prefix(&format!("{SESSION_COOKIE}=")) else {
                continue;
            };
            let id = rest.split(';').next().unwrap_or_default();
            let removed = id.is_empty() || text.contains("Max-Age=0");
            self.cookie = (!removed).then(|| id.to_owned());
        }
    }

    /// Signs up a new account and stays signed in.
    pub async fn sign_up(&mut self, name: &str, email: &str, password: &str) -> Response {
        self.post(
            "/api/signup",
            &[
                ("name", name),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    pub async fn log_in(&mut self, email: &str, password: &str) -> Response {
        self.post(
            "/api/login",
            &[
                ("email", email),
                ("password", password),
                ("next", "/account"),
            ],
        )
        .await
    }

    /// The signed-in person's email, or `None`.
    pub async fn whoami(&mut self) -> Option<String> {
        let response = self.get("/api/me").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let me: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        me.get("email").and_then(|e| e.as_str()).map(str::to_owned)
    }
}

/// A real PNG photo, `width` by `height`.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// Posts `files` (name, content type, bytes) as the multipart field `field` of the form at
/// `uri`, as `visitor`'s browser would.
pub async fn post_files(
    app: &TestApp,
    visitor: &Visitor<'_>,
    uri: &str,
    field: &str,
    files: &[(&str, &str, &[u8])],
) -> Response {
    let boundary = "gearshare-test-boundary";
    let mut body = Vec::new();
    for (name, content_type, bytes) in files {
        body.extend(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        ).as_bytes());
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let request = Request::post(uri)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("origin", "http://127.0.0.1:3000")
        .header("host", "127.0.0.1:3000");
    let request = match &visitor.cookie {
        Some(cookie) => request.header("cookie", format!("{SESSION_COOKIE}={cookie}")),
        None => request,
    };
    app.request(request.body(Body::from(body)).unwrap()).await
}

/// A member signed in through a session written straight into the database (see
/// `gearshare::seed::member_with_session`): for tests that need many members at once.
pub async fn signed_in_member(db: &Db, name: &str) -> (UserId, String) {
    gearshare::seed::member_with_session(db, name, chrono::Utc::now())
        .await
        .expect("create a member")
}

/// A listing an owner publishes for these tests.
pub struct Gear {
    quantity: u32,
    instant: bool,
    buffer_days: u32,
}

pub fn gear(quantity: u32, instant: bool, buffer_days: u32) -> Gear {
    Gear {
        quantity,
        instant,
        buffer_days,
    }
}

pub async fn publish(owner: &mut Visitor<'_>, title: &str, gear: Gear) -> ListingId {
    let response = create_listing(owner, title, gear).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

/// The new-listing form sent as an owner fills it in, answered as it comes.
pub async fn create_listing(owner: &mut Visitor<'_>, title: &str, gear: Gear) -> Response {
    let quantity = gear.quantity.to_string();
    let buffer = gear.buffer_days.to_string();
    let mut fields = vec![
        ("form[title]", title),
        (
            "form[description]",
            "Checked and cleaned after every rental.",
        ),
        ("form[category]", "camping"),
        ("form[condition]", "good"),
        ("form[daily_price]", "12"),
        ("form[deposit]", "50"),
        ("form[quantity]", quantity.as_str()),
        ("form[city]", "Munich"),
        ("form[buffer_days]", buffer.as_str()),
        ("form[cancellation_policy]", "flexible"),
    ];
    if gear.instant {
        fields.push(("form[instant_booking]", "on"));
    }
    owner.post("/api/create_listing", &fields).await
}
