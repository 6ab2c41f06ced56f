//! Hostile input: content nobody has reviewed must build into a site that is safe to
//! publish, or fail with a clear error — never run code in a reader's browser, write
//! outside the output folder, panic, hang or eat the machine.
//!
//! Fixtures under `tests/fixtures/hostile/`: `html` (raw HTML and front matter full of
//! payloads, each calling `alert('xss-…')` so a leak is easy to spot), `unsafe-html` (a
//! site that opts out of sanitizing), `bad-slugs` and `bad-aliases` (paths that try to
//! leave the output folder). Big or odd inputs (a 50 MB page, 10,000 levels of nesting, a
//! YAML alias bomb, invalid UTF-8, a symlink loop) are generated at test time into
//! temporary folders and built under a hang guard ([`KILL_AFTER`]) and an address-space
//! cap ([`MEMORY_CAP_KIB`]).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Hang guard: a run still going after this long is killed and the test fails. Not a
/// timing assertion: a correct run takes a small fraction of it.
const KILL_AFTER: Duration = Duration::from_secs(120);

/// Address space a run on generated big input may use (`ulimit -v`, KiB): a runaway
/// allocation ends the run instead of exhausting the machine, and fails the test.
const MEMORY_CAP_KIB: u64 = 4 * 1024 * 1024;

/// Runs `waypost --root ROOT build --output OUT` under the hang guard and memory cap.
fn guarded_build(root: &Path, out: &Path) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_CAP_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_waypost"))
        .arg("--root")
        .arg(root)
        .arg("build")
        .arg("--output")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("WAYPOST_NO_CACHE", "1")
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE");
    guarded(&mut cmd)
}

/// Runs `cmd`, killing it after [`KILL_AFTER`] (and failing the test).
fn guarded(cmd: &mut Command) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + KILL_AFTER;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for waypost") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "waypost still running after {} s: killed (a hang?)\n--- stderr ---\n{}",
                KILL_AFTER.as_secs(),
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// A minimal site in `<tmp>/site` with `pages` (path under content/en → bytes).
fn generated_site(pages: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("content/en")).unwrap();
    std::fs::write(
        site.join("site.yaml"),
        "title: Generated\nbase_url: https://generated.example.com/\nlanguages:\n  - code: en\n    name: English\n",
    )
    .unwrap();
    std::fs::write(site.join("content/en/_index.md"), "---\ntitle: Home\n---\n").unwrap();
    for (rel, bytes) in pages {
        let p = site.join("content/en").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    tmp
}

// --- A small HTML tokenizer, enough to see what a browser would see. ---

/// One start tag.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    /// For `<script>` and `<style>`: the raw text up to the end tag.
    text: String,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Start tags of `html` in order, attribute names lowercased and values entity-decoded,
/// skipping comments; the contents of `script`, `style`, `textarea` and `title` are read
/// as raw text, as browsers do.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |j| i + j + 3);
            continue;
        }
        if i + 1 >= b.len() || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' {
                j += 1;
                break;
            }
            let start = j;
            while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/')
            {
                j += 1;
            }
            if j == start {
                j += 1;
                continue;
            }
            let an = html[start..j].to_ascii_lowercase();
            let mut value = String::new();
            if j < b.len() && b[j] == b'=' {
                j += 1;
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    let ve = html[vs..]
                        .bytes()
                        .position(|c| c == q)
                        .map_or(b.len(), |k| vs + k);
                    value = html[vs..ve].to_string();
                    j = ve + 1;
                } else {
                    let vs = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = html[vs..j].to_string();
                }
            }
            attrs.push((an, decode_entities(&value)));
        }
        let mut text = String::new();
        if matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            let end = format!("</{name}");
            let lower = html[j.min(b.len())..].to_ascii_lowercase();
            let k = lower.find(&end).map_or(b.len(), |k| j + k);
            text = html[j.min(b.len())..k].to_string();
            j = k;
        }
        out.push(Tag { name, attrs, text });
        i = j;
    }
    out
}

/// Decodes numeric character references and the few named ones that matter for URLs.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e < 12);
        let Some(e) = end else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..e];
        let c = if let Some(hex) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
        } else if let Some(dec) = ent.strip_prefix('#') {
            dec.parse().ok().and_then(char::from_u32)
        } else {
            match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                _ => None,
            }
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Attributes that browsers load or navigate to.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
    "srcset",
];

/// Whether a URL, as a browser reads it (ASCII whitespace and controls dropped,
/// case-insensitive), runs code or embeds a document.
fn dangerous_url(v: &str) -> bool {
    let cleaned: String = v
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| cleaned.starts_with(s))
}

