//! Big sections (issue #26, item 4): a page's sidebar costs a few KB however many pages
//! its section holds — a window of entries around the current page and a link to the
//! section's own page, which lists them all — while small sections (the example site's)
//! are listed whole as before; a cached rebuild after a page joins a big section equals
//! a build without the cache.

use std::path::Path;

use crate::common::*;

/// Pages in the big section of [`big_site`].
const PAGES: usize = 300;

/// At most this many links in a sidebar of [`big_site`]: home, two top-level sections,
/// a window of eleven entries and the link to the full list, with room to spare.
const MAX_NAV_LINKS: usize = 20;

/// At most this many bytes of sidebar HTML on a page of [`big_site`].
const MAX_NAV_BYTES: usize = 4096;

/// Writes a file of the site at `root` (its folders made as needed).
fn writer(root: &Path) -> impl Fn(&str, &str) {
    let root = root.to_path_buf();
    move |rel, text| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// A site in English and Arabic (right to left, fallback on) with a section `big` of
/// [`PAGES`] pages (`Step 001` … `Step 300`, of which Arabic translates only the first)
/// and a section `small` of three.
fn big_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let write = writer(root);
    write(
        "site.yaml",
        "title: Big sections\nbase_url: https://big.example.org/\nlanguages:\n  - code: en\n    name: English\n  - code: ar\n    name: العربية\n    dir: rtl\nfallback: true\nsearch:\n  enabled: false\n",
    );
    write("content/en/_index.md", "---\ntitle: Home\n---\n");
    write("content/ar/_index.md", "---\ntitle: الرئيسية\n---\n");
    write(
        "content/en/big/_index.md",
        "---\ntitle: Big\nweight: 1\n---\n",
    );
    write(
        "content/ar/big/_index.md",
        "---\ntitle: كبير\nweight: 1\n---\n",
    );
    write(
        "content/en/small/_index.md",
        "---\ntitle: Small\nweight: 2\n---\n",
    );
    for n in 1..=PAGES {
        write(
            &format!("content/en/big/p{n:03}.md"),
            &format!("---\ntitle: Step {n:03}\n---\nText of step {n}.\n"),
        );
    }
    write("content/ar/big/p001.md", "---\ntitle: الخطوة ١\n---\nنص.\n");
    for n in 1..=3 {
        write(
            &format!("content/en/small/s{n}.md"),
            &format!("---\ntitle: Small {n}\n---\nText.\n"),
        );
    }
    tmp
}

/// The sidebar of a page's HTML.
fn nav_of(html: &str) -> &str {
    between(html, "<nav class=\"site-nav\"", "</nav>")
}

/// How many links a piece of HTML holds.
fn links_in(html: &str) -> usize {
    html.matches("<a ").count()
}

#[test]
fn every_page_of_a_big_section_carries_a_small_sidebar() {
    let site = big_site();
    let b = build_ok(site.path());
    for (path, html) in html_files(&b.out()) {
        if !path.contains("/big/") {
            continue;
        }
        let nav = nav_of(&html);
        assert!(
            links_in(nav) <= MAX_NAV_LINKS,
            "{path}: {} sidebar links",
            links_in(nav)
        );
        assert!(
            nav.len() <= MAX_NAV_BYTES,
            "{path}: {} bytes of sidebar",
            nav.len()
        );
    }
}

#[test]
fn a_page_in_a_big_section_has_itself_and_its_neighbours_in_its_sidebar() {
    let site = big_site();
    let b = build_ok(site.path());
    for n in [1usize, 2, 150, 299, 300] {
        let html = b.read(&format!("en/big/p{n:03}/index.html"));
        let nav = nav_of(&html);
        assert_contains(
            nav,
            &format!("href=\"/en/big/p{n:03}/\" aria-current=\"page\""),
            &format!("step {n} marked in its own sidebar"),
        );
        for m in n.saturating_sub(5).max(1)..=(n + 5).min(PAGES) {
            assert_contains(
                nav,
                &format!("href=\"/en/big/p{m:03}/\""),
                &format!("step {m} in the sidebar of step {n}"),
            );
        }
        let shown = (1..=PAGES)
            .filter(|m| nav.contains(&format!("href=\"/en/big/p{m:03}/\"")))
            .count();
        assert_eq!(shown, 11, "step {n}: a window of eleven steps");
        assert_contains(
            nav,
            "href=\"/en/big/\" aria-current=\"true\"",
            "the open section marked as holding the page",
        );
    }
    let far = b.read("en/big/p150/index.html");
    assert_not_contains(nav_of(&far), "href=\"/en/big/p100/\"", "a step far away");
}

