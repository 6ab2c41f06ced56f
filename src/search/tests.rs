//! Unit tests of the search stage: which pages are indexed, the document each page gives
//! Pagefind, and the bundles made per language.

use super::kept::*;
use super::*;
use crate::cache::{Cache, Key};
use crate::testing::{self, page};

/// The test sites' `site.yaml`, with `legal/**` left out of search.
fn search_site_yaml() -> String {
    format!("{}search:\n  exclude: [legal/**]\n", testing::SITE_YAML)
}

fn search_site() -> (tempfile::TempDir, Site) {
    testing::load(&[
        ("site.yaml", &search_site_yaml()),
        (
            "content/en/a.md",
            "---\nfacets:\n  channel: online\n  \"odd:key\": [x]\n---\n# Alpha <1>\n\n| a | b |\n|---|---|\n| c | d |\n",
        ),
        ("content/en/hidden.md", "---\nsearch: false\n---\n# Hidden\n"),
        ("content/en/legal/terms.md", "# Terms\n"),
        ("content/es/a.md", "# Alfa\n"),
    ])
}

#[test]
fn fallback_copies_unsearchable_and_excluded_pages_are_left_out() {
    let (_d, site) = search_site();
    let selection = Selection::new(&site).unwrap();
    let included = |lang: &str, rel: &str| selection.includes(&site, page(&site, lang, rel));
    assert!(included("en", "a.md"));
    assert!(included("es", "a.md"));
    assert!(!included("en", "hidden.md"), "search: false");
    assert!(!included("en", "legal/terms.md"), "search.exclude");
    assert!(!included("es", "hidden.md"), "a fallback copy");
    assert!(
        !included("en", "legal/_index.md"),
        "a folder without _index.md has nothing to find"
    );
}

#[test]
fn a_bad_exclude_glob_is_reported_in_site_yaml() {
    let yaml = search_site_yaml().replace("legal/**", "\"a[\"");
    let (_d, site) = testing::load(&[("site.yaml", &yaml), ("content/en/a.md", "# A\n")]);
    let Err(e) = Selection::new(&site) else {
        panic!("`a[` is not a glob");
    };
    let d = &e.diagnostics()[0];
    assert_eq!(d.path, std::path::Path::new("site.yaml"));
    assert!(d.message.contains("bad glob `a[`"), "{d}");
}

#[test]
fn a_document_carries_the_title_and_the_facets_as_translated_filters() {
    let (_d, site) = search_site();
    let doc = document(&site, page(&site, "en", "a.md"));
    assert!(
        doc.starts_with("<html lang=\"en\"><head><title>Alpha &lt;1&gt;</title>"),
        "{doc}"
    );
    assert!(
        doc.contains("<h1 data-pagefind-meta=\"title\" data-pagefind-weight=")
            && doc.contains(">Alpha &lt;1&gt;</h1>"),
        "{doc}"
    );
    assert!(
        doc.contains("data-pagefind-filter=\"Channel:Online\""),
        "{doc}"
    );
    // A colon would move Pagefind's split of `key:value`; an unknown token is as written.
    assert!(doc.contains("data-pagefind-filter=\"odd key:x\""), "{doc}");
    assert!(doc.contains("c </td>"), "table cells stay apart: {doc}");
}

#[test]
fn each_language_gets_its_own_bundle_under_its_folder() {
    let (_d, site) = search_site();
    let files = index_all(&site);
    for lang in ["en", "es"] {
        let entry = format!("{lang}/{BUNDLE_DIR}/pagefind-entry.json");
        assert!(
            files.iter().any(|f| f.path == entry),
            "{entry} in {:?}",
            files.iter().map(|f| &f.path).collect::<Vec<_>>()
        );
    }
    assert!(files
        .iter()
        .all(|f| f.path.starts_with("en/pagefind/") || f.path.starts_with("es/pagefind/")));
}

#[test]
fn no_index_is_made_when_search_is_disabled() {
    let yaml = search_site_yaml().replace("  exclude: [legal/**]", "  enabled: false");
    let (_d, site) = testing::load(&[("site.yaml", &yaml), ("content/en/a.md", "# A\n")]);
    assert!(index_all(&site).is_empty());
}

#[test]
fn a_title_key_is_the_whole_title_as_one_lower_case_word() {
    assert_eq!(title_key("git"), "git");
    assert_eq!(title_key("git-clean"), "gitclean");
    assert_eq!(title_key("Get an eSIM"), "getanesim");
    assert_eq!(title_key("Ádb"), "ádb");
    assert_eq!(title_key("携号转网，保留原号码"), "携号转网保留原号码");
    assert_eq!(title_key("—"), "");
}

#[test]
fn headings_keep_pagefinds_ratios_inside_the_low_weight_body() {
    assert_eq!(
        weigh_headings("<h2 id=\"a\">A</h2><p>x</p><h3>B</h3><hr><h7>"),
        "<h2 data-pagefind-weight=\"0.25\" id=\"a\">A</h2><p>x</p>\
         <h3 data-pagefind-weight=\"0.21\">B</h3><hr><h7>"
    );
}