/// Checks one output HTML file for anything that would run a payload: event-handler
/// attributes, dangerous URLs, `srcdoc`, scripts other than the theme's, frames,
/// embeds, `<base>`, refresh `<meta>`, forms, and styles.
#[track_caller]
fn assert_inert(what: &str, html: &str) {
    for t in tags(html) {
        for (name, value) in &t.attrs {
            assert!(
                !name.starts_with("on"),
                "{what}: event-handler attribute `{name}` on <{}>",
                t.name
            );
            assert!(name != "srcdoc", "{what}: srcdoc on <{}>", t.name);
            if URL_ATTRS.contains(&name.as_str()) {
                assert!(
                    !dangerous_url(value),
                    "{what}: dangerous URL in <{} {name}=\"{value}\">",
                    t.name
                );
                assert!(
                    !value.contains("evil.example"),
                    "{what}: hostile URL kept in <{} {name}=\"{value}\">",
                    t.name
                );
            }
        }
        match t.name.as_str() {
            "script" => {
                // The theme's scripts only: its own files, and its inline theme switch.
                let src_ok = t
                    .attr("src")
                    .is_some_and(|s| s.starts_with('/') && !s.contains("xss"));
                let inline_ok = t.attr("src").is_none()
                    && t.text
                        .starts_with("try{var t=localStorage.getItem(\"waypost-theme\")");
                assert!(
                    src_ok || inline_ok,
                    "{what}: a <script> that is not the theme's: {t:?}"
                );
            }
            // The theme's search form submits to the site's own search page.
            "form" => assert!(
                t.attr("action")
                    .is_some_and(|a| (a.is_empty() || a.starts_with('/')) && !a.contains("xss")),
                "{what}: a <form> that is not the theme's: {t:?}"
            ),
            "iframe" | "frame" | "frameset" | "object" | "embed" | "base" | "applet" | "style"
            | "textarea" | "noscript" => {
                panic!("{what}: <{}> survived: {t:?}", t.name)
            }
            "meta" => assert!(
                t.attr("http-equiv").is_none()
                    || t.attr("content").is_some_and(|c| !c.contains("evil")),
                "{what}: <meta http-equiv> from content: {t:?}"
            ),
            "link" => assert!(
                !t.attr("href").unwrap_or("").contains("evil"),
                "{what}: <link> from content: {t:?}"
            ),
            _ => {}
        }
    }
}

/// The built `hostile/html` fixture, shared by the tests that only read it (built once
/// per test run, under Cargo's temporary folder for tests since it is never dropped).
fn hostile_html() -> &'static Built {
    static BUILT: std::sync::OnceLock<Built> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary folder");
        let out = tmp.path().join("public");
        let run = run(waypost()
            .arg("--root")
            .arg(fixture("hostile/html"))
            .arg("build")
            .arg("--output")
            .arg(&out));
        run.assert_success();
        Built { tmp, run }
    })
}

#[test]
fn no_output_file_of_a_hostile_site_can_run_a_payload() {
    let b = hostile_html();
    let files = list_files(&b.out());
    let mut checked = 0;
    let mut sources = 0;
    for (rel, bytes) in &files {
        if rel.contains("/pagefind/") {
            continue;
        }
        if rel.ends_with(".md") {
            // A page's Markdown source is published as it was written, payloads and
            // all, as text: served as `text/markdown` with `nosniff`, never as HTML.
            let source = fixture("hostile/html").join("content").join(rel);
            let written = std::fs::read(&source).unwrap_or_default();
            assert!(
                &written == bytes,
                "{rel} is not a copy of {}",
                source.display()
            );
            sources += 1;
            continue;
        }
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        if rel.ends_with("llms.txt") {
            // A list in Markdown, which tools may render: what counts is what it renders
            // to (an author's `<script>` is escaped as `\<script\>`, which shows as text).
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&text));
            text = html;
        }
        if rel.ends_with(".html") || rel.ends_with(".xml") {
            assert_inert(rel, &text);
            checked += 1;
        }
        // However it is escaped, no payload may appear as markup.
        for raw in [
            "<script>alert",
            "<img src=x onerror",
            "<b onmouseover",
            "<iframe",
        ] {
            assert_not_contains(&text, raw, rel);
        }
    }
    assert!(checked >= 10, "too few files checked: {:?}", files.keys());
    assert!(
        sources >= 2,
        "too few sources published: {:?}",
        files.keys()
    );
}

