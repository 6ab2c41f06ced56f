//! Build features, on the fixture sites `tests/fixtures/features` (Markdown, URLs,
//! sections, navigation, aliases, drafts, `--base-url`) and `tests/fixtures/overrides`
//! (a site's own template and UI strings).

use crate::common::*;

fn features() -> Built {
    build_fixture("features")
}

// ---- front matter and titles ------------------------------------------------------

#[test]
fn page_without_front_matter_builds_and_takes_its_title_from_the_first_heading() {
    let b = features();
    let page = b.read("en/no-front-matter/index.html");
    let what = "en/no-front-matter/index.html";
    assert!(
        between(&page, "<title>", "</title>").starts_with("Title From Heading"),
        "<title> of {what}:\n{page}"
    );
    assert_contains(between(&page, "<h1", "</h1>"), "Title From Heading", what);
    assert_eq!(
        page.matches("<h1").count(),
        1,
        "the heading is rendered once:\n{page}"
    );
    let body = content_of(&page);
    assert_not_contains(body, "Title From Heading", "the page body");
    assert_contains(
        body,
        "<p>First paragraph, used as the description.</p>",
        "the page body",
    );
}

#[test]
fn first_paragraph_is_the_description_when_front_matter_has_none() {
    let b = features();
    assert_contains(
        &b.read("en/no-front-matter/index.html"),
        "<meta name=\"description\" content=\"First paragraph, used as the description.\">",
        "en/no-front-matter/index.html",
    );
}

// ---- headings -----------------------------------------------------------------------

#[test]
fn heading_ids_are_readable_unique_and_keep_chinese_characters() {
    let b = features();
    let body = b.read("en/headings/index.html");
    let body = content_of(&body);
    let ids: Vec<&str> = attr_values(body, "id");
    assert_eq!(
        ids,
        [
            "准备材料",
            "steps",
            "steps-1",
            "steps-2",
            "my-id",
            "back-to-top"
        ],
        "heading ids in order:\n{body}"
    );
}

#[test]
fn explicit_heading_id_is_kept() {
    let b = features();
    let page = b.read("en/headings/index.html");
    assert_contains(
        &page,
        "<h2 id=\"my-id\">Custom anchor ",
        "en/headings/index.html",
    );
    assert_not_contains(&page, "{#my-id}", "en/headings/index.html");
}

#[test]
fn every_heading_has_a_self_link() {
    let b = features();
    let page = b.read("en/headings/index.html");
    let body = content_of(&page);
    for id in [
        "准备材料",
        "steps",
        "steps-1",
        "steps-2",
        "my-id",
        "back-to-top",
    ] {
        let heading = between(body, &format!(" id=\"{id}\">"), "</h");
        assert_contains(
            heading,
            &format!("<a class=\"heading-anchor\" href=\"#{id}\""),
            &format!("heading #{id}"),
        );
    }
}

#[test]
fn table_of_contents_lists_the_headings_nested_by_level() {
    let b = features();
    let page = b.read("en/headings/index.html");
    let toc = between(&page, "<nav class=\"toc\"", "</nav>");
    assert_contains(toc, "On this page", "the table of contents");
    // Every heading of levels 2–4, in order.
    let hrefs = attr_values(toc, "href");
    assert_eq!(
        hrefs,
        [
            "#准备材料",
            "#steps",
            "#steps-1",
            "#steps-2",
            "#my-id",
            "#back-to-top"
        ],
        "{toc}"
    );
    // The h3 is nested in a list under its h2: a list opens between them and closes
    // before the next h2.
    let under_steps = between(toc, "href=\"#steps\"", "href=\"#steps-1\"");
    assert!(
        under_steps.contains("<ol") || under_steps.contains("<ul"),
        "#steps-1 is nested under #steps:\n{toc}"
    );
    let after_nested = between(toc, "href=\"#steps-1\"", "href=\"#steps-2\"");
    assert!(
        after_nested.contains("</ol>") || after_nested.contains("</ul>"),
        "#steps-2 is back at the top level:\n{toc}"
    );
}

