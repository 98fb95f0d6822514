// `sqlx::migrate!` embeds the migration files, but cargo does not know to rebuild when one is
// added or changed.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