#[test]
fn raw_script_elements_are_removed_with_their_code() {
    let b = hostile_html();
    let page = b.read("en/raw/script/index.html");
    let content = content_of(&page);
    assert_contains(content, "<p>Before the scripts.</p>", "the content");
    assert_contains(content, "<p>After the scripts.</p>", "the content");
    for code in [
        "xss-script-block",
        "xss-script-inline",
        "xss-script-src",
        "xss-script-svg",
        "xss-script-noscript",
    ] {
        assert_not_contains(content, code, "the content");
    }
    assert_contains(content, "<p>Inline  script.</p>", "the content");
    assert_inert("en/raw/script/index.html", &page);
}

#[test]
fn event_handler_attributes_are_removed_and_their_elements_kept() {
    let b = hostile_html();
    let page = b.read("en/raw/events/index.html");
    let content = content_of(&page);
    assert!(!content.contains("xss-event"), "{content}");
    for kept in [
        "<p>A paragraph with a handler.</p>",
        // Sized after sanitizing (the images stage adds only its own attributes).
        "<img src=\"/en/raw/pixel.png\" alt=\"pixel\" width=\"1\" height=\"1\" decoding=\"async\"",
        "<a href=\"https://example.org/\">A link with a handler</a>",
        "<details><summary>More</summary>Details.</details>",
        "<input type=\"checkbox\">",
        "<div class=\"kept\">Upper-case handler.</div>",
    ] {
        assert_contains(content, kept, "the sanitized content");
    }
}

#[test]
fn javascript_and_data_urls_are_dropped_from_markdown_and_raw_html_links() {
    let b = hostile_html();
    let page = b.read("en/raw/urls/index.html");
    let content = content_of(&page);
    assert_inert("en/raw/urls/index.html", content);
    let hrefs: Vec<String> = tags(content)
        .iter()
        .filter_map(|t| t.attr("href").map(str::to_string))
        .collect();
    // Only the safe links keep an href; dangerous ones keep their text.
    assert_eq!(
        hrefs,
        [
            "https://example.org/%22onmouseover=%22alert('xss-url-quote')",
            "https://example.org/ok",
            "https://example.org/raw-ok",
        ],
        "{content}"
    );
    for text in [
        "md-js,",
        "md-js-case,",
        "md-js-angle,",
        "md-data,",
        "md-vb,",
        "md-ref,",
        "raw-js",
        "raw-js-case",
        "raw-js-entity",
        "raw-js-space",
        "raw-data",
    ] {
        assert_contains(content, text, "link text kept as text");
    }
    // A Markdown image without a safe source is no image: its description stays as text.
    assert_contains(content, "md-img", "the image's description kept as text");
    assert!(
        tag_containing(content, "alt=\"md-img\"").is_none(),
        "no <img> with a dropped source"
    );
    let raw_img = tag_containing(content, "alt=\"raw-img\"").expect("the raw image");
    assert!(!raw_img.contains("data:"), "{raw_img}");
    assert_not_contains(content, "<form", "the content");
    assert_not_contains(content, "formaction", "the content");
}

