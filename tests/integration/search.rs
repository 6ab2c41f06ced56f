//! The search index: one Pagefind bundle per language, written in the same run, with
//! opted-out and excluded pages absent, for every BCP 47 tag (stemmer or not).

use serde_json::Value;

use crate::common::{build_fixture, build_with, fixture};

fn entry(out: &std::path::Path, lang: &str) -> Value {
    let path = out.join(lang).join("pagefind/pagefind-entry.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn page_count(entry: &Value) -> u64 {
    let langs = entry["languages"].as_object().expect("languages");
    assert_eq!(langs.len(), 1, "one language per bundle: {entry}");
    langs.values().next().unwrap()["page_count"]
        .as_u64()
        .unwrap()
}

#[test]
fn every_language_gets_its_own_index_even_without_a_stemmer() {
    let built = build_fixture("search");
    let out = built.out();
    for lang in ["en", "ca", "ko", "zh-Hans", "pt-BR"] {
        let e = entry(&out, lang);
        assert!(page_count(&e) >= 1, "{lang}: {e}");
        assert!(
            out.join(lang).join("pagefind/pagefind-ui.js").is_file(),
            "{lang} has the UI"
        );
        // Each page's header loads its own language's bundle, under the base path.
        let html = std::fs::read_to_string(out.join(lang).join("index.html")).unwrap();
        assert!(
            html.contains(&format!("data-bundle=\"/docs/{lang}/pagefind/\"")),
            "{lang}"
        );
        assert!(
            out.join(lang).join("search/index.html").is_file(),
            "{lang} has a search page"
        );
    }
}

#[test]
fn pages_opted_out_or_excluded_are_left_out_of_the_index() {
    let built = build_fixture("search");
    let out = built.out();
    // en: home + visible; `hidden.md` (search: false) and legal/terms.md (excluded glob)
    // are not indexed, nor is the implicit `legal/` section.
    assert_eq!(page_count(&entry(&out, "en")), 2);
    assert_eq!(page_count(&entry(&out, "ca")), 2);
    // The pages themselves are still published.
    assert!(out.join("en/hidden/index.html").is_file());
    assert!(out.join("en/legal/terms/index.html").is_file());
}

#[test]
fn fallback_copies_are_not_indexed_in_the_language_they_are_copied_to() {
    let built = build_fixture("search");
    let out = built.out();
    // `visible.md` exists in every language, `hidden.md` only in en: its fallback copies
    // must not show up in the other languages' indexes.
    assert!(
        out.join("ko/hidden/index.html").is_file(),
        "fallback published"
    );
    assert_eq!(page_count(&entry(&out, "ko")), 2);
}

#[test]
fn search_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_dir(&fixture("search"), dir.path());
    let yaml = std::fs::read_to_string(dir.path().join("site.yaml")).unwrap();
    std::fs::write(
        dir.path().join("site.yaml"),
        yaml.replace(
            "search:\n  exclude: [\"legal/**\"]",
            "search:\n  enabled: false",
        ),
    )
    .unwrap();
    let built = build_with(dir.path(), &[]);
    built.run.assert_success();
    let out = built.out();
    assert!(!out.join("en/pagefind").exists());
    assert!(!out.join("en/search/index.html").exists());
    let html = std::fs::read_to_string(out.join("en/index.html")).unwrap();
    assert!(
        !html.contains("pagefind-ui"),
        "no search box without an index"
    );
}
