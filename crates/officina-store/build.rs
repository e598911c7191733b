//! Rebuilds the store when a migration changes (`sqlx::migrate!` embeds the migration files at
//! compile time, and cargo does not otherwise know to look at them), and tells the tests whether
//! PostgreSQL is required (see `officina-testing`).

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    println!("cargo:rerun-if-env-changed=OFFICINA_TEST_POSTGRES_URL");
    println!("cargo:rustc-check-cfg=cfg(officina_postgres)");
    if std::env::var_os("OFFICINA_TEST_POSTGRES_URL").is_some() {
        println!("cargo:rustc-cfg=officina_postgres");
    }
}