#[test]
fn frames_embeds_and_page_level_elements_are_removed() {
    let b = hostile_html();
    let page = b.read("en/raw/frames/index.html");
    let content = content_of(&page);
    // What is left: empty paragraphs where inline elements were, and the text after.
    let left: String = content
        .replace("<p></p>", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(left, "<p>After the frames.</p>", "{content}");
    assert_inert("en/raw/frames/index.html", &page);
}

#[test]
fn style_elements_and_attributes_cannot_break_out_of_the_content() {
    let b = hostile_html();
    let page = b.read("en/raw/styles/index.html");
    assert_inert("en/raw/styles/index.html", &page);
    let content = content_of(&page);
    assert_not_contains(content, "display: none", "the content");
    assert_not_contains(content, "position: fixed", "the content");
    assert_not_contains(content, "style=\"background", "the content");
    // pulldown-cmark's own table alignment survives.
    assert_contains(
        content,
        "<th style=\"text-align: left\">Left</th>",
        "the content",
    );
    assert_contains(
        content,
        "<td style=\"text-align: right\">b</td>",
        "the content",
    );
    assert_contains(content, "<div>Styled div.</div>", "the content");
    // Stray end tags and unclosed elements stay inside the content: the page goes on
    // with the theme's markup after it.
    let after = &page[position(&page, content) + content.len()..];
    assert_contains(after, "</article>", "the page after the content");
    assert_contains(
        after,
        "<footer class=\"site-footer\">",
        "the page after the content",
    );
    assert_eq!(
        content.matches("<div").count(),
        content.matches("</div>").count(),
        "{content}"
    );
    assert_contains(content, "Text after an unclosed style.", "the content");
}

#[test]
fn front_matter_strings_are_escaped_in_every_place_they_are_shown() {
    let b = hostile_html();
    let page = b.read("en/front-matter/index.html");
    assert_inert("en/front-matter/index.html", &page);
    let title = "&lt;/title&gt;&lt;script&gt;alert(&#39;xss-fm-title&#39;)&lt;/script&gt; &quot;Quotes&quot; &amp; &#39;apostrophes&#39;";
    // <title>, <h1>, og:title and the breadcrumb's current item.
    assert_contains(&page, &format!("<title>{title} · "), "the page");
    assert_contains(&page, &format!("<h1>{title}</h1>"), "the page");
    assert_contains(
        &page,
        &format!("<meta property=\"og:title\" content=\"{title}\">"),
        "the page",
    );
    assert_contains(
        &page,
        &format!("<li aria-current=\"page\"><bdi>{title}</bdi></li>"),
        "the breadcrumbs",
    );
    let desc = "&lt;img src=x onerror=&quot;alert(&#39;xss-fm-desc&#39;)&quot;&gt; &quot;d&quot; &amp; &#39;d&#39;";
    assert_contains(
        &page,
        &format!("<meta name=\"description\" content=\"{desc}\">"),
        "the page",
    );
    // Facets: values as text, names and values in attributes escaped.
    let facets = between(&page, "<dl class=\"facets\">", "</dl>");
    assert_contains(
        facets,
        "&lt;b onmouseover=&quot;alert(&#39;xss-fm-facet&#39;)&quot;&gt;online&lt;/b&gt;",
        "the facets",
    );
    assert_contains(facets, "pass&quot;port", "the facets");
    assert_contains(
        facets,
        "&lt;script&gt;alert(&#39;xss-fm-facet-list&#39;)&lt;/script&gt;",
        "the facets",
    );
    // Headings: the id and classes are attribute-escaped, the TOC shows the text.
    let toc = between(&page, "<nav class=\"toc\"", "</nav>");
    assert_contains(toc, " 1 &lt; 2 &amp; “q”</a>", "the table of contents");
    let heading = tags(&page)
        .into_iter()
        .find(|t| t.name == "h2" && t.attr("id").is_some_and(|i| i.starts_with("x\"")))
        .unwrap_or_else(|| panic!("no heading with the hostile id in:\n{page}"));
    assert_eq!(
        heading.attr("id"),
        Some("x\"onmouseover=\"alert('xss-fm-id')")
    );
    assert_eq!(
        heading.attr("class"),
        Some("a\"onclick=\"alert('xss-fm-class')")
    );
}

#[test]
fn section_titles_are_escaped_in_breadcrumbs_and_listings() {
    let b = hostile_html();
    let section = "Raw &lt;/title&gt;&lt;script&gt;alert(&#39;xss-section&#39;)&lt;/script&gt; &amp; &quot;more&quot;";
    let page = b.read("en/raw/events/index.html");
    let crumbs = between(&page, "<nav class=\"breadcrumbs\"", "</nav>");
    assert_contains(crumbs, section, "the breadcrumbs");
    let home = b.read("en/index.html");
    assert_contains(&home, section, "the home page's listing");
    assert_inert("en/index.html", &home);
    let listing = b.read("en/raw/index.html");
    assert_inert("en/raw/index.html", &listing);
}

#[test]
fn feed_and_sitemap_escape_titles_descriptions_and_urls() {
    let b = hostile_html();
    let feed = b.read("en/atom.xml");
    assert_contains(
        &feed,
        "<title>&lt;/title&gt;&lt;script&gt;alert(&#39;xss-fm-title&#39;)&lt;/script&gt; &quot;Quotes&quot; &amp; &#39;apostrophes&#39;</title>",
        "the feed",
    );
    assert_contains(
        &feed,
        "<summary>&lt;img src=x onerror=&quot;alert(&#39;xss-fm-desc&#39;)&quot;&gt; &quot;d&quot; &amp; &#39;d&#39;</summary>",
        "the feed",
    );
    assert_contains(
        &feed,
        "<title>Hostile &lt;fixture&gt; &amp; &quot;friends&quot; · ",
        "the feed (site title)",
    );
    let sitemap = b.read("sitemap.xml");
    assert_contains(
        &sitemap,
        "<loc>https://hostile.example.com/en/it%27s%20%22odd%22%20&amp;%20%3Cnew%3E/</loc>",
        "the sitemap (a slug with quotes and brackets)",
    );
    for xml in [&feed, &sitemap] {
        assert_eq!(xml.matches('<').count(), xml.matches('>').count());
        assert_not_contains(xml, "<script", "the XML");
    }
}

#[test]
fn search_documents_carry_front_matter_as_escaped_text() {
    let site = waypost::site::load(&fixture("hostile/html"), &Default::default())
        .expect("the hostile fixture loads");
    let i = site
        .pages
        .iter()
        .position(|p| p.rel == "front-matter.md")
        .expect("the front-matter page");
    let doc = waypost::search::document(&site, i);
    assert_inert("the search document", &doc);
    assert_contains(
        &doc,
        "<title>&lt;/title&gt;&lt;script&gt;alert(&#39;xss-fm-title&#39;)&lt;/script&gt; &quot;Quotes&quot; &amp; &#39;apostrophes&#39;</title>",
        "the search document",
    );
    let filters: Vec<String> = tags(&doc)
        .iter()
        .filter_map(|t| t.attr("data-pagefind-filter").map(str::to_string))
        .collect();
    assert!(
        filters
            .contains(&"Channel:<b onmouseover=\"alert('xss-fm-facet')\">online</b>".to_string()),
        "the facet value reaches Pagefind as text: {filters:?}"
    );
    assert!(
        filters.contains(&"Documents:pass\"port".to_string()),
        "{filters:?}"
    );
    let script_doc = site
        .pages
        .iter()
        .position(|p| p.rel == "raw/script.md")
        .map(|i| waypost::search::document(&site, i))
        .expect("the script page");
    assert_inert("the search document of raw/script.md", &script_doc);
}

#[test]
fn unsafe_html_keeps_raw_html_as_written_when_the_site_opts_in() {
    let b = build_fixture("hostile/unsafe-html");
    let page = b.read("en/index.html");
    let content = content_of(&page);
    for kept in [
        "<script>console.log('kept-script')</script>",
        "<p onclick=\"console.log('kept-handler')\">Kept handler.</p>",
        "<iframe src=\"https://example.org/kept-frame\"></iframe>",
        "href=\"javascript:console.log(&#x27;kept-link&#x27;)\"",
    ] {
        assert_contains(content, kept, "the unsanitized content");
    }
}

// --- Paths that try to leave the output folder. ---

#[test]
fn slugs_that_leave_their_folder_are_errors_naming_file_and_line() {
    let r = build_fails(&fixture("hostile/bad-slugs"));
    for (file, shown, why) in [
        ("dotdot", "..", "contains `.` or `..`"),
        ("dot", ".", "contains `.` or `..`"),
        ("absolute", "/etc/passwd", "contains a slash"),
        ("drive", "C:evil", "looks like a drive letter"),
        ("nul", "a\\0b", "contains a control character"),
        ("encoded", "%2e%2e", "contains `.` or `..`"),
        ("encoded-upper", "%2E%2E", "contains `.` or `..`"),
        ("backslash", "..\\..\\evil", "contains a slash"),
        (
            "encoded-slash",
            "%2e%2e%2f%2e%2e%2fevil",
            "contains `.` or `..`",
        ),
        ("newline", "a\\u{a}b", ""),
        ("empty", "", "is empty"),
    ] {
        let head = format!("error: content/en/{file}.md:3: slug `");
        let line = r
            .stderr
            .lines()
            .find(|l| l.starts_with(&head))
            .unwrap_or_else(|| panic!("no error for {file}.md:\n{}", r.stderr));
        if file != "newline" {
            assert_eq!(line, format!("{head}{shown}` {why}"), "{}", r.stderr);
        }
    }
    r.stderr_has("11 errors");
    assert!(
        !r.stderr.contains('\0'),
        "a NUL from the page is never printed as it is"
    );
}

#[test]
fn aliases_that_leave_the_output_folder_are_errors_naming_file_and_line() {
    let r = build_fails(&fixture("hostile/bad-aliases"));
    for (line, alias, why) in [
        (5, "/../../escaped/", "contains `.` or `..`"),
        (6, "/en/../../escaped-too/", "contains `.` or `..`"),
        (7, "/en/%2e%2e/%2e%2e/encoded/", "contains `.` or `..`"),
        (8, "/en/..%2f..%2fmixed/", "contains `.` or `..`"),
        (9, "C:/Windows/drive/", "looks like a drive letter"),
        (10, "D:\\evil\\backslash", "contains a backslash"),
        (11, "/en/nul\\0/", "contains a control character"),
        (12, "/en/%00/encoded-nul/", "contains a control character"),
        (13, "/%2Ftmp/waypost-escaped-alias/", "is an absolute path"),
    ] {
        r.stderr_has(&format!(
            "error: content/en/page.md:{line}: alias `{alias}` {why}"
        ));
    }
    r.stderr_has("9 errors").stderr_lacks("fine-old-name");
    assert!(!Path::new("/tmp/waypost-escaped-alias").exists());
}

// --- Loading: symlink loops, huge and deeply nested input, alias bombs, bad bytes. ---

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_content_is_reported_not_followed_forever() {
    let tmp = generated_site(&[("guide.md", b"# Guide\n\nText.\n")]);
    let site = tmp.path().join("site");
    std::os::unix::fs::symlink("..", site.join("content/en/loop")).unwrap();
    std::os::unix::fs::symlink("b", site.join("content/en/a")).unwrap();
    std::os::unix::fs::symlink("a", site.join("content/en/b")).unwrap();
    let out = tmp.path().join("public");
    let r = guarded_build(&site, &out);
    r.assert_failure();
    r.stderr_has(
        "error: content/en/loop: symbolic link loop: this link points to one of its own parent folders",
    );
    r.stderr_has("error: content/en/a: cannot read");
    assert!(!out.exists(), "nothing is written");
}

/// About `bytes` of ordinary guide text: sections with the same heading names, steps,
/// footnotes, tables, links to headings on the page and raw HTML.
fn guide_text(bytes: usize) -> Vec<u8> {
    let mut s = String::with_capacity(bytes + 4096);
    s.push_str("---\ntitle: Huge\n---\n\nThe first paragraph.\n\n");
    let mut n = 0usize;
    while s.len() < bytes {
        n += 1;
        s.push_str(&format!(
            "## Steps\n\n1. Open the app{n}[^n{n}] and read *this* with `code` and **bold**.\n2. See [the steps](#steps) and [the first ones](#steps-{}).\n\n| Channel | Time |\n|:--|--:|\n| online {n} | 5 min |\n\n> [!NOTE]\n> A note <kbd>Ctrl</kbd> <span onclick=\"alert('xss-big')\">{n}</span>.\n\n[^n{n}]: Footnote {n}.\n\n",
            (n / 2).max(1)
        ));
    }
    s.push_str("The last paragraph.\n");
    s.into_bytes()
}

#[test]
fn a_fifty_megabyte_page_is_refused_before_it_is_read() {
    let big = guide_text(50 << 20);
    let tmp = generated_site(&[("big.md", &big), ("fine.md", b"# Fine\n")]);
    drop(big);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    r.assert_failure()
        .stderr_has(
            "error: content/en/big.md: the file is 50.0 MB; text files are limited to 10 MB",
        )
        .stderr_has("help: split it into several pages");
    assert!(!out.exists());
}

#[test]
fn a_large_page_under_the_size_limit_builds_within_bounds() {
    let big = guide_text(4 << 20);
    let tmp = generated_site(&[("big.md", &big)]);
    drop(big);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    r.assert_success();
    let page = std::fs::read_to_string(out.join("en/big/index.html")).unwrap();
    assert_contains(&page, "<p>The last paragraph.</p>", "the page");
    assert_contains(&page, "<h2 id=\"steps-1\">", "the page");
    assert_not_contains(&page, "onclick", "the page");
}

#[test]
fn ten_thousand_levels_of_nesting_build_within_bounds() {
    let depth = 10_000;
    let mut text = String::from("---\ntitle: Deep\n---\n\n");
    text.push_str(&"- ".repeat(depth));
    text.push_str("innermost item\n\n");
    text.push_str(&"> ".repeat(depth));
    text.push_str("innermost quote\n\n");
    text.push_str(&"<div>".repeat(depth));
    text.push_str("innermost div");
    text.push_str(&"</div>".repeat(depth));
    text.push_str("\n\n");
    text.push_str(&"<b>".repeat(depth));
    text.push_str("innermost bold\n\n");
    text.push_str(&"[".repeat(depth));
    text.push_str("brackets");
    text.push_str(&"](x.md)".repeat(depth));
    text.push_str("\n\n");
    text.push_str(&"*".repeat(depth));
    text.push_str("stars\n\nThe end.\n");
    let tmp = generated_site(&[("deep.md", text.as_bytes())]);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    // A correct page, or a clear error — never a crash.
    if r.status.success() {
        let page = std::fs::read_to_string(out.join("en/deep/index.html")).unwrap();
        for text in [
            "innermost item",
            "innermost quote",
            "innermost div",
            "The end.",
        ] {
            assert_contains(&page, text, "the deep page");
        }
        assert_no_panic(&r.stderr);
    } else {
        r.assert_failure().stderr_has("content/en/deep.md");
    }
}

#[test]
fn a_yaml_alias_bomb_in_front_matter_is_a_clear_error() {
    let mut yaml = String::from("---\ntitle: Bomb\nextra:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        yaml.push_str(&format!(
            "  {n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    yaml.push_str("---\n\nBoom.\n");
    let tmp = generated_site(&[("bomb.md", yaml.as_bytes())]);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    r.assert_failure()
        .stderr_has("error: content/en/bomb.md")
        .stderr_has("alias bomb");
    assert!(!out.exists());
}

#[test]
fn deeply_nested_yaml_in_front_matter_is_a_clear_error() {
    let depth = 10_000;
    let yaml = format!(
        "---\ntitle: Deep\nextra:\n  x: {}{}\n---\n\nText.\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let tmp = generated_site(&[("deep-yaml.md", yaml.as_bytes())]);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    r.assert_failure()
        .stderr_has("error: content/en/deep-yaml.md:")
        .stderr_has("recursion limit");
    assert!(!out.exists());
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_a_clear_error() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = generated_site(&[]);
    let site = tmp.path().join("site");
    let name = std::ffi::OsStr::from_bytes(b"bad-\xff-name.md");
    std::fs::write(site.join("content/en").join(name), "# Bad name\n").unwrap();
    let out = tmp.path().join("public");
    let r = guarded_build(&site, &out);
    r.assert_failure()
        .stderr_has("error: content/en/bad-")
        .stderr_has("file name is not valid UTF-8");
    assert!(!out.exists());
}

#[test]
fn invalid_utf8_is_a_clear_error_naming_the_line() {
    let mut bytes = b"---\ntitle: Bytes\n---\n\nFine line.\nBad \xff\xfe line.\n".to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28, b'\n']);
    let tmp = generated_site(&[("bytes.md", &bytes)]);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    r.assert_failure()
        .stderr_has("error: content/en/bytes.md:6: not valid UTF-8");
    assert!(!out.exists());
}

#[test]
fn many_equal_headings_footnotes_and_anchor_links_build_within_bounds() {
    // Each of these was once quadratic: numbering equal heading ids, numbering footnotes,
    // and checking anchors against every heading.
    let n = 60_000;
    let mut text = String::from("---\ntitle: Repetitive\n---\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "## Steps\n\n[up](#steps) x[^f{i}]\n\n[^f{i}]: F.\n\n"
        ));
    }
    let tmp = generated_site(&[("rep.md", text.as_bytes())]);
    let out = tmp.path().join("public");
    let r = guarded_build(&tmp.path().join("site"), &out);
    r.assert_success();
    let page = std::fs::read_to_string(out.join("en/rep/index.html")).unwrap();
    assert_contains(
        &page,
        &format!("<h2 id=\"steps-{}\">", n - 1),
        "the last heading's id",
    );
}