// ---- extended Markdown -------------------------------------------------------------

#[test]
fn alerts_render_as_callouts_with_english_labels() {
    let b = features();
    let page = b.read("en/alerts/index.html");
    for (class, label) in [
        ("note", "Note"),
        ("tip", "Tip"),
        ("important", "Important"),
        ("warning", "Warning"),
        ("caution", "Caution"),
    ] {
        assert_contains(
            &page,
            &format!("<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{label}</p>"),
            "en/alerts/index.html",
        );
    }
    assert_not_contains(&page, "[!NOTE]", "en/alerts/index.html");
    assert_not_contains(&page, "<blockquote", "en/alerts/index.html");
}

#[test]
fn alerts_in_a_chinese_page_use_the_chinese_labels_of_i18n_zh() {
    let b = features();
    let page = b.read("zh/alerts/index.html");
    // The labels of the built-in i18n/zh.yaml (`alerts:`).
    for (class, label) in [
        ("note", "说明"),
        ("tip", "提示"),
        ("important", "重要"),
        ("warning", "警告"),
        ("caution", "注意"),
    ] {
        assert_contains(
            &page,
            &format!("<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{label}</p>"),
            "zh/alerts/index.html",
        );
    }
    assert_contains(
        &page,
        "<html lang=\"zh\" dir=\"ltr\"",
        "zh/alerts/index.html",
    );
}

#[test]
fn tables_render_with_alignment() {
    let b = features();
    let body = b.read("en/extended/index.html");
    assert_contains(
        &body,
        "<table><thead><tr><th style=\"text-align: left\">Path</th><th style=\"text-align: right\">Time</th></tr></thead>",
        "en/extended/index.html",
    );
    assert_contains(
        &body,
        "<td style=\"text-align: right\">10 min</td>",
        "en/extended/index.html",
    );
}

#[test]
fn footnotes_link_to_their_definition() {
    let b = features();
    let body = b.read("en/extended/index.html");
    assert_contains(
        &body,
        "A claim with a footnote.<sup class=\"footnote-ref\"><a href=\"#fn-source\">1</a></sup>",
        "en/extended/index.html",
    );
    assert_contains(&body, "id=\"fn-source\"", "en/extended/index.html");
    assert_contains(&body, "The footnote text.", "en/extended/index.html");
}

#[test]
fn strikethrough_renders_as_del() {
    let b = features();
    assert_contains(
        &b.read("en/extended/index.html"),
        "This is <del>wrong</del> right.",
        "en/extended/index.html",
    );
}

#[test]
fn task_lists_render_as_disabled_checkboxes() {
    let b = features();
    let body = b.read("en/extended/index.html");
    assert_contains(
        &body,
        "<input disabled=\"\" type=\"checkbox\" checked=\"\"/>",
        "en/extended/index.html",
    );
    assert_contains(
        &body,
        "<input disabled=\"\" type=\"checkbox\"/>",
        "en/extended/index.html",
    );
    assert_not_contains(&body, "[x]", "en/extended/index.html");
}

#[test]
fn smart_punctuation_curls_quotes_and_joins_dashes_and_ellipses() {
    let b = features();
    assert_contains(
        &b.read("en/extended/index.html"),
        "<p>“Smart quotes” – and an ellipsis…</p>",
        "en/extended/index.html",
    );
}

// ---- links and files ---------------------------------------------------------------

#[test]
fn relative_md_links_with_anchors_become_urls() {
    let b = features();
    let page = b.read("en/guides/alpha/index.html");
    let body = content_of(&page);
    assert_contains(
        body,
        "<a href=\"/en/guides/beta/#steps\">the beta steps</a>",
        "alpha",
    );
    assert_contains(body, "<a href=\"/en/\">home</a>", "alpha");
    assert_contains(body, "<a href=\"/en/guides/\">the section</a>", "alpha");
    assert_contains(
        body,
        "<a href=\"/en/special-names/c%2B%2B/\">a special name</a>",
        "alpha",
    );
    assert_not_contains(body, ".md", "alpha");
}

