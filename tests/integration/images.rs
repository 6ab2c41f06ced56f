//! Images: sizes and lazy loading, resized copies at content-hashed URLs offered with
//! `<picture>`/`srcset`, the link to the original, determinism and the build cache, the
//! checks (alt text, large files, unreadable files), on `tests/fixtures/images-site`
//! and `tests/fixtures/images-broken`; and what a phone fetches of the example site's
//! screenshots, in Chromium.

use std::path::Path;

use crate::common::*;

fn images_site() -> Built {
    build_fixture("images-site")
}

/// The `<img …>` tag (up to its `>`) that holds `needle`, the `n`th such.
fn img_with<'a>(html: &'a str, needle: &str, n: usize) -> &'a str {
    let mut from = 0;
    let mut seen = 0;
    while let Some(i) = html[from..].find("<img ") {
        let start = from + i;
        let end = start + html[start..].find('>').expect("a closed tag") + 1;
        let tag = &html[start..end];
        if tag.contains(needle) {
            if seen == n {
                return tag;
            }
            seen += 1;
        }
        from = end;
    }
    panic!("no {n}th <img> with {needle} in:\n{html}")
}

/// The URLs of a `srcset` value, with their widths.
fn srcset_of(tag: &str) -> Vec<(String, u32)> {
    let value = between(tag, "srcset=\"", "\"");
    value
        .split(", ")
        .map(|c| {
            let (url, w) = c.rsplit_once(' ').expect("url and width");
            (
                url.to_string(),
                w.trim_end_matches('w').parse().expect("a width"),
            )
        })
        .collect()
}

/// The output path of a site URL under `/docs/`.
fn output_of(url: &str) -> &str {
    url.strip_prefix("/docs/").expect("under the base path")
}

#[test]
fn every_image_gets_its_size_async_decoding_and_all_but_the_first_load_lazily() {
    let b = images_site();
    let page = b.read("en/guide/screens/index.html");
    let body = content_of(&page);
    let first = img_with(body, "alt=\"The home screen\"", 0);
    assert_contains(first, "width=\"1170\" height=\"2532\"", "the first image");
    assert_contains(first, "decoding=\"async\"", "the first image");
    assert_not_contains(first, "loading=", "the first image (loaded at once)");
    let icon = img_with(body, "icon.png", 0);
    assert_contains(icon, "width=\"48\" height=\"48\"", "the icon");
    assert_contains(icon, "loading=\"lazy\"", "the icon");
    assert_not_contains(icon, "srcset", "the icon (smaller than the column)");
    let svg = img_with(body, "diagram.svg", 0);
    assert_contains(svg, "width=\"320\" height=\"180\"", "the SVG (its viewBox)");
    assert_contains(svg, "loading=\"lazy\"", "the SVG");
    let photo = img_with(body, "photo", 0);
    assert_contains(photo, "width=\"1000\" height=\"640\"", "the JPEG");
    // Each image of the page: exactly one is not lazy.
    assert_eq!(body.matches("<img ").count(), 6, "{body}");
    assert_eq!(body.matches("loading=\"lazy\"").count(), 5, "{body}");
}

#[test]
fn a_large_screenshot_is_offered_in_webp_and_png_at_phone_widths_never_wider_than_itself() {
    let b = images_site();
    let page = b.read("en/guide/screens/index.html");
    let body = content_of(&page);
    let img = img_with(body, "alt=\"The home screen\"", 0);
    let png = srcset_of(img);
    let widths: Vec<u32> = png.iter().map(|(_, w)| *w).collect();
    assert_eq!(widths, [480, 960, 1170], "{img}");
    assert_eq!(
        png[2].0, "/docs/en/guide/phone.png",
        "the original is the widest"
    );
    assert_contains(
        img,
        "sizes=\"(min-width: 46rem) 44rem, calc(100vw - 2rem)\"",
        "the theme's column",
    );
    let picture = between(body, "<picture>", "</picture>");
    let source = between(picture, "<source ", ">");
    assert_contains(source, "type=\"image/webp\"", "the source");
    let webp = srcset_of(source);
    assert_eq!(
        webp.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
        [480, 960, 1170]
    );
    // Each copy is published next to the original, named by a content hash, and is the
    // size and format it says.
    for (url, w) in webp.iter().chain(&png[..2]) {
        let name = url.rsplit('/').next().expect("a name");
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts[0], "phone", "{name}");
        assert_eq!(parts[1].len(), 10, "a hash: {name}");
        assert!(parts[1].bytes().all(|c| c.is_ascii_hexdigit()), "{name}");
        assert_eq!(parts[2], format!("{w}w"), "{name}");
        let bytes = std::fs::read(b.path(output_of(url))).expect("the copy is published");
        let (format, width, height) = probe(&bytes, name);
        assert_eq!((width, height), (*w, (2532 * w + 585) / 1170), "{name}");
        assert_eq!(
            format,
            if name.ends_with(".webp") {
                waypost::images::Format::WebP
            } else {
                waypost::images::Format::Png
            }
        );
    }
}