#[test]
fn a_big_sections_own_page_lists_every_page_and_every_sidebar_links_to_it() {
    let site = big_site();
    let b = build_ok(site.path());
    let section = b.read("en/big/index.html");
    let listing = between(&section, "<article", "</article>");
    for n in 1..=PAGES {
        assert_contains(
            listing,
            &format!("href=\"/en/big/p{n:03}/\""),
            &format!("step {n} on the section's page"),
        );
    }
    for n in [1usize, 150, 300] {
        let html = b.read(&format!("en/big/p{n:03}/index.html"));
        let more = tag_containing(nav_of(&html), "class=\"nav-more\"")
            .unwrap_or_else(|| panic!("step {n}: no link to the full list"));
        assert_contains(
            more,
            "href=\"/en/big/\"",
            "the full list is the section's page",
        );
        assert_contains(&html, "All 300 in this section", "the link says how many");
    }
}

#[test]
fn a_small_section_is_listed_whole_on_its_pages() {
    let site = big_site();
    let b = build_ok(site.path());
    let nav = nav_of(&b.read("en/small/s2/index.html")).to_string();
    for n in 1..=3 {
        assert_contains(
            &nav,
            &format!("href=\"/en/small/s{n}/\""),
            "a small section's page",
        );
    }
    assert_not_contains(&nav, "nav-more", "no link to a full list");
    assert_not_contains(&nav, "nav-gap", "no gap");
}

#[test]
fn the_example_sites_sidebars_list_their_sections_whole() {
    let b = build_ok(&repo_root());
    let mut checked = 0;
    for (path, html) in html_files(&b.out()) {
        if !html.contains("<nav class=\"site-nav\"") {
            continue;
        }
        let nav = nav_of(&html);
        assert_not_contains(nav, "nav-more", &path);
        assert_not_contains(nav, "nav-gap", &path);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} pages with a sidebar");
    // Every page of a section is in the sidebar of each of its pages.
    let account = html_files(&b.out().join("en/account"));
    let pages: Vec<String> = account
        .keys()
        .filter(|p| p.ends_with("/index.html") && p.contains('/'))
        .map(|p| format!("href=\"/en/account/{}\"", p.trim_end_matches("index.html")))
        .collect();
    assert!(!pages.is_empty());
    for (path, html) in &account {
        for link in &pages {
            assert_contains(nav_of(html), link, &format!("en/account/{path}"));
        }
    }
}

#[test]
fn a_fallback_page_in_a_big_section_keeps_its_language_in_a_right_to_left_sidebar() {
    let site = big_site();
    let b = build_ok(site.path());
    let html = b.read("ar/big/p150/index.html");
    let nav = nav_of(&html);
    assert_contains(
        nav,
        "<li class=\"is-fallback\"><a href=\"/ar/big/p151/\"><span class=\"nav-label\" lang=\"en\" dir=\"ltr\">Step 151</span>",
        "an untranslated neighbour keeps its English title, left to right",
    );
    assert_contains(
        nav,
        "كل العناصر في هذا القسم (300)",
        "the full list's link in Arabic",
    );
    assert_contains(&html, "dir=\"rtl\"", "the page is right to left");
}

/// `waypost --root ROOT build --output OUT` with the build cache in `cache`.
fn cached_build(root: &Path, out: &Path, cache: &Path) {
    run(waypost()
        .env_remove("WAYPOST_NO_CACHE")
        .arg("--root")
        .arg(root)
        .arg("build")
        .arg("--output")
        .arg(out)
        .arg("--cache")
        .arg(cache))
    .assert_success();
}