#[test]
fn image_next_to_a_page_is_copied_and_its_url_rewritten() {
    let b = features();
    b.assert_file("en/guides/diagram.svg");
    assert_eq!(
        std::fs::read(b.path("en/guides/diagram.svg")).unwrap(),
        std::fs::read(fixture("features/content/en/guides/diagram.svg")).unwrap()
    );
    assert_contains(
        &b.read("en/guides/alpha/index.html"),
        "<img src=\"/en/guides/diagram.svg\" alt=\"A diagram\" width=\"10\" height=\"10\" decoding=\"async\" />",
        "en/guides/alpha/index.html (sized from the SVG's own width and height)",
    );
}

#[test]
fn folder_without_index_is_a_section_titled_from_its_name() {
    let b = features();
    let page = b.read("en/special-names/index.html");
    assert_contains(
        between(&page, "<h1", "</h1>"),
        ">Special names",
        "en/special-names/index.html",
    );
    assert!(
        between(&page, "<title>", "</title>").starts_with("Special names"),
        "{page}"
    );
    for title in ["Bang", "C plus plus", "Percent", "With space", "中文页面"] {
        assert_contains(
            &page,
            &format!("/\">{title}</a>"),
            "en/special-names/index.html",
        );
    }
}

#[test]
fn special_file_names_get_output_folders_of_the_same_name() {
    let b = features();
    for name in ["c++", "!", "%", "with space", "中文"] {
        b.assert_file(&format!("en/special-names/{name}/index.html"));
    }
}

#[test]
fn links_to_special_file_names_are_percent_encoded() {
    let b = features();
    let links = b.read("en/links/index.html");
    let section = b.read("en/special-names/index.html");
    for (title, href) in [
        ("c++", "/en/special-names/c%2B%2B/"),
        ("bang", "/en/special-names/!/"),
        ("percent", "/en/special-names/%25/"),
        ("space", "/en/special-names/with%20space/"),
        ("chinese", "/en/special-names/%E4%B8%AD%E6%96%87/"),
    ] {
        assert_contains(
            &links,
            &format!("<a href=\"{href}\">{title}</a>"),
            "en/links/index.html",
        );
        assert_contains(
            &section,
            &format!("<a href=\"{href}\">"),
            "en/special-names/index.html",
        );
    }
    // A Chinese heading anchor on another page.
    let href = attr_values(content_of(&links), "href")
        .into_iter()
        .find(|h| h.starts_with("/en/headings/"))
        .expect("the link to the Chinese heading");
    assert!(
        href == "/en/headings/#准备材料"
            || href == "/en/headings/#%E5%87%86%E5%A4%87%E6%9D%90%E6%96%99",
        "{href}"
    );
}

// ---- sections and navigation -------------------------------------------------------

#[test]
fn section_lists_its_pages_by_weight_then_title() {
    let b = features();
    let page = b.read("en/guides/index.html");
    let list = content_after_header(&page);
    let order: Vec<usize> = ["beta", "alpha", "delta", "gamma"]
        .iter()
        .map(|t| position(list, &format!("href=\"/en/guides/{t}/\"")))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "order Beta, Alpha, Delta, Gamma:\n{list}"
    );
}

/// A page's `<main>` after its breadcrumbs: the listing of a section.
fn content_after_header(page: &str) -> &str {
    let main = between(page, "<main", "</main>");
    match main.find("</h1>") {
        Some(i) => &main[i..],
        None => main,
    }
}

