//! The built-in theme's chrome in every language: the site title and description given
//! per language in site.yaml, the sidebar (sections of the language, fallbacks keeping
//! their original title and saying so, the current page marked) and the language menu.
//! Fixture: `tests/fixtures/translated-chrome/`; browser checks are in `browser.rs`.

use crate::common::*;

#[test]
fn the_site_title_and_description_can_be_given_per_language() {
    let b = build_fixture("translated-chrome");
    let es = b.read("es/guides/one/index.html");
    assert_contains(&es, "<title>Primera guía · Mis guías</title>", "es page");
    assert_contains(
        &es,
        "<a class=\"site-title\" href=\"/es/\">Mis guías</a>",
        "es header",
    );
    let en = b.read("en/guides/one/index.html");
    assert_contains(&en, "<title>First guide · My guides</title>", "en page");
    // A language without its own entry gets the default language's.
    let ar = b.read("ar/index.html");
    assert_contains(
        &ar,
        "<a class=\"site-title\" href=\"/ar/\">My guides</a>",
        "ar header",
    );
    // Feeds and the language chooser use it too.
    assert_contains(&b.read("es/atom.xml"), "<title>Mis guías · ", "es feed");
    let root = b.read("index.html");
    assert_contains(&root, "<title>My guides</title>", "the chooser");
    assert_contains(
        &root,
        "<meta name=\"description\" content=\"Guides in English.\">",
        "the chooser",
    );
}

#[test]
fn a_per_language_title_naming_an_unknown_language_is_an_error_with_its_line() {
    let dir = copy_site(&fixture("translated-chrome"));
    let root = dir.path().join("site");
    let yaml = std::fs::read_to_string(root.join("site.yaml")).unwrap();
    std::fs::write(
        root.join("site.yaml"),
        yaml.replace("  es: Mis guías", "  fr: Mes guides"),
    )
    .unwrap();
    let r = build_fails(&root);
    r.stderr_has("error: site.yaml:3:")
        .stderr_has("`title` has an entry for `fr`, which is not in `languages`")
        .stderr_has("the languages are: en, es, ar");

    std::fs::write(
        root.join("site.yaml"),
        yaml.replace("  en: Guides in English.\n", ""),
    )
    .unwrap();
    build_fails(&root)
        .stderr_has("error: site.yaml:6:")
        .stderr_has("`description` has no entry for the default language `en`");

    std::fs::write(
        root.join("site.yaml"),
        yaml.replace(
            "title:\n  en: My guides\n  es: Mis guías\n",
            "title: [My guides]\n",
        ),
    )
    .unwrap();
    build_fails(&root)
        .stderr_has("error: site.yaml:")
        .stderr_has("`title` must be a text, or a map of language code to text, not a list");
}

#[test]
fn the_sidebar_lists_the_languages_own_sections_and_marks_fallbacks() {
    let b = build_fixture("translated-chrome");
    let es = b.read("es/guides/one/index.html");
    let nav = between(&es, "<nav class=\"site-nav\"", "</nav>");
    // The translated section under its own title, open, with the current page marked.
    assert_contains(nav, "<li class=\"nav-group is-open\">", "es sidebar");
    assert_contains(
        nav,
        "href=\"/es/guides/\" aria-current=\"true\"><span class=\"nav-label\">Guías</span>",
        "es sidebar",
    );
    assert_contains(nav, "href=\"/es/guides/one/\" aria-current=\"page\"><span class=\"nav-label\">Primera guía</span>", "es sidebar");
    // The untranslated section keeps its original title, in its language, and says so.
    assert_contains(
        nav,
        "href=\"/es/extra/\"><span class=\"nav-label\" lang=\"en\" dir=\"ltr\">Extra things</span> <span class=\"nav-untranslated\"><span lang=\"en\" dir=\"ltr\">English</span><span class=\"visually-hidden\">, aún sin traducir</span></span>",
        "es sidebar",
    );
    assert_not_contains(nav, "/en/", "es sidebar");

    // A fallback page in a right-to-left language: the English text is marked English and
    // left to right, title included; the language menu says Arabic is a fallback here.
    let ar = b.read("ar/extra/two/index.html");
    assert_contains(&ar, "<html lang=\"ar\" dir=\"rtl\"", "ar fallback");
    assert_contains(
        &ar,
        "<h1 lang=\"en\" dir=\"ltr\">Second guide</h1>",
        "ar fallback",
    );
    assert_contains(
        &ar,
        "<div class=\"content\" lang=\"en\" dir=\"ltr\">",
        "ar fallback",
    );
    let menu = between(&ar, "<nav class=\"lang-switcher\"", "</nav>");
    assert_contains(
        menu,
        "data-lang-choice=\"ar\" aria-current=\"true\" class=\"fallback\"><span lang=\"ar\" dir=\"rtl\">العربية</span> <small>(",
        menu,
    );
    assert_contains(
        menu,
        "data-lang-choice=\"en\"><span lang=\"en\" dir=\"ltr\">English</span></a>",
        menu,
    );
}

#[test]
fn pages_load_no_search_script_until_search_is_used() {
    let b = build_fixture("translated-chrome");
    for page in [
        "en/guides/one/index.html",
        "es/index.html",
        "en/search/index.html",
    ] {
        let html = b.read(page);
        assert_not_contains(&html, "pagefind-ui", page);
        assert_not_contains(&html, "<script src=\"/en/pagefind", page);
        assert_contains(&html, "data-bundle=\"/", page);
    }
    let search = b.read("es/search/index.html");
    assert_contains(
        &search,
        "<form class=\"search-form\" action=\"/es/search/\"",
        "search page",
    );
    assert_contains(
        &search,
        "<label class=\"visually-hidden\" for=\"search-page-q\">",
        "search page",
    );
    assert_contains(&search, "<meta name=\"description\"", "search page");
}

/// Gzipped size of `bytes` (default level, as a static host would serve it).
fn gzipped(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

#[test]
fn a_guide_page_loads_under_20_kb_gzipped_before_any_search() {
    let site = crate::browser::example_site();
    for lang in ["en", "zh", "es", "ar"] {
        let rel = format!("{lang}/esim/in-app/index.html");
        let html = std::fs::read_to_string(site.join(&rel)).unwrap();
        let mut total = gzipped(html.as_bytes());
        let mut parts = vec![format!("{rel} {total}")];
        // Every stylesheet and script the page itself loads.
        for (start, attr) in [
            ("<link rel=\"stylesheet\"", "href=\""),
            ("<script src=", "src=\""),
        ] {
            for tag in html.split(start).skip(1) {
                let tag = &tag[..tag.find('>').unwrap()];
                let href = &tag[tag.find(attr).map(|i| i + attr.len()).unwrap_or(0)..];
                let href = if start.starts_with("<script") {
                    href.trim_start_matches('"')
                } else {
                    href
                };
                let href = &href[..href.find('"').unwrap()];
                assert!(
                    !href.contains("pagefind"),
                    "{rel} loads {href} before search is used"
                );
                let bytes = std::fs::read(site.join(href.trim_start_matches('/'))).unwrap();
                let z = gzipped(&bytes);
                parts.push(format!("{href} {z}"));
                total += z;
            }
        }
        println!("{lang}: {total} bytes gzipped ({})", parts.join(", "));
        assert!(
            parts.len() >= 3,
            "{rel}: the page, its CSS and its JS: {parts:?}"
        );
        assert!(total < 20 * 1024, "{rel}: {total} bytes gzipped: {parts:?}");
    }
}