// --- Faults: the output folder is replaced whole or not at all. ---

/// A site of `pages` guides in two languages, a few KB each.
fn large_site(dir: &Path, pages: usize) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("site.yaml"),
        "title: Large\nbase_url: https://large.example.com/\nlanguages:\n  - code: en\n    name: English\n  - code: zh\n    name: 中文\n",
    )
    .unwrap();
    for lang in ["en", "zh"] {
        let d = dir.join("content").join(lang).join("guides");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("_index.md"),
            "---\ntitle: Guides\n---\n\nAll guides.\n",
        )
        .unwrap();
        for i in 0..pages {
            let mut text = format!(
                "---\ntitle: Guide {i} {lang}\nweight: {i}\nfacets:\n  channel: [online, store]\n---\n\n"
            );
            for s in 0..8 {
                text.push_str(&format!(
                    "## Step {s}\n\nDo thing {s} of guide {i}: open the app, scan the document, wait for the code, and check the result.\n\n- one\n- two\n\n"
                ));
            }
            std::fs::write(d.join(format!("g{i}.md")), text).unwrap();
        }
    }
}

/// A tiny random number generator (xorshift), seeded from the clock: the seed is printed
/// so that a failing sequence of kill times can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("WAYPOST_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        eprintln!("fault injection seed: WAYPOST_FAULT_SEED={seed}");
        Rng(seed)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Names beside the output folder, sorted.