#[test]
fn prev_and_next_follow_the_section_order() {
    let b = features();
    let rel = |page: &str, rel: &str| href_of_rel(&b.read(page), rel);
    let alpha = "en/guides/alpha/index.html";
    assert_eq!(rel(alpha, "prev").as_deref(), Some("/en/guides/beta/"));
    assert_eq!(rel(alpha, "next").as_deref(), Some("/en/guides/delta/"));
    let beta = "en/guides/beta/index.html";
    assert_eq!(rel(beta, "prev"), None, "beta is the first page");
    assert_eq!(rel(beta, "next").as_deref(), Some("/en/guides/alpha/"));
    let gamma = "en/guides/gamma/index.html";
    assert_eq!(rel(gamma, "prev").as_deref(), Some("/en/guides/delta/"));
    assert_eq!(rel(gamma, "next"), None, "gamma is the last page");
}

#[test]
fn breadcrumbs_lead_from_the_home_to_the_page() {
    let b = features();
    let page = b.read("en/guides/alpha/index.html");
    let crumbs = between(&page, "<nav class=\"breadcrumbs\"", "</nav>");
    assert_eq!(
        attr_values(crumbs, "href"),
        ["/en/", "/en/guides/"],
        "{crumbs}"
    );
    let order = [">Feature fixture<", ">Guides<", ">Alpha<"].map(|t| position(crumbs, t));
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{crumbs}");
}

#[test]
fn aliases_become_redirect_pages() {
    let b = features();
    let redirect = b.read("en/old-alpha/index.html");
    assert_contains(
        &redirect,
        "<meta http-equiv=\"refresh\" content=\"0; url=/en/guides/alpha/\">",
        "the alias",
    );
    assert_contains(
        &redirect,
        "<link rel=\"canonical\" href=\"https://fixture.example.com/en/guides/alpha/\">",
        "the alias",
    );
    assert_contains(&redirect, "<a href=\"/en/guides/alpha/\">", "the alias");
}

// ---- drafts ------------------------------------------------------------------------

#[test]
fn draft_pages_are_left_out_by_default() {
    let b = features();
    b.assert_no_file("en/guides/draft-page/index.html");
    b.assert_no_file("zh/guides/draft-page/index.html");
    assert_not_contains(
        &b.read("en/guides/index.html"),
        "Draft page",
        "en/guides/index.html",
    );
    assert_not_contains(&b.read("sitemap.xml"), "draft-page", "sitemap.xml");
}

#[test]
fn draft_pages_are_built_with_the_drafts_flag() {
    let b = build_with(&fixture("features"), &["--drafts"]);
    b.run.assert_success();
    b.assert_file("en/guides/draft-page/index.html");
    assert_contains(
        &b.read("en/guides/index.html"),
        ">Draft page</a>",
        "en/guides/index.html",
    );
}

// ---- --base-url --------------------------------------------------------------------

#[test]
fn base_url_flag_puts_every_link_under_its_path_and_in_canonical_urls() {
    let b = build_with(
        &fixture("features"),
        &["--base-url", "https://example.org/sub/"],
    );
    b.run.assert_success();
    for (file, html) in html_files(&b.out()) {
        if file.contains("pagefind") {
            continue;
        }
        for attr in ["href", "src", "action"] {
            for v in attr_values(&html, attr) {
                if v.starts_with('/') {
                    assert!(
                        v.starts_with("/sub/"),
                        "{file}: {attr}=\"{v}\" is not under /sub/"
                    );
                }
            }
        }
        if let Some(refresh) = html.find("url=/") {
            assert!(
                html[refresh..].starts_with("url=/sub/"),
                "{file}: redirect not under /sub/"
            );
        }
    }
    let alpha = b.read("en/guides/alpha/index.html");
    assert_contains(
        &alpha,
        "<link rel=\"canonical\" href=\"https://example.org/sub/en/guides/alpha/\">",
        "en/guides/alpha/index.html",
    );
    assert_contains(
        &alpha,
        "href=\"/sub/en/guides/beta/#steps\"",
        "en/guides/alpha/index.html",
    );
    assert_contains(
        &alpha,
        "src=\"/sub/en/guides/diagram.svg\"",
        "en/guides/alpha/index.html",
    );
    let sitemap = b.read("sitemap.xml");
    assert_contains(
        &sitemap,
        "<loc>https://example.org/sub/en/guides/alpha/</loc>",
        "sitemap.xml",
    );
    assert_not_contains(&sitemap, "fixture.example.com", "sitemap.xml");
    assert_contains(
        &b.read("robots.txt"),
        "Sitemap: https://example.org/sub/sitemap.xml",
        "robots.txt",
    );
}

