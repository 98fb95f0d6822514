//! What the benchmark examples share: a fresh database to measure on.

/// A fresh database of `backend` named after `name`: a new SQLite file under
/// `.gs-tmp/bench/`, or a new PostgreSQL database `gs_bench_{name}` on `TEST_POSTGRES_URL`.
pub async fn fresh(backend: &str, name: &str) -> String {
    match backend {
        "sqlite" => {
            let dir = std::path::Path::new(".gs-tmp/bench");
            std::fs::create_dir_all(dir).unwrap();
            let file = dir.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            format!("sqlite://{}", file.display())
        }
        "postgres" => {
            let admin = std::env::var("TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let database = format!("gs_bench_{name}");
            crate::store::recreate_database(&admin, &database).await;
            format!("{}/{database}", admin.rsplit_once('/').unwrap().0)
        }
        other => panic!("unknown backend {other}: sqlite or postgres"),
    }
}
