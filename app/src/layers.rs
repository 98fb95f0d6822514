//! Keeps the crate's layers apart, from the `crate::` paths in its sources (docs/architecture.md
//! draws them):
//! - the foundation (domain, storage, errors, events, media, calendars, shared page pieces)
//!   names no feature;
//! - features (accounts, listings, bookings, payments, places, and the pages of admin, home
//!   and the member area) use the foundation, the app's context and each other without a cycle;
//! - the context (`state`, the app's handles; `request`, the member calling) may name the
//!   features whose handles it carries;
//! - the frame (`shell`, `hydration` and the routes in `lib`) puts pages together, and nothing
//!   names it.

use std::collections::{BTreeMap, BTreeSet};

const FOUNDATION: &[&str] = &[
    "calendar",
    "domain",
    "error",
    "events",
    "forms",
    "jobs",
    "live",
    "locale",
    "mail",
    "media",
    "meters",
    "page",
    "plain_forms",
    "secrets",
    "store",
    "url",
];
const FEATURES: &[&str] = &[
    "accounts",
    "admin",
    "bookings",
    "dashboard",
    "earnings",
    "help",
    "home",
    "listings",
    "messages",
    "notifications",
    "payments",
    "places",
    "rates",
    "reports",
    "reviews",
    "tokens",
    "webhooks",
];
const CONTEXT: &[&str] = &["request", "state"];
const FRAME: &[&str] = &["hydration", "lib", "shell"];

/// Which top-level module of the crate each of its files belongs to, with its text.
fn sources() -> BTreeMap<String, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap();
            let first = relative.components().next().unwrap().as_os_str();
            let module = first.to_str().unwrap().trim_end_matches(".rs").to_owned();
            // This check, whose strings name modules without using them.
            if module == "layers" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            modules.entry(module).or_default().push_str(&text);
        }
    }
    modules
}

/// The top-level modules `text` names through `crate::` (in `use` lines and paths alike),
/// leaving out comments.
fn named(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                names.insert(first_segment(item.trim()));
            }
        } else {
            names.insert(first_segment(rest));
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

fn first_segment(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A cycle in `edges` (module → the modules it names), if there is one, as the modules on it.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some(path[start..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn every_module_has_a_layer_and_keeps_to_it() {
    let layer_of = |module: &str| {
        [
            ("foundation", FOUNDATION),
            ("feature", FEATURES),
            ("context", CONTEXT),
            ("frame", FRAME),
        ]
        .into_iter()
        .find(|(_, members)| members.contains(&module))
        .map(|(layer, _)| layer)
    };
    let sources = sources();
    let mut features: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (module, text) in &sources {
        let layer = layer_of(module)
            .unwrap_or_else(|| panic!("module `{module}` has no layer: add it to src/layers.rs"));
        // Names that are no module (the crate's exported macros) are left out.
        let names: BTreeSet<String> = named(text)
            .into_iter()
            .filter(|name| name != module && sources.contains_key(name))
            .collect();
        for name in &names {
            let allowed = match (layer, layer_of(name).unwrap()) {
                (_, "frame") => false,
                ("foundation", other) => other == "foundation",
                _ => true,
            };
            if !allowed {
                wrong.push(format!("{module} ({layer}) names {name}"));
            }
        }
        if layer == "feature" {
            let among: BTreeSet<String> = names
                .into_iter()
                .filter(|name| FEATURES.contains(&name.as_str()))
                .collect();
            features.insert(module.clone(), among);
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(
        cycle(&features),
        None,
        "features naming each other: {features:#?}"
    );
    // The check sees the crate: the features it knows name each other somewhere.
    assert!(features["bookings"].contains("listings"), "{features:#?}");
}

#[test]
fn the_reader_finds_paths_groups_and_cycles() {
    let text = "use crate::store::{Arg, Db};\nuse crate::{bind_args, on_pool};\n\
                // crate::shell in a comment\nlet x = crate::events::bus::appended();";
    let names: Vec<String> = named(text).into_iter().collect();
    assert_eq!(names, ["bind_args", "events", "on_pool", "store"]);
    let graph = |pairs: &[(&str, &str)]| {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            edges
                .entry((*from).into())
                .or_default()
                .insert((*to).into());
            edges.entry((*to).into()).or_default();
        }
        edges
    };
    let looped = cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]));
    assert_eq!(looped, Some(vec!["a".into(), "b".into(), "c".into()]));
    assert_eq!(cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
}

/// Whether `path` (from the workspace root) is part of the storage layer: `app/src/store/`
/// (the handles and every backend difference) or a module's own `store.rs` or `store/`, the
/// integration tests' (`server/tests/integration/common/store.rs`) and the benchmark
/// examples' (`server/examples/support/store.rs`) included.
fn is_storage(path: &str) -> bool {
    path.starts_with("app/src/store/") || path.ends_with("/store.rs") || path.contains("/store/")
}

/// Whether `path` may name a backend: `app/src/store/`, and the storage modules of the
/// integration tests and the benchmark examples, which make and drop PostgreSQL databases and
/// ask PostgreSQL alone about its connections and notifications.
fn may_name_backend(path: &str) -> bool {
    let harness = path.starts_with("server/tests/") || path.starts_with("server/examples/");
    path.starts_with("app/src/store/") || (harness && path.ends_with("/store.rs"))
}

/// The workspace's Rust sources, as (path from the workspace root, text): the app's and the
/// server's, with the server's integration tests and examples.
fn workspace_sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut pending = vec![
        root.join("app/src"),
        root.join("server/src"),
        root.join("server/tests"),
        root.join("server/examples"),
    ];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&root).unwrap().to_string_lossy();
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((relative.replace('\\', "/"), text));
            }
        }
    }
    files
}

/// SQL (sqlx's queries and query builder, the macros that run a body on either backend) stays
/// in storage modules, in the app, the server, its integration tests and its examples alike. A
/// backend is named only in `app/src/store/` and in the tests' and examples' own store modules:
/// in `app/src` and `server/src`, only `app/src/store/` names one.
#[test]
fn sql_and_backends_stay_in_the_storage_layer() {
    // Split so this file does not name them itself.
    let sql = [
        "sqlx::", "query", "on_", "pool!", "on_", "tx!", "Query", "Builder",
    ];
    let sql = [
        [sql[0], sql[1]].concat(),
        [sql[2], sql[3]].concat(),
        [sql[4], sql[5]].concat(),
        [sql[6], sql[7]].concat(),
    ];
    let backends = ["Db::", "Sqlite(", "Db::", "Postgres(", "Open", "::"];
    let backends = [
        [backends[0], backends[1]].concat(),
        [backends[2], backends[3]].concat(),
        [backends[4], backends[5]].concat(),
    ];
    let mut wrong = Vec::new();
    let mut storage = 0;
    for (path, text) in workspace_sources() {
        let holds_sql = sql.iter().any(|s| text.contains(s.as_str()));
        let names_backend = backends.iter().any(|s| text.contains(s.as_str()));
        if holds_sql && !is_storage(&path) {
            wrong.push(format!("{path} holds SQL: move it to a storage module"));
        }
        if names_backend && !may_name_backend(&path) {
            wrong.push(format!("{path} names a backend: ask `Dialect` instead"));
        }
        storage += usize::from(holds_sql && is_storage(&path));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The check sees the sources: the storage modules it knows hold SQL.
    assert!(storage >= 10, "{storage} storage modules with SQL");
}
