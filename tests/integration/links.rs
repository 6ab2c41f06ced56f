//! The built sites hold together: every site-internal `href`/`src` points at a file of the
//! output and every `#fragment` at an id of the target page; no page repeats an id.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::*;

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every `id` of every page (ignoring Pagefind's bundle).
fn ids_of(pages: &BTreeMap<String, String>) -> BTreeMap<&str, Vec<String>> {
    pages
        .iter()
        .map(|(p, html)| {
            (
                p.as_str(),
                attr_values(html, "id").into_iter().map(unescape).collect(),
            )
        })
        .collect()
}

fn pages_of(out: &Path) -> BTreeMap<String, String> {
    html_files(out)
        .into_iter()
        .filter(|(p, _)| !p.contains("pagefind/"))
        .collect()
}

/// Checks every internal link of the site in `out` whose URLs start with `base_path/`.
#[track_caller]
fn assert_links_resolve(out: &Path, base_path: &str) {
    let pages = pages_of(out);
    let ids = ids_of(&pages);
    let mut broken = BTreeSet::new();
    for (page, html) in &pages {
        for attr in ["href", "src"] {
            for raw in attr_values(html, attr) {
                let v = unescape(raw);
                if !v.starts_with('/') || v.starts_with("//") {
                    continue;
                }
                let Some(rest) = v.strip_prefix(base_path) else {
                    broken.insert(format!("{page}: {v} (not under {base_path})"));
                    continue;
                };
                let (path, frag) = match rest.split_once('#') {
                    Some((p, f)) => (p, Some(f)),
                    None => (rest, None),
                };
                let path = path.split('?').next().unwrap_or("");
                let mut file = percent_decode(path.trim_start_matches('/'));
                if file.is_empty() || file.ends_with('/') {
                    file.push_str("index.html");
                }
                if !out.join(&file).is_file() {
                    broken.insert(format!("{page}: {v} (no file {file})"));
                    continue;
                }
                if let (Some(frag), Some(target_ids)) = (frag, ids.get(file.as_str())) {
                    let frag = percent_decode(frag);
                    if !frag.is_empty() && !target_ids.contains(&frag) {
                        broken.insert(format!("{page}: {v} (no id `{frag}` in {file})"));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken internal links:\n{}",
        broken.len(),
        broken.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[track_caller]
fn assert_ids_unique(out: &Path) {
    let pages = pages_of(out);
    let mut dups = Vec::new();
    for (page, ids) in ids_of(&pages) {
        let mut seen = BTreeSet::new();
        for id in ids {
            if !seen.insert(id.clone()) {
                dups.push(format!("{page}: id=\"{id}\""));
            }
        }
    }
    assert!(
        dups.is_empty(),
        "ids repeated within a page:\n{}",
        dups.join("\n")
    );
}

#[test]
fn every_internal_link_of_the_example_site_resolves() {
    let b = build_ok(&repo_root());
    assert_links_resolve(&b.out(), "");
}

#[test]
fn every_internal_link_of_the_feature_fixture_resolves() {
    let b = build_fixture("features");
    assert_links_resolve(&b.out(), "");
}

#[test]
fn every_internal_link_resolves_under_a_base_url_path() {
    let b = build_with(
        &fixture("features"),
        &["--base-url", "https://example.org/sub/"],
    );
    b.run.assert_success();
    assert_links_resolve(&b.out(), "/sub");
}

#[test]
fn ids_are_unique_within_every_page_of_the_example_site() {
    let b = build_ok(&repo_root());
    assert_ids_unique(&b.out());
}

#[test]
fn heading_ids_do_not_repeat_the_ids_of_the_theme() {
    let b = build_fixture("features");
    let page = b.read("en/theme-ids/index.html");
    let ids: Vec<&str> = attr_values(&page, "id");
    let mut seen = BTreeSet::new();
    for id in &ids {
        assert!(
            seen.insert(*id),
            "id `{id}` appears twice in en/theme-ids/index.html: {ids:?}"
        );
    }
    // Both "Main" headings still get ids of their own, with self-links that match.
    let body = content_of(&page);
    let heading_ids: Vec<&str> = attr_values(body, "id");
    assert_eq!(heading_ids.len(), 3, "{body}");
    for id in heading_ids {
        assert_contains(body, &format!("href=\"#{id}\""), "the self-links");
    }
}