// ---- a site's own templates and strings --------------------------------------------

#[test]
fn site_page_template_replaces_the_builtin_one_and_other_templates_stay_builtin() {
    let b = build_fixture("overrides");
    let page = b.read("en/topics/first/index.html");
    assert_contains(
        &page,
        "<p class=\"site-page-template\">Custom page template: First topic</p>",
        "the page",
    );
    assert_not_contains(&page, "/waypost.", "the page (not the built-in base)");
    let section = b.read("en/topics/index.html");
    // The built-in section and base templates: the theme's stylesheet and the listing.
    assert_contains(
        &section,
        "rel=\"stylesheet\" href=\"/waypost.",
        "the section",
    );
    assert_contains(&section, "href=\"/en/topics/first/\"", "the section");
    assert_not_contains(&section, "site-page-template", "the section");
}

#[test]
fn site_i18n_file_overrides_one_key_and_keeps_the_builtin_others() {
    let b = build_fixture("overrides");
    let section = b.read("en/topics/index.html");
    assert_contains(
        &section,
        "Fixture footer from the site i18n/en.yaml",
        "the section",
    );
    assert_contains(
        &section,
        ">Skip to content</a>",
        "the section (a key the site does not override)",
    );
    assert_contains(
        &b.read("en/topics/first/index.html"),
        "<footer>Fixture footer from the site i18n/en.yaml</footer>",
        "the page",
    );
}

#[test]
fn site_static_files_are_copied_and_replace_the_builtin_ones() {
    let b = build_fixture("overrides");
    assert_eq!(
        std::fs::read(b.path("waypost.css")).unwrap(),
        std::fs::read(fixture("overrides/static/waypost.css")).unwrap(),
        "the site's static/waypost.css replaces the built-in one"
    );
    assert_eq!(
        b.read("files/readme.txt"),
        "A file from the site static folder.\n"
    );
    b.assert_file("waypost.js");
}

// ---- more of the site model --------------------------------------------------------

#[test]
fn translation_key_links_translations_whose_paths_differ() {
    let b = features();
    let beta = b.read("en/guides/beta/index.html");
    assert_contains(
        &beta,
        "<link rel=\"alternate\" hreflang=\"zh\" href=\"https://fixture.example.com/zh/beta-translated/\">",
        "en/guides/beta/index.html",
    );
    // Translated, so no fallback copy at the English path.
    b.assert_no_file("zh/guides/beta/index.html");
    assert_contains(
        &b.read("zh/beta-translated/index.html"),
        "<link rel=\"alternate\" hreflang=\"en\" href=\"https://fixture.example.com/en/guides/beta/\">",
        "zh/beta-translated/index.html",
    );
}

#[test]
fn slug_replaces_the_last_url_segment() {
    let b = features();
    b.assert_file("en/custom-slug/index.html");
    b.assert_no_file("en/slugged/index.html");
    assert_contains(
        &b.read("en/custom-slug/index.html"),
        "<link rel=\"canonical\" href=\"https://fixture.example.com/en/custom-slug/\">",
        "en/custom-slug/index.html",
    );
}

#[test]
fn titles_and_descriptions_are_html_escaped() {
    let b = features();
    let page = b.read("en/escaping/index.html");
    let what = "en/escaping/index.html";
    assert_contains(
        between(&page, "<h1", "</h1>"),
        ">Fish &amp; &lt;Chips&gt; &quot;quoted&quot;",
        what,
    );
    assert_contains(
        &page,
        "<meta name=\"description\" content=\"Tags &lt;b&gt;stay&lt;/b&gt; text &amp; so do ampersands.\">",
        what,
    );
    assert_not_contains(&page, "<Chips>", what);
    assert_not_contains(&page, "<b>stay", what);
}