fn probe(bytes: &[u8], name: &str) -> (waypost::images::Format, u32, u32) {
    let named = waypost::images::Format::of_name(name).expect("an image name");
    let p = waypost::images::probe::probe(bytes, named)
        .expect("a copy reads")
        .expect("a copy has a size");
    (p.format, p.width, p.height)
}

#[test]
fn a_resized_image_links_to_its_original_unless_the_author_linked_it() {
    let b = images_site();
    let page = b.read("en/guide/screens/index.html");
    let body = content_of(&page);
    assert_contains(
        body,
        "<a class=\"image-link\" href=\"/docs/en/guide/phone.png\"><picture><source",
        "the page",
    );
    // Markdown image, photo and raw HTML image each get a link; the one in the author's
    // link to the home page keeps only that link.
    assert_eq!(body.matches("class=\"image-link\"").count(), 3, "{body}");
    assert_contains(
        body,
        "<a href=\"/docs/en/\"><picture><source type=\"image/webp\"",
        "the author's link",
    );
    // The copies are cached by browsers for a year: their names change with them.
    let headers = b.read("_headers");
    let copy = between(body, "<source type=\"image/webp\" srcset=\"", " ");
    assert_contains(
        &headers,
        &format!("{copy}\n  Cache-Control: public, max-age=31536000, immutable"),
        "_headers",
    );
    // The raw HTML image is offered like the Markdown ones.
    let raw = img_with(body, "in raw HTML", 0);
    assert_contains(raw, "srcset=\"", "the raw HTML image");
    assert_contains(raw, "width=\"1170\"", "the raw HTML image");
}

#[test]
fn an_image_shown_in_two_languages_is_encoded_once_and_shares_its_copies() {
    let tmp = copy_site(&fixture("images-site"));
    let root = tmp.path().join("site");
    let run = run(waypost()
        .arg("--root")
        .arg(&root)
        .arg("-v")
        .arg("build")
        .arg("--output")
        .arg(tmp.path().join("public")));
    run.assert_success();
    // phone.png (en and zh) and photo.jpg: two images, each encoded once.
    assert_contains(
        &run.stderr,
        "images: 10 resized copies of 2 images, 2 images encoded",
        "the -v log",
    );
    let en =
        std::fs::read_to_string(tmp.path().join("public/en/guide/screens/index.html")).unwrap();
    let zh =
        std::fs::read_to_string(tmp.path().join("public/zh/guide/screens/index.html")).unwrap();
    let en_img = img_with(content_of(&en), "alt=\"The home screen\"", 0);
    let zh_img = img_with(content_of(&zh), "alt=\"首页屏幕\"", 0);
    assert_eq!(srcset_of(en_img), srcset_of(zh_img));
}

#[test]
fn a_rebuild_with_the_cache_encodes_nothing_and_gives_the_same_bytes_as_without_it() {
    let tmp = copy_site(&fixture("images-site"));
    let root = tmp.path().join("site");
    let cache = tmp.path().join("cache");
    let build = |out: &str, cached: bool| {
        let mut cmd = waypost();
        cmd.arg("--root").arg(&root).arg("-v").arg("build");
        if cached {
            cmd.env_remove("WAYPOST_NO_CACHE")
                .arg("--cache")
                .arg(&cache);
        }
        let r = run(cmd.arg("--output").arg(tmp.path().join(out)));
        r.assert_success();
        r
    };
    let cold = build("a", true);
    assert_contains(&cold.stderr, "2 images encoded", "the first build");
    let warm = build("b", true);
    assert_contains(
        &warm.stderr,
        "images: 10 resized copies of 2 images, 0 images encoded",
        "the rebuild",
    );
    build("c", false);
    let a = list_files(&tmp.path().join("a"));
    assert_same_tree(&a, &list_files(&tmp.path().join("b")));
    assert_same_tree(&a, &list_files(&tmp.path().join("c")));
    // A changed image is encoded again, under new names; the other is kept.
    let photo = root.join("content/en/guide/photo.jpg");
    let mut bytes = std::fs::read(&photo).unwrap();
    // A comment segment after the start-of-image marker: new bytes, same picture.
    let comment = [0xFF, 0xFE, 0x00, 0x06, b'n', b'e', b'w', b'!'];
    bytes.splice(2..2, comment);
    std::fs::write(&photo, bytes).unwrap();
    let edited = build("d", true);
    assert_contains(
        &edited.stderr,
        "1 images encoded",
        "the build after an edit",
    );
    let before = std::fs::read_to_string(tmp.path().join("a/en/guide/screens/index.html")).unwrap();
    let after = std::fs::read_to_string(tmp.path().join("d/en/guide/screens/index.html")).unwrap();
    let old = srcset_of(img_with(content_of(&before), "photo", 0));
    let new = srcset_of(img_with(content_of(&after), "photo", 0));
    assert_ne!(old[0].0, new[0].0, "a new content hash");
}

