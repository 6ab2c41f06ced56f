//! Search ranking: a query that is a page's whole title, whatever its case and accents,
//! puts that page first, though other pages' titles start with it (`gitk` for `git`) or
//! hold it as a part (`hwloc-ls` for `ls`) and name it more often than the page itself.
//! Driven through the theme's search page in headless Chromium (`browser`), on
//! `tests/fixtures/ranking` (command pages: the exact ones long, the others short).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::browser::{chrome, serial, serve_dir, Chrome, Page, StaticServer};
use crate::common::fixture;

/// The ranking fixture, built once per test run.
fn ranking_site() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("waypost-ranking-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        // Without the build cache: it would be written into the fixture.
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_waypost"))
            .env("WAYPOST_NO_CACHE", "1")
            .arg("--root")
            .arg(fixture("ranking"))
            .args(["-q", "build", "--output"])
            .arg(&out)
            .status()
            .expect("run waypost");
        assert!(status.success(), "the ranking fixture must build");
        out
    })
}

/// Types `query` into the search page's box and waits for results.
fn search(page: &Page, query: &str) -> Vec<String> {
    let q = serde_json::to_string(query).unwrap();
    page.eval(&format!(
        "(() => {{ const i = document.getElementById('search-page-q'); i.value = {q}; \
         document.querySelector('[data-search-page] .search-results').innerHTML = ''; \
         i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()"
    ));
    page.wait_for(
        "document.querySelectorAll('[data-search-page] .result-link').length > 0 || /No results|没有/i.test(document.querySelector('[data-search-page] .search-status')?.textContent || '')",
        20,
    );
    // Results of an earlier query may still be replaced: wait until they are stable.
    let mut last = page.result_urls();
    for _ in 0..10 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let now = page.result_urls();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

fn open_search(chrome: &Chrome, server: &StaticServer) -> Page {
    let page = chrome.open(&format!("{}/en/search/", server.base));
    page.wait_for("!!document.getElementById('search-page-q')", 10);
    page
}

#[test]
fn a_query_that_is_a_whole_title_puts_that_page_first() {
    let _g = serial();
    let server = serve_dir(ranking_site());
    let chrome = chrome();
    let page = open_search(&chrome, &server);
    for (query, first) in [
        ("git", "/en/git/"),
        ("ls", "/en/ls/"),
        ("ip", "/en/ip/"),
        ("adb", "/en/adb/"),
        ("mysql", "/en/mysql/"),
        // Case and accents do not matter.
        ("GIT", "/en/git/"),
        ("MySQL", "/en/mysql/"),
        ("Ádb", "/en/adb/"),
        // The longer titles are found first by their own names.
        ("gitk", "/en/gitk/"),
        ("git-clean", "/en/git-clean/"),
        ("hwloc-ls", "/en/hwloc-ls/"),
        ("git commit", "/en/git-commit/"),
    ] {
        let urls = search(&page, query);
        assert_eq!(
            urls.first().map(String::as_str),
            Some(first),
            "`{query}`: {urls:?}"
        );
    }
    // The pages whose titles only start with the query are still found.
    let urls = search(&page, "git");
    for other in [
        "/en/gitk/",
        "/en/gitleaks/",
        "/en/git-clean/",
        "/en/git-commit/",
    ] {
        assert!(
            urls.iter().any(|u| u == other),
            "`git` finds {other}: {urls:?}"
        );
    }
    page.assert_no_errors();
}

/// Chinese excerpts mark the word that was searched for, whole: `二维码` as one `<mark>`,
/// not 二, 维 and 码 one by one, nor `号码` (which shares 码).
#[test]
fn chinese_excerpts_mark_the_searched_word_whole() {
    let _g = serial();
    let server = serve_dir(crate::browser::example_site());
    let chrome = chrome();
    let page = chrome.open(&format!("{}/zh/search/", server.base));
    page.wait_for("!!document.getElementById('search-page-q')", 10);
    for query in ["二维码", "视频通话"] {
        let urls = search(&page, query);
        assert!(!urls.is_empty(), "`{query}` finds pages");
        let marks: Vec<String> = serde_json::from_str(
            page.eval(
                "JSON.stringify(Array.from(document.querySelectorAll('[data-search-page] .search-results mark')).map(m => m.textContent))",
            )
            .as_str()
            .unwrap(),
        )
        .unwrap();
        assert!(!marks.is_empty(), "`{query}`: the excerpts mark it");
        assert!(
            marks.iter().all(|m| m == query),
            "`{query}`: every mark is the whole word: {marks:?}"
        );
        // The page's own excerpt shows the word.
        let first =
            page.eval("document.querySelector('[data-search-page] .result-excerpt').innerHTML");
        assert!(
            first
                .as_str()
                .unwrap()
                .contains(&format!("<mark>{query}</mark>")),
            "`{query}`: {first}"
        );
    }
    page.screenshot("search-zh-marks");
    page.assert_no_errors();
}