#[test]
fn a_cached_rebuild_after_a_page_joins_a_big_section_equals_a_build_without_the_cache() {
    let site = big_site();
    let work = tempfile::tempdir().unwrap();
    let (out, cache) = (work.path().join("public"), work.path().join("cache"));
    cached_build(site.path(), &out, &cache);
    // Sorts between steps 150 and 151: the windows of the steps around it move.
    std::fs::write(
        site.path().join("content/en/big/p150b.md"),
        "---\ntitle: Step 150b\n---\nA new step.\n",
    )
    .unwrap();
    cached_build(site.path(), &out, &cache);
    let fresh = build_with(site.path(), &["--no-cache"]);
    fresh.run.assert_success();
    let cached = list_files(&out);
    assert_same_tree(&cached, &list_files(&fresh.out()));
    let nav = String::from_utf8(cached["en/big/p147/index.html"].clone()).unwrap();
    assert_contains(
        nav_of(&nav),
        "href=\"/en/big/p150b/\"",
        "the new step near step 147",
    );
}

/// A site whose language has [`TOPICS`] top-level sections (`Topic 001` …), each with
/// one page, and one page of the home's own (`about`, last by weight).
const TOPICS: usize = 120;

fn many_sections_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let write = writer(root);
    write(
        "site.yaml",
        "title: Many sections\nbase_url: https://many.example.org/\nlanguages:\n  - code: en\n    name: English\nsearch:\n  enabled: false\n",
    );
    write("content/en/_index.md", "---\ntitle: Home\n---\n");
    for n in 1..=TOPICS {
        write(
            &format!("content/en/t{n:03}/_index.md"),
            &format!("---\ntitle: Topic {n:03}\nweight: {n}\n---\n"),
        );
        write(
            &format!("content/en/t{n:03}/guide.md"),
            &format!("---\ntitle: Guide of topic {n:03}\n---\nText.\n"),
        );
    }
    write(
        "content/en/about.md",
        "---\ntitle: About\nweight: 999\n---\nText.\n",
    );
    tmp
}

#[test]
fn among_many_top_level_sections_a_sidebar_shows_a_window_of_them_and_links_to_all() {
    let site = many_sections_site();
    let b = build_ok(site.path());
    for (path, html) in html_files(&b.out()) {
        if !path.starts_with("en/") {
            continue;
        }
        let nav = nav_of(&html);
        assert!(
            links_in(nav) <= MAX_NAV_LINKS,
            "{path}: {} sidebar links",
            links_in(nav)
        );
    }
    // A guide deep in the list: its topic, open and marked, among its neighbours.
    let html = b.read("en/t090/guide/index.html");
    let nav = nav_of(&html);
    assert_contains(
        nav,
        "href=\"/en/t090/\" aria-current=\"true\"",
        "the open topic",
    );
    assert_contains(
        nav,
        "href=\"/en/t090/guide/\" aria-current=\"page\"",
        "the page",
    );
    for m in 85..=95 {
        assert_contains(
            nav,
            &format!("href=\"/en/t{m:03}/\""),
            &format!("topic {m} beside topic 90"),
        );
    }
    assert_not_contains(nav, "href=\"/en/t001/\"", "a topic far away");
    assert_contains(nav, "class=\"nav-gap\"", "the gap before the window");
    let more = tag_containing(nav, "class=\"nav-more\"").expect("a link to every topic");
    assert_contains(more, "href=\"/en/\"", "the home lists them all");
    assert_contains(nav, &format!("All {} topics", TOPICS + 1), "how many");
    // The home's own page, last: in its own window, marked.
    let about = b.read("en/about/index.html");
    assert_contains(
        nav_of(&about),
        "href=\"/en/about/\" aria-current=\"page\"",
        "a page of the home's own",
    );
    // The home lists every topic, for readers without the sidebar's window.
    let home = b.read("en/index.html");
    for n in [1, 60, TOPICS] {
        assert_contains(
            between(&home, "<main", "</main>"),
            &format!("href=\"/en/t{n:03}/\""),
            &format!("topic {n} on the home page"),
        );
    }
}
