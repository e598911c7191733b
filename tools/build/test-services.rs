//! The build script of the crates whose tests need an outside service (officina-projections,
//! officina-report, officina-server; each names this file as `build` in its manifest). It turns
//! the variable naming each service into a `cfg` flag, so that the tests that need it are
//! `#[cfg_attr(not(flag), ignore)]`: counted as ignored without it, never as passed (see
//! `docs/testing.md`).

/// Each service's variable and the flag it sets.
const FLAGS: &[(&str, &str)] = &[
    ("OFFICINA_TEST_POSTGRES_URL", "officina_postgres"),
    ("OFFICINA_TEST_POSTGRES_REPLICA_URL", "officina_replica"),
    ("OFFICINA_REQUIRE_CHROMIUM", "officina_chromium"),
];

fn main() {
    for (variable, flag) in FLAGS {
        println!("cargo:rerun-if-env-changed={variable}");
        println!("cargo:rustc-check-cfg=cfg({flag})");
        if std::env::var_os(variable).is_some() {
            println!("cargo:rustc-cfg={flag}");
        }
    }
}