#[test]
fn the_runs_between_two_lists_of_record_keys_turn_one_into_the_other() {
    let k = |n: u8| Key([n; 32]);
    let list = |ns: &[u8]| ns.iter().map(|&n| k(n)).collect::<Vec<Key>>();
    let apply = |old: &[Key], new: &[Key], runs: &[(Run, Run)]| {
        let mut out = old.to_vec();
        for (o, n) in runs.iter().rev() {
            out.splice(o.clone(), new[n.clone()].iter().copied());
        }
        out
    };
    let old = list(&[1, 2, 3, 4, 5, 6, 7, 8]);
    for (new, count) in [
        (list(&[1, 2, 3, 4, 5, 6, 7, 8]), 0),
        (list(&[1, 2, 9, 4, 5, 6, 7, 8]), 1),    // one edited
        (list(&[9, 2, 3, 4, 5, 6, 7, 10]), 2),   // first and last edited
        (list(&[1, 2, 4, 5, 6, 7, 8]), 1),       // one removed
        (list(&[1, 2, 3, 9, 4, 5, 6, 7, 8]), 1), // one added
        (list(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), 1), // one added at the end
        (list(&[9, 1, 2, 3, 4, 5, 6, 7, 8]), 1), // one added at the start
        (list(&[1, 9, 3, 4, 10, 6, 7, 11]), 3),  // three places
        (list(&[2, 1, 3, 4, 5, 6, 7, 8]), 2),    // two swapped: one added, one removed
        (list(&[]), 1),                          // every one removed
    ] {
        let runs = edit_runs(&old, &new).unwrap();
        assert_eq!(runs.len(), count, "{runs:?}");
        assert_eq!(apply(&old, &new, &runs), new, "{runs:?}");
    }
    // Too many runs, too many pages, or a key twice: no runs.
    let many: Vec<Key> = (0..40).map(k).collect();
    let every_other: Vec<Key> = (0..40)
        .map(|n| if n % 2 == 0 { k(n) } else { k(n + 100) })
        .collect();
    assert!(edit_runs(&many, &every_other).is_none());
    let long: Vec<Key> = (0..200).map(k).collect();
    assert!(edit_runs(&long, &long[100..]).is_none());
    assert!(edit_runs(&old, &list(&[1, 1, 2, 3, 4, 5, 6, 7, 8])).is_none());
}

#[test]
fn a_record_key_changes_with_anything_that_changes_the_document() {
    // Variants of one page: each changes its document (title, a facet, a facet's label
    // in the UI strings, the body, the URL); the record key must change with it.
    let base = "---\ntitle: Alpha\nfacets:\n  channel: online\n---\nBody text.\n";
    let variants: Vec<Vec<(&str, String)>> = vec![
        vec![("content/en/a.md", base.to_string())],
        vec![("content/en/a.md", base.replace("Alpha", "Beta"))],
        vec![("content/en/a.md", base.replace("online", "store"))],
        vec![("content/en/a.md", base.replace("channel", "path"))],
        vec![("content/en/a.md", base.replace("Body text.", "Body text!"))],
        vec![(
            "content/en/a.md",
            base.replace("title: Alpha", "title: Alpha\nslug: alpha-2"),
        )],
        vec![
            ("content/en/a.md", base.to_string()),
            (
                "i18n/en.yaml",
                "facet_values:\n  online: On the web\n".to_string(),
            ),
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap();
    let mut seen: Vec<(String, Key)> = Vec::new();
    for files in &variants {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (_d, site) = testing::load(&files);
        let i = page(&site, "en", "a.md");
        let doc = format!("{}\n{}", bundle_url(&site, "en", i), document(&site, i));
        let key = record_key(&site, &cache, "en", i);
        for (other_doc, other_key) in &seen {
            assert_ne!(&doc, other_doc, "each variant changes the document");
            assert_ne!(&key, other_key, "the key changes with the document:\n{doc}");
        }
        seen.push((doc, key));
    }
}

/// Every language's bundle, without a cache.
fn index_all(site: &Site) -> Vec<OutputFile> {
    let mut files = Vec::new();
    index_each(site, None, &(), |bundle| {
        files.extend(bundle);
        Ok(())
    })
    .unwrap();
    files
}

#[test]
fn a_text_key_is_the_one_the_theme_makes_of_the_same_text() {
    // The values static/waypost.js's `textKey` gives for these (checked with Node).
    for (text, key) in [
        ("Get an eSIM", "wpk26670812"),
        ("携号转网，保留原号码", "wpk016a8e6c"),
        ("Ádb ΣΑΣ", "wpk99e743ee"),
        ("İstanbul", "wpk7662d7bc"),
    ] {
        assert_eq!(text_key(text), key, "{text}");
    }
    // Case, punctuation and spacing do not count, as in the title key.
    assert_eq!(text_key("get an esim!"), text_key("Get an eSIM"));
}
