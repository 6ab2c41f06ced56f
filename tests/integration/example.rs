//! The example site at the repository root (site.yaml + content/) builds and has every
//! part of a published site.

use std::path::Path;

use crate::common::*;

fn build_example() -> Built {
    build_ok(&repo_root())
}

/// Content paths (`esim/in-app.md`) of English pages that have no Arabic file, so that
/// the Arabic site publishes them as fallbacks. `esim/in-app.md` first when it is one.
fn untranslated_in_arabic() -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("content folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else if p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "_index.md")
            {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    let content = repo_root().join("content");
    let mut en = Vec::new();
    walk(&content.join("en"), &content.join("en"), &mut en);
    let mut missing: Vec<String> = en
        .into_iter()
        .filter(|rel| !content.join("ar").join(rel).exists())
        .collect();
    if let Some(i) = missing.iter().position(|r| r == "esim/in-app.md") {
        let r = missing.remove(i);
        missing.insert(0, r);
    }
    assert!(
        !missing.is_empty(),
        "the example site should have an English page without an Arabic translation"
    );
    missing
}

/// `esim/in-app.md` → `esim/in-app`.
fn url_path(rel: &str) -> &str {
    rel.trim_end_matches(".md")
}

/// A top-level string of a built-in i18n file, e.g. `not_translated`.
fn i18n_string(lang: &str, key: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("i18n").join(format!("{lang}.yaml")))
        .expect("built-in i18n file");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}` in i18n/{lang}.yaml"));
    line.trim().trim_matches('"').to_string()
}

#[test]
fn example_site_builds_and_reports_pages_and_languages() {
    let b = build_example();
    let stderr = &b.run.stderr;
    let line = stderr
        .lines()
        .find(|l| l.starts_with("built "))
        .unwrap_or_else(|| panic!("no `built N pages` line on stderr:\n{stderr}"));
    let n = line["built ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no page count in `{line}`"));
    assert!(n > 0, "{line}");
    assert_contains(
        line,
        &format!("built {n} pages in 4 languages"),
        "the summary line",
    );
}

#[test]
fn example_site_has_a_language_chooser_at_the_root() {
    let b = build_example();
    let root = b.read("index.html");
    for code in ["en", "zh", "es", "ar"] {
        assert_contains(&root, &format!("href=\"/{code}/\""), "index.html");
        assert_contains(&root, &format!("hreflang=\"{code}\""), "index.html");
    }
}

#[test]
fn example_site_writes_pages_assets_and_site_files() {
    let b = build_example();
    for f in [
        "index.html",
        "en/index.html",
        "zh/index.html",
        "es/index.html",
        "ar/index.html",
        "zh/esim/qr-code/index.html",
        "en/esim/qr-scan.svg",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "en/404.html",
        "zh/404.html",
        "es/404.html",
        "ar/404.html",
        "waypost.css",
    ] {
        b.assert_file(f);
    }
    let svg = std::fs::read(repo_root().join("content/en/esim/qr-scan.svg")).unwrap();
    assert_eq!(
        std::fs::read(b.path("en/esim/qr-scan.svg")).unwrap(),
        svg,
        "the asset is copied as it is"
    );
    let robots = b.read("robots.txt");
    assert_contains(
        &robots,
        "Sitemap: https://guides.example.org/sitemap.xml",
        "robots.txt",
    );
    assert_contains(
        &b.read("zh/404.html"),
        "<html lang=\"zh\" dir=\"ltr\"",
        "zh/404.html",
    );
}

#[test]
fn example_site_pages_carry_language_and_direction() {
    let b = build_example();
    assert_contains(
        &b.read("zh/esim/qr-code/index.html"),
        "<html lang=\"zh\" dir=\"ltr\"",
        "zh/esim/qr-code/index.html",
    );
    assert_contains(
        &b.read("ar/index.html"),
        "<html lang=\"ar\" dir=\"rtl\"",
        "ar/index.html",
    );
    assert_contains(
        &b.read("en/index.html"),
        "<html lang=\"en\" dir=\"ltr\"",
        "en/index.html",
    );
}

#[test]
fn example_site_translated_page_has_canonical_and_hreflang_alternates() {
    let b = build_example();
    let page = b.read("zh/esim/qr-code/index.html");
    let base = "https://guides.example.org";
    assert_contains(
        &page,
        &format!("<link rel=\"canonical\" href=\"{base}/zh/esim/qr-code/\">"),
        "zh/esim/qr-code/index.html",
    );
    for lang in ["en", "zh", "es"] {
        assert_contains(
            &page,
            &format!(
                "<link rel=\"alternate\" hreflang=\"{lang}\" href=\"{base}/{lang}/esim/qr-code/\">"
            ),
            "zh/esim/qr-code/index.html",
        );
    }
    assert_contains(
        &page,
        &format!(
            "<link rel=\"alternate\" hreflang=\"x-default\" href=\"{base}/en/esim/qr-code/\">"
        ),
        "zh/esim/qr-code/index.html",
    );
}

#[test]
fn example_site_sitemap_lists_alternates_and_x_default() {
    let b = build_example();
    let sitemap = b.read("sitemap.xml");
    assert!(sitemap.starts_with("<?xml"), "{sitemap}");
    assert_contains(
        &sitemap,
        "xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"",
        "sitemap.xml",
    );
    let entry = between(
        &sitemap,
        "<loc>https://guides.example.org/zh/esim/qr-code/</loc>",
        "</url>",
    );
    assert_contains(
        entry,
        "<xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://guides.example.org/en/esim/qr-code/\"/>",
        "the sitemap entry of zh/esim/qr-code",
    );
    assert_contains(
        entry,
        "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://guides.example.org/en/esim/qr-code/\"/>",
        "the sitemap entry of zh/esim/qr-code",
    );
}

#[test]
fn example_site_untranslated_page_is_published_as_a_fallback_with_a_notice() {
    let b = build_example();
    let rel = untranslated_in_arabic().remove(0);
    let path = url_path(&rel);
    let page = b.read(&format!("ar/{path}/index.html"));
    let what = format!("ar/{path}/index.html");
    assert_contains(&page, "<html lang=\"ar\" dir=\"rtl\"", &what);
    let notice = i18n_string("ar", "not_translated").replace("{lang}", "العربية");
    assert_contains(&page, &notice, &what);
    assert_contains(&page, &format!("href=\"/en/{path}/\""), &what);
    // The text is English: marked so for screen readers and search.
    assert_contains(&page, "lang=\"en\" dir=\"ltr\"", &what);
}

#[test]
fn example_site_fallback_page_has_no_alternates_and_a_canonical_to_the_original() {
    let b = build_example();
    let rel = untranslated_in_arabic().remove(0);
    let path = url_path(&rel);
    let page = b.read(&format!("ar/{path}/index.html"));
    let what = format!("ar/{path}/index.html");
    let hreflang_links: Vec<&str> = page
        .split("<link ")
        .skip(1)
        .map(|l| &l[..l.find('>').unwrap_or(l.len())])
        .filter(|l| l.contains("hreflang="))
        .collect();
    assert!(
        hreflang_links.is_empty(),
        "{what} must have no hreflang alternates: {hreflang_links:?}"
    );
    assert_contains(
        &page,
        &format!("<link rel=\"canonical\" href=\"https://guides.example.org/en/{path}/\">"),
        &what,
    );
}

#[test]
fn example_site_sitemap_leaves_out_fallback_pages() {
    let b = build_example();
    let sitemap = b.read("sitemap.xml");
    for rel in untranslated_in_arabic() {
        let path = url_path(&rel);
        assert_not_contains(
            &sitemap,
            &format!("https://guides.example.org/ar/{path}/"),
            "sitemap.xml",
        );
        assert_contains(
            &sitemap,
            &format!("<loc>https://guides.example.org/en/{path}/</loc>"),
            "sitemap.xml",
        );
    }
}