#[test]
fn every_page_has_the_navigation_of_its_language() {
    let b = features();
    for page in [
        "en/index.html",
        "en/guides/alpha/index.html",
        "en/special-names/c++/index.html",
    ] {
        let html = b.read(page);
        let nav = between(&html, "<nav class=\"site-nav\"", "</nav>");
        assert_contains(nav, "href=\"/en/guides/\"", page);
        assert_contains(nav, "href=\"/en/special-names/\"", page);
    }
    let zh = b.read("zh/index.html");
    let nav = between(&zh, "<nav class=\"site-nav\"", "</nav>");
    assert_contains(nav, "href=\"/zh/guides/\"", "zh/index.html");
    assert_not_contains(nav, "/en/", "zh/index.html");
}

#[test]
fn sitemap_urls_of_special_file_names_are_percent_encoded() {
    let b = features();
    let sitemap = b.read("sitemap.xml");
    for enc in ["c%2B%2B", "!", "%25", "with%20space", "%E4%B8%AD%E6%96%87"] {
        assert_contains(
            &sitemap,
            &format!("<loc>https://fixture.example.com/en/special-names/{enc}/</loc>"),
            "sitemap.xml",
        );
    }
    assert_not_contains(&sitemap, "with space", "sitemap.xml");
}

#[test]
fn hidden_and_editor_temporary_files_are_skipped() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let broken = "---\nthis is: [not valid\n";
    for name in [
        ".hidden.md",
        "notes.md~",
        "#notes.md#",
        ".#notes.md",
        "notes.md.swp",
    ] {
        std::fs::write(site.join("content/en/topics").join(name), broken).unwrap();
    }
    std::fs::create_dir_all(site.join("content/en/.drafts")).unwrap();
    std::fs::write(site.join("content/en/.drafts/secret.md"), broken).unwrap();
    let b = build_ok(&site);
    let files = list_files(&b.out());
    for f in files.keys() {
        assert!(
            !f.contains("hidden")
                && !f.contains("notes")
                && !f.contains("drafts")
                && !f.contains("secret"),
            "{f} should not be published"
        );
    }
    b.assert_file("en/topics/first/index.html");
}

#[test]
fn missing_ui_strings_fall_back_to_english_key_by_key() {
    let b = build_fixture("i18n-fallback");
    let page = b.read("fr/page/index.html");
    let what = "fr/page/index.html";
    assert_contains(&page, "<html lang=\"fr\" dir=\"ltr\"", what);
    // From the site's i18n/fr.yaml.
    assert_contains(&page, ">Sur cette page</summary>", what);
    assert_contains(&page, "<p class=\"callout-title\">Remarque</p>", what);
    // Not in fr.yaml (even a sibling key of the same map): English.
    assert_contains(&page, "<p class=\"callout-title\">Tip</p>", what);
    assert_contains(&page, ">Skip to content</a>", what);
}

#[test]
fn byte_order_mark_before_front_matter_is_ignored() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    std::fs::write(
        site.join("content/en/topics/bom.md"),
        "\u{feff}---\ntitle: With a BOM\n---\n\nBody.\n",
    )
    .unwrap();
    let b = build_ok(&site);
    let page = b.read("en/topics/bom/index.html");
    assert_contains(&page, "<title>With a BOM</title>", "the page");
    assert_not_contains(&page, "title: With a BOM", "the page");
}

#[test]
fn windows_line_endings_are_read() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    std::fs::write(
        site.join("content/en/topics/crlf.md"),
        "---\r\ntitle: With CRLF\r\nweight: 1\r\n---\r\n\r\n## A heading\r\n\r\nBody.\r\n",
    )
    .unwrap();
    let b = build_ok(&site);
    let page = b.read("en/topics/crlf/index.html");
    assert_contains(&page, "<title>With CRLF</title>", "the page");
    assert_contains(&page, "<h2 id=\"a-heading\">", "the page");
}

