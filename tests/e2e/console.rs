//! The console at `/graphql`: everything it needs comes from the server, under a content
//! security policy, and it runs an operation in a real browser cut off from every network but
//! loopback.

use crate::fixture;
use crate::support::{Db, spawn_app};

/// Chromium: the browser test runs where `OFFICINA_REQUIRE_CHROMIUM` is set (as `.ci/run` does,
/// after installing it), and is reported as ignored elsewhere.
fn chromium() -> &'static str {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| std::process::Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()))
        .expect("OFFICINA_REQUIRE_CHROMIUM is set but no chromium is installed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_needs_nothing_but_the_server_under_a_content_security_policy() {
    let app = spawn_app(Db::Sqlite).await;
    let page = app.client.get(app.url("/graphql")).header("Accept", "text/html").send().await.expect("GET");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().expect("a policy").to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.expect("body");
    assert!(html.contains("/console/console.js") && html.contains("/console/console.css"), "{html}");
    for (path, kind) in [("/console/console.js", "text/javascript"), ("/console/console.css", "text/css")] {
        let asset = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(asset.status(), 200, "{path}");
        assert!(asset.headers()["content-type"].to_str().unwrap_or_default().starts_with(kind), "{path}");
        let text = asset.text().await.expect("text");
        assert!(!text.contains("https://") && !text.contains("http://"), "{path} reaches for another server");
    }
    assert!(!html.contains("https://"), "the page loads nothing from elsewhere");
    let gone = app.client.get(app.url("/graphiql")).send().await.expect("GET");
    assert_eq!(gone.status(), 404, "no page that needs a CDN is served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_chromium), ignore = "needs chromium: set OFFICINA_REQUIRE_CHROMIUM")]
async fn the_console_runs_an_operation_in_a_browser_offline() {
    let app = spawn_app(Db::Sqlite).await;
    let w = fixture::workshop(&app).await;
    let browser = chromium();
    let operation = "{ workshops(first: 5) { totalCount edges { node { id name } } } }";
    let url = format!(
        "{}?operation={}&run=1",
        app.url("/graphql"),
        operation
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect::<String>()
    );
    // No network but loopback: a page that needed a CDN would stay empty.
    let output = std::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"])
        .arg("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
        .args(["--dump-dom", &url])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    let result = dom.split("<pre id=\"result\"").nth(1).and_then(|rest| rest.split("</pre>").next()).unwrap_or_default();
    assert!(result.contains(&w.id) && result.contains("\"totalCount\": 1"), "the result on screen: {result}");
    assert!(dom.contains("workshops</button>"), "the schema's root fields are listed");
}
