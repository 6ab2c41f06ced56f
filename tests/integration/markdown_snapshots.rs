//! Markdown → HTML snapshots.
//!
//! Each case `tests/fixtures/markdown/<case>.md` is copied into a temporary copy of the
//! site `tests/fixtures/markdown-site` (whose `templates/page.html` outputs only
//! `{{ page.content | safe }}`) as `content/en/<case>.md`, built, and the page's HTML
//! compared with `tests/fixtures/markdown/<case>.html`.
//!
//! To regenerate the snapshots after an intended change, run
//! `UPDATE_SNAPSHOTS=1 cargo test --test integration markdown_snapshots`, then read every
//! changed `.html` file before accepting it (`git diff tests/fixtures/markdown`).

use crate::common::*;

fn check(case: &str) {
    let md = fixture("markdown").join(format!("{case}.md"));
    let expected_path = fixture("markdown").join(format!("{case}.html"));
    let tmp = copy_site(&fixture("markdown-site"));
    let site = tmp.path().join("site");
    std::fs::copy(&md, site.join("content/en").join(format!("{case}.md")))
        .unwrap_or_else(|e| panic!("copy {}: {e}", md.display()));
    let b = build_ok(&site);
    let actual = b.read(&format!("en/{case}/index.html"));

    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v != "0" && !v.is_empty()) {
        let old = std::fs::read_to_string(&expected_path).ok();
        if old.as_deref() != Some(actual.as_str()) {
            std::fs::write(&expected_path, &actual).expect("write snapshot");
            eprintln!("updated snapshot {}", expected_path.display());
        }
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with UPDATE_SNAPSHOTS=1 to write it, then review it.\nactual:\n{actual}",
            expected_path.display()
        )
    });
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{case}: the HTML differs from {} (first at line {})\n--- expected ---\n{expected}\n--- actual ---\n{actual}\n\
             If the change is intended, run with UPDATE_SNAPSHOTS=1 and review the diff.",
            expected_path.display(),
            line + 1
        );
    }
}

#[test]
fn markdown_alerts() {
    check("alerts");
}

#[test]
fn markdown_tables() {
    check("tables");
}

#[test]
fn markdown_footnotes() {
    check("footnotes");
}

#[test]
fn markdown_tasklists() {
    check("tasklists");
}

#[test]
fn markdown_headings_unicode() {
    check("headings-unicode");
}

#[test]
fn markdown_heading_attributes() {
    check("heading-attributes");
}

#[test]
fn markdown_smart_punctuation() {
    check("smart-punctuation");
}

#[test]
fn markdown_strikethrough() {
    check("strikethrough");
}

#[test]
fn markdown_links() {
    check("links");
}

#[test]
fn markdown_raw_html_sanitized() {
    check("raw-html-sanitized");
}

/// Independent of the snapshot: the dangerous parts are gone whatever the file says.
#[test]
fn raw_html_loses_scripts_event_handlers_and_javascript_urls() {
    let tmp = copy_site(&fixture("markdown-site"));
    let site = tmp.path().join("site");
    std::fs::copy(
        fixture("markdown/raw-html-sanitized.md"),
        site.join("content/en/raw-html-sanitized.md"),
    )
    .unwrap();
    let b = build_ok(&site);
    let html = b.read("en/raw-html-sanitized/index.html").to_lowercase();
    for bad in [
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "alert(",
    ] {
        assert_not_contains(&html, bad, "the sanitized page");
    }
    assert_contains(&html, "a paragraph with a handler.", "the sanitized page");
    assert_contains(&html, "<kbd>ctrl</kbd>", "the sanitized page");
}