#[test]
fn image_settings_change_the_widths_and_bad_values_are_refused_at_their_line() {
    let tmp = copy_site(&fixture("images-site"));
    let root = tmp.path().join("site");
    append_to_site_yaml(&root, "images:\n  widths: [600]\n  quality: 60\n");
    let b = build_ok(&root);
    let page = b.read("en/guide/screens/index.html");
    let img = img_with(content_of(&page), "alt=\"The home screen\"", 0);
    let widths: Vec<u32> = srcset_of(img).iter().map(|(_, w)| *w).collect();
    assert_eq!(widths, [600, 1170]);

    for (yaml, message) in [
        ("images: {quality: 0}\n", "`images.quality` is 0"),
        ("images: {widths: [4]}\n", "entry 1 of `images.widths` is 4"),
        (
            "images: {formats: [avif]}\n",
            "entry 1 of `images.formats` must be `webp`, not `avif`",
        ),
        ("images: {widht: [480]}\n", "unknown key `images.widht`"),
    ] {
        let tmp = copy_site(&fixture("images-site"));
        let root = tmp.path().join("site");
        append_to_site_yaml(&root, yaml);
        let lines = std::fs::read_to_string(root.join("site.yaml"))
            .unwrap()
            .lines()
            .count();
        let run = build_fails(&root);
        run.stderr_has(message)
            .stderr_has(&format!("site.yaml:{lines}"));
    }
}

#[test]
fn a_truncated_image_is_an_error_naming_the_page_and_line_and_what_to_do() {
    let run = build_fails(&fixture("images-broken"));
    run.stderr_has("content/en/guide.md:7: image `content/en/cut.png` cannot be used: the PNG file is truncated")
        .stderr_has("help: export the image again");
}

