//! Offline reading in real Chromium: a language saved from the footer's control opens its
//! unvisited pages and searches with the server stopped (connections refused, not an
//! emulated offline mode), a page not saved shows the reader's language's offline page,
//! and a new build brings the saved copy up to date. Also what a build writes for it, and
//! that `serve` and `offline: false` leave it out.

use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::browser::{chrome, serial, serve_dir, Page, StaticServer};
use crate::common::*;

fn build_into(root: &Path, out: &Path, extra: &[&str]) {
    run(waypost()
        .env("WAYPOST_NO_CACHE", "1")
        .arg("--root")
        .arg(root)
        .arg("-q")
        .arg("build")
        .args(extra)
        .arg("--output")
        .arg(out))
    .assert_success();
}

/// Stops the server and waits until its port refuses connections.
fn stop(server: StaticServer) {
    let addr = server.base.trim_start_matches("http://").to_string();
    drop(server);
    let start = Instant::now();
    while TcpStream::connect(&addr).is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn text(page: &Page, js: &str) -> String {
    page.eval(js).as_str().unwrap_or_default().to_string()
}

/// Opens `lang`'s home page, waits for the worker to control it, and saves the language
/// with the footer's control; returns the size the control announced.
fn save_language(page: &Page, base: &str, lang: &str) -> String {
    page.goto(&format!("{base}/{lang}/"));
    page.wait_for("navigator.serviceWorker.controller !== null", 30);
    page.wait_for(
        "(() => { const s = document.querySelector('[data-offline-save]'); return !!s && !s.hidden; })()",
        20,
    );
    page.eval(
        "window.seenStates = []; new MutationObserver(() => seenStates.push(document.querySelector('[data-offline-save]').dataset.offlineState)).observe(document.querySelector('[data-offline-save]'), {attributes: true}); document.querySelector('[data-offline-start]').click(); true",
    );
    page.wait_for(
        "document.querySelector('[data-offline-save]').dataset.offlineState === 'confirm'",
        20,
    );
    let announced = text(
        page,
        "document.querySelector('[data-offline-status]').textContent",
    );
    page.eval("document.querySelector('[data-offline-confirm]').click(); true");
    page.wait_for(
        "document.querySelector('[data-offline-save]').dataset.offlineState === 'saved'",
        60,
    );
    let seen = page.eval("JSON.stringify(window.seenStates)");
    assert!(
        seen.as_str().unwrap_or("").contains("saving"),
        "no progress was shown: {seen}"
    );
    announced
}

#[test]
fn a_saved_language_opens_unvisited_pages_and_searches_with_the_server_stopped() {
    let _guard = serial();
    let site = example_site_copy();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    build_into(site.path(), &out, &[]);
    let server = serve_dir(&out);
    let base = server.base.clone();
    let chrome = chrome();
    let page = chrome.open(&format!("{base}/es/"));

    let announced = save_language(&page, &base, "es");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("es/offline.json")).unwrap()).unwrap();
    let kb = manifest["bytes"].as_u64().unwrap() as f64 / 1000.0;
    assert!(
        announced.contains("MB") || announced.contains("KB"),
        "the control did not show the size before downloading: {announced:?} ({kb} KB)"
    );
    page.screenshot("offline-saved-es");
    let saved = text(
        &page,
        "document.querySelector('[data-offline-status]').textContent",
    );
    assert!(saved.contains("Guardado"), "{saved:?}");

    stop(server);

    // An unvisited Spanish guide opens from the saved copy, styled.
    page.goto(&format!("{base}/es/number-transfer/online/"));
    page.wait_for("!!document.querySelector('article.page h1')", 20);
    assert_eq!(
        page.eval("!!document.querySelector('[data-offline-page]')"),
        false
    );
    assert_eq!(
        page.eval("getComputedStyle(document.body).margin"),
        "0px",
        "the theme's stylesheet is served offline"
    );
    page.screenshot("offline-unvisited-page-es");

    // Search works offline.
    page.goto(&format!("{base}/es/search/?q=eSIM"));
    page.wait_for(
        "document.querySelectorAll('[data-search-page] .result-link').length > 0",
        30,
    );
    let results = page.result_urls();
    assert!(results.iter().all(|u| u.starts_with("/es/")), "{results:?}");

    // A page of a language not saved and never visited: the offline page, in that
    // language.
    page.goto(&format!("{base}/zh/esim/in-store/"));
    page.wait_for("!!document.querySelector('[data-offline-page]')", 20);
    assert_eq!(text(&page, "document.documentElement.lang"), "zh");
    assert_eq!(
        text(
            &page,
            "document.querySelector('[data-offline-page] h1').textContent"
        ),
        "您已离线"
    );
    page.screenshot("offline-page-zh");
    // And the Arabic one is right to left.
    page.goto(&format!("{base}/ar/esim/in-store/"));
    page.wait_for("!!document.querySelector('[data-offline-page]')", 20);
    assert_eq!(text(&page, "document.documentElement.dir"), "rtl");
}