fn beside(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "site")
        .collect();
    v.sort();
    v
}

#[test]
fn killing_a_build_at_random_moments_leaves_the_previous_site_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    large_site(&site, 150);
    let out = tmp.path().join("public");
    let build = || {
        let mut cmd = waypost();
        cmd.arg("--root")
            .arg(&site)
            .arg("build")
            .arg("--output")
            .arg(&out);
        cmd
    };
    let started = Instant::now();
    guarded(&mut build()).assert_success();
    let full = started.elapsed().as_millis() as u64;
    let before = list_files(&out);
    assert!(before.len() > 300, "{} files", before.len());

    let mut rng = Rng::new();
    for round in 0..8 {
        // Half the kills anywhere in a build, half near its end, where files are written
        // and the folders swapped.
        let at = if round % 2 == 0 {
            rng.below(full)
        } else {
            full * 7 / 10 + rng.below(full * 4 / 10)
        };
        let mut child = build()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start waypost build");
        std::thread::sleep(Duration::from_millis(at));
        let _ = child.kill();
        let _ = child.wait();
        let now = list_files(&out);
        assert!(
            !now.is_empty(),
            "round {round}: killed after {at} ms of a {full} ms build: the output folder is gone"
        );
        assert_same_tree(&before, &now);
        for name in beside(tmp.path()) {
            assert!(
                name == "public" || name.starts_with(".public.waypost-"),
                "round {round}: unexpected {name} beside the output"
            );
        }
    }
    guarded(&mut build()).assert_success();
    assert_same_tree(&before, &list_files(&out));
    assert_eq!(
        beside(tmp.path()),
        ["public"],
        "the next build removes what killed builds left"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_file_outside_the_site_is_an_error_not_published() {
    let tmp = generated_site(&[("guide.md", b"# Guide\n\nText.\n")]);
    let site = tmp.path().join("site");
    let secret = tmp.path().join("id_rsa");
    std::fs::write(&secret, "PRIVATE KEY").unwrap();
    let out = tmp.path().join("public");

    std::os::unix::fs::symlink(&secret, site.join("content/en/key.txt")).unwrap();
    let r = guarded_build(&site, &out);
    r.assert_failure()
        .stderr_has("error: content/en/key.txt: symbolic link to ")
        .stderr_has("points outside the site");
    assert!(!out.exists());

    std::fs::remove_file(site.join("content/en/key.txt")).unwrap();
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::os::unix::fs::symlink(&secret, site.join("static/key.txt")).unwrap();
    let r = guarded_build(&site, &out);
    r.assert_failure()
        .stderr_has("error: static/key.txt: symbolic link to ")
        .stderr_has("points outside the site");
    assert!(!out.exists());

    // Templates and UI strings too: a template is rendered into pages.
    std::fs::remove_file(site.join("static/key.txt")).unwrap();
    std::fs::create_dir_all(site.join("templates")).unwrap();
    std::os::unix::fs::symlink(&secret, site.join("templates/page.html")).unwrap();
    let r = guarded_build(&site, &out);
    r.assert_failure()
        .stderr_has("error: templates/page.html: symbolic link to ")
        .stderr_has("points outside the site");
    assert!(!out.exists());
    std::fs::remove_file(site.join("templates/page.html")).unwrap();
    std::fs::create_dir_all(site.join("i18n")).unwrap();
    std::os::unix::fs::symlink(&secret, site.join("i18n/en.yaml")).unwrap();
    let r = guarded_build(&site, &out);
    r.assert_failure()
        .stderr_has("error: i18n/en.yaml: symbolic link to ")
        .stderr_has("points outside the site");
    assert!(!out.exists());
    std::fs::remove_file(site.join("i18n/en.yaml")).unwrap();

    // A link that stays inside the site is followed as before (a template too).
    std::fs::write(site.join("my-page.html"), "{% extends \"page.html\" %}").unwrap();
    std::os::unix::fs::symlink(
        site.join("my-page.html"),
        site.join("templates/linked.html"),
    )
    .unwrap();
    std::fs::write(site.join("shared.txt"), "shared").unwrap();
    std::os::unix::fs::symlink(site.join("shared.txt"), site.join("static/shared.txt")).unwrap();
    guarded_build(&site, &out).assert_success();
    assert_eq!(
        std::fs::read_to_string(out.join("shared.txt")).unwrap(),
        "shared"
    );
}