#[test]
fn check_reports_a_truncated_image_and_still_checks_every_other_page() {
    let run = waypost_run([
        "--root",
        fixture("images-broken").to_str().unwrap(),
        "check",
        "--format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    let broken: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["kind"] == "broken-image")
        .collect();
    assert_eq!(broken.len(), 1, "{findings:#?}");
    assert_eq!(broken[0]["file"], "content/en/guide.md");
    assert_eq!(broken[0]["line"], 7);
    assert_eq!(broken[0]["severity"], "error");
    assert_eq!(broken[0]["category"], "images");
    // The load went on: the other checks ran (the pages have no review dates).
    assert!(
        findings.iter().any(|f| f["kind"] == "not-reviewed"),
        "{findings:#?}"
    );
}

#[test]
fn check_warns_about_images_without_alt_text_in_any_language_and_about_large_files() {
    let tmp = copy_site(&fixture("images-site"));
    let root = tmp.path().join("site");
    std::fs::write(
        root.join("content/zh/guide/screens.md"),
        "---\ntitle: 屏幕\nreviewed: 2026-11-01\n---\n\n第一个屏幕。\n\n![](phone.png)\n\n<img src=\"phone.png\">\n",
    )
    .unwrap();
    write_large_png(&root.join("content/en/guide/large.png"));
    std::fs::write(
        root.join("content/en/guide/large.md"),
        "---\ntitle: Large\nreviewed: 2026-11-01\n---\n\n![A very large image](large.png)\n",
    )
    .unwrap();
    let run = waypost_run([
        "--root",
        root.to_str().unwrap(),
        "check",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    let of = |kind: &str| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = findings
            .iter()
            .filter(|f| f["kind"] == kind)
            .map(|f| {
                assert_eq!(f["severity"], "warning", "{f}");
                (
                    f["file"].as_str().unwrap_or("").to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        of("image-alt"),
        [
            ("content/en/guide/screens.md".to_string(), 10),
            ("content/zh/guide/screens.md".to_string(), 8),
            ("content/zh/guide/screens.md".to_string(), 10),
        ]
    );
    assert_eq!(
        of("large-image"),
        [("content/en/guide/large.md".to_string(), 6)]
    );
    // Warnings only: the check passes, and a build of the same site succeeds.
    assert_eq!(run.status.code(), Some(0), "{}", run.stdout);
    build_ok(&root);
}

/// A valid 64 × 64 PNG over 5 MB (a large text chunk).
fn write_large_png(path: &Path) {
    let tiny = std::fs::read(fixture("images/tiny.png")).unwrap();
    let iend = tiny.len() - 12;
    let mut chunk = b"tEXt".to_vec();
    chunk.extend(b"Comment\0");
    chunk.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024 + 100));
    let mut out = tiny[..iend].to_vec();
    out.extend(((chunk.len() - 4) as u32).to_be_bytes());
    out.extend(&chunk);
    out.extend(crc32fast::hash(&chunk).to_be_bytes());
    out.extend(&tiny[iend..]);
    std::fs::write(path, out).unwrap();
}

mod browser {
    use super::*;
    use crate::browser::{chrome, example_site, serial, serve_dir};

    /// Bytes of every image file the page at `url` shows, as its originals.
    fn originals(site: &Path, urls: &[String]) -> u64 {
        urls.iter()
            .map(|u| {
                let rel = percent_decode(u.trim_start_matches('/'));
                std::fs::metadata(site.join(rel))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum()
    }

    #[test]
    fn a_phone_at_390_px_and_dpr_2_fetches_at_most_a_third_of_the_screenshots_bytes() {
        let _g = serial();
        let site = example_site();
        let server = serve_dir(site);
        let chrome = chrome();
        let page = chrome.open("about:blank");
        page.set_viewport_at(390, 844, 2.0);
        page.goto(&format!("{}/en/esim/in-app/", server.base));
        assert_eq!(page.eval("window.devicePixelRatio"), serde_json::json!(2));
        // Before scrolling, the screenshots below the fold wait.
        let early = page.eval(
            "performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img').length",
        );
        // Scroll through the page so that every lazy image loads.
        page.eval(
            "(async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) { \
             window.scrollTo(0, y); await new Promise(r => setTimeout(r, 150)); } \
             window.scrollTo(0, document.body.scrollHeight); return true; })()",
        );
        page.wait_for(
            "Array.from(document.querySelectorAll('.content img')).every(i => i.complete && i.naturalWidth > 0)",
            20,
        );
        let shown: Vec<String> = serde_json::from_str(
            page.eval(
                "JSON.stringify(Array.from(document.querySelectorAll('.content img')).map(i => i.getAttribute('src')))",
            )
            .as_str()
            .expect("a list"),
        )
        .expect("JSON");
        let chosen: Vec<String> = serde_json::from_str(
            page.eval(
                "JSON.stringify(Array.from(document.querySelectorAll('.content img')).map(i => new URL(i.currentSrc).pathname))",
            )
            .as_str()
            .expect("a list"),
        )
        .expect("JSON");
        let fetched = page
            .eval(
                "performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img' \
                 || /\\.(png|webp|jpe?g|gif|svg)$/.test(new URL(e.name).pathname)) \
                 .reduce((n, e) => n + e.encodedBodySize, 0)",
            )
            .as_u64()
            .expect("a byte count");
        let originals = originals(site, &shown);
        page.screenshot("images-phone-in-app");
        eprintln!(
            "390 px DPR 2: fetched {fetched} B of images for {} images ({} before scrolling), \
             originals {originals} B; chosen {chosen:?}",
            shown.len(),
            early
        );
        assert!(
            shown.len() >= 3,
            "the guide shows its screenshots: {shown:?}"
        );
        assert!(
            chosen.iter().all(|c| c.ends_with(".webp")),
            "a phone gets the WebP copies: {chosen:?}"
        );
        assert!(
            fetched * 3 <= originals,
            "fetched {fetched} B, more than a third of the originals' {originals} B"
        );
        // A click on a screenshot opens the original.
        let href = page
            .eval("document.querySelector('.content picture').parentElement.getAttribute('href')");
        assert_eq!(href, serde_json::json!(shown[0]));
        page.assert_no_errors();
    }
}