#[test]
fn a_new_build_replaces_the_saved_copy_and_removing_it_empties_the_cache() {
    let _guard = serial();
    let site = example_site_copy();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_into(
        site.path(),
        &out,
        &["--base-url", "https://example.org/guides/"],
    );
    // Served under the sub-path, as a host would.
    let served = tmp.path().join("host");
    std::fs::create_dir_all(&served).unwrap();
    std::os::unix::fs::symlink(&out, served.join("guides")).unwrap();
    let server = serve_dir(&served);
    let base = format!("{}/guides", server.base);
    let chrome = chrome();
    let page = chrome.open(&format!("{base}/en/"));
    save_language(&page, &base, "en");
    let old_version = manifest_version(&out, "en");

    // A new build changes one guide.
    let guide = site.path().join("content/en/esim/in-store.md");
    let text_before = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(
        &guide,
        format!("{text_before}\n\nA sentence added by the new build.\n"),
    )
    .unwrap();
    build_into(
        site.path(),
        &out,
        &["--base-url", "https://example.org/guides/"],
    );
    let new_version = manifest_version(&out, "en");
    assert_ne!(old_version, new_version);

    // The next visit installs the new worker, which refreshes the saved copy; only then
    // is the old one gone.
    page.goto(&format!("{base}/en/"));
    let want = format!("waypost-saved-en-{new_version}");
    let old = format!("waypost-saved-en-{old_version}");
    let start = Instant::now();
    loop {
        let names = page.eval("caches.keys().then(k => JSON.stringify(k))");
        let names = names.as_str().unwrap_or("").to_string();
        if names.contains(&want) && !names.contains(&old) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the saved copy was not refreshed: {names}"
        );
        std::thread::sleep(Duration::from_millis(250));
        if start.elapsed() > Duration::from_secs(5) {
            page.goto(&format!("{base}/en/"));
        }
    }
    stop(server);
    page.goto(&format!("{base}/en/esim/in-store/"));
    page.wait_for("!!document.querySelector('article.page h1')", 20);
    let body = text(&page, "document.querySelector('.content').textContent");
    assert!(
        body.contains("A sentence added by the new build."),
        "{body}"
    );

    // Removing the saved copy deletes it.
    page.goto(&format!("{base}/en/"));
    page.wait_for(
        "document.querySelector('[data-offline-save]').dataset.offlineState === 'saved'",
        20,
    );
    page.eval("document.querySelector('[data-offline-remove]').click(); true");
    page.wait_for(
        "document.querySelector('[data-offline-save]').dataset.offlineState === 'idle'",
        20,
    );
    let names = page.eval("caches.keys().then(k => JSON.stringify(k))");
    assert!(
        !names.as_str().unwrap_or("").contains("waypost-saved-en-"),
        "{names}"
    );
}

fn manifest_version(out: &Path, lang: &str) -> String {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(lang).join("offline.json")).unwrap())
            .unwrap();
    m["version"].as_str().unwrap().to_string()
}

#[test]
fn a_build_lists_each_languages_pages_and_search_bundle_for_offline_reading() {
    let b = build_ok(&repo_root());
    let worker = b.read("sw.js");
    assert_contains(&worker, r#"const LANGS = ["en","zh","es","ar"];"#, "sw.js");
    let html = b.read("es/index.html");
    assert_contains(&html, "data-offline-worker=\"/sw.js\"", "es/index.html");
    assert_contains(&html, "data-offline-save", "es/index.html");
    let m: serde_json::Value = serde_json::from_str(&b.read("es/offline.json")).unwrap();
    let files = m["files"].as_array().unwrap();
    let urls: Vec<&str> = files.iter().map(|f| f[0].as_str().unwrap()).collect();
    for want in [
        "/es/",
        "/es/offline/",
        "/es/search/",
        "/es/pagefind/pagefind.js",
    ] {
        assert!(urls.contains(&want), "{want} not in {urls:?}");
    }
    assert!(urls
        .iter()
        .any(|u| u.starts_with("/waypost.") && u.ends_with(".css")));
    for u in &urls {
        assert!(
            (!u.starts_with("/en/") || u.ends_with(".webp"))
                && !u.ends_with(".md")
                && !u.contains("-ui."),
            "{u} is not needed offline"
        );
    }
    // The screenshots the Spanish in-app guide shows (the English files), at a phone's
    // size only: the 960 px WebP copies, not the originals or the other copies.
    let images: Vec<&str> = urls
        .iter()
        .copied()
        .filter(|u| u.contains("/esim/in-app-"))
        .collect();
    assert_eq!(images.len(), 3, "{images:?}");
    assert!(
        images
            .iter()
            .all(|u| u.starts_with("/en/esim/") && u.ends_with(".960w.webp")),
        "{images:?}"
    );
    let total: u64 = files.iter().map(|f| f[1].as_u64().unwrap()).sum();
    assert_eq!(m["bytes"].as_u64().unwrap(), total);
    // Each size is the published file's.
    let page = files.iter().find(|f| f[0] == "/es/").unwrap();
    assert_eq!(
        page[1].as_u64().unwrap(),
        std::fs::metadata(b.path("es/index.html")).unwrap().len()
    );
}

#[test]
fn offline_false_leaves_the_worker_and_the_control_out() {
    let site = example_site_copy();
    append_to_site_yaml(site.path(), "offline: false\n");
    let b = build_ok(site.path());
    b.assert_no_file("sw.js").assert_no_file("en/offline.json");
    b.assert_no_file("en/offline/index.html");
    let html = b.read("en/index.html");
    assert_not_contains(&html, "data-offline-worker", "en/index.html");
    assert_not_contains(&html, "data-offline-save", "en/index.html");
}
