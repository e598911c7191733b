//! Tells the tests which external services this build requires, as `cfg` flags: the variants
//! that need one are marked ignored without it, so that the test runner's summary counts them
//! as ignored rather than passed (see `officina-testing`).

fn main() {
    for (variable, flag) in FLAGS {
        println!("cargo:rerun-if-env-changed={variable}");
        println!("cargo:rustc-check-cfg=cfg({flag})");
        if std::env::var_os(variable).is_some() {
            println!("cargo:rustc-cfg={flag}");
        }
    }
}

/// PostgreSQL, its streaming replica and Chromium (the browser tests), each required where its
/// variable is set.
const FLAGS: &[(&str, &str)] = &[
    ("OFFICINA_TEST_POSTGRES_URL", "officina_postgres"),
    ("OFFICINA_TEST_POSTGRES_REPLICA_URL", "officina_replica"),
    ("OFFICINA_REQUIRE_CHROMIUM", "officina_chromium"),
];