/// A one-language site with a page of raw HTML next to `diagram.svg` and `other.md`.
fn raw_html_site(page: &str) -> tempfile::TempDir {
    english_site([
        ("content/en/guides/page.md", page),
        (
            "content/en/guides/other.md",
            "---\ntitle: Other\n---\n\n## Step two\n\nText.\n",
        ),
        (
            "content/en/guides/diagram.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ),
    ])
}

#[test]
fn urls_in_raw_html_are_resolved_like_markdown_links_and_images() {
    let site = raw_html_site(
        "---\ntitle: Raw\n---\n\n<figure>\n<img\n  src=\"diagram.svg\" alt=\"The paths\">\n<figcaption><a href=\"other.md#step-two\">Step two</a></figcaption>\n</figure>\n\nInline <img src=\"diagram.svg\" alt=\"small\"> and <a href=\"other.md\">the other page</a>, <a href=\"https://example.org/x\">outside</a>.\n",
    );
    let b = build_ok(site.path());
    let page = b.read("en/guides/page/index.html");
    let body = content_of(&page);
    // A tag spread over two lines of an HTML block is still found.
    assert_contains(
        body,
        "src=\"/en/guides/diagram.svg\" alt=\"The paths\"",
        "block image",
    );
    assert_contains(
        body,
        "<a href=\"/en/guides/other/#step-two\">Step two</a>",
        "block link",
    );
    assert_contains(
        body,
        "<img src=\"/en/guides/diagram.svg\" alt=\"small\" decoding=\"async\" loading=\"lazy\">",
        "inline image (the images stage adds how to load it; the file has no size)",
    );
    assert_contains(
        body,
        "<a href=\"/en/guides/other/\">the other page</a>",
        "inline link",
    );
    assert_contains(body, "<a href=\"https://example.org/x\"", "external link");
    assert_not_contains(body, ".md", "raw HTML");
    b.assert_file("en/guides/diagram.svg");
}

#[test]
fn a_broken_link_in_raw_html_is_an_error_at_its_line() {
    let site = raw_html_site(
        "---\ntitle: Raw\n---\n\nText.\n\n<p>See <a href=\"missing.md\">the missing page</a>.</p>\n",
    );
    build_fails(site.path())
        .stderr_has("page.md:7")
        .stderr_has("missing.md");
}

#[test]
fn the_theme_stylesheet_and_script_get_content_hashed_names_that_every_page_follows() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let css_name = |b: &Built| -> String {
        let page = b.read("en/index.html");
        let href = attr_values(&page, "href")
            .into_iter()
            .find(|h| h.contains("waypost.") && h.ends_with(".css"))
            .expect("a stylesheet link")
            .to_string();
        href.trim_start_matches('/').to_string()
    };
    let first = build_ok(&site);
    let name = css_name(&first);
    assert!(
        name.len() == "waypost.12345678.css".len() && name.starts_with("waypost."),
        "{name}"
    );
    assert_eq!(
        std::fs::read(first.path(&name)).unwrap(),
        std::fs::read(first.path("waypost.css")).unwrap(),
        "the hashed copy is the published stylesheet (the plain name stays for templates that use it)"
    );
    let js = attr_values(&first.read("en/index.html"), "src")
        .into_iter()
        .find(|s| s.contains("waypost.") && s.ends_with(".js"))
        .map(|s| s.trim_start_matches('/').to_string())
        .expect("the theme script");
    first.assert_file(&js);
    // Every page links the same name.
    for (file, html) in html_files(&first.out()) {
        if html.contains("stylesheet") {
            assert_contains(&html, &format!("/{name}"), &file);
        }
    }
    // Same bytes, same name; another stylesheet, another name.
    assert_eq!(css_name(&build_ok(&site)), name);
    let css = site.join("static/waypost.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str("\nbody { color: #123; }\n");
    std::fs::write(&css, text).unwrap();
    let changed = build_ok(&site);
    assert_ne!(css_name(&changed), name);
    changed.assert_file(&css_name(&changed));
}
