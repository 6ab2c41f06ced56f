//! What the build tells its host and its machine readers: `_redirects`, `_headers` and
//! `.nojekyll` for Netlify, Cloudflare Pages and GitHub Pages, `llms.txt` and the pages'
//! Markdown sources, each left out by its `output:` key; `waypost host caddy` fragments
//! served by Debian's Caddy (precompressed copies, redirects, caching, the 404 page);
//! `waypost host --to` never replacing a file it did not write; `check --format github`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const CADDY: &str = "/usr/bin/caddy";

/// The example site's sources in a temporary folder (the site is `<tmp>`), with `yaml`
/// added to its site.yaml.
fn example_with(yaml: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for sub in ["content", "templates", "i18n", "static"] {
        if repo_root().join(sub).is_dir() {
            copy_dir(&repo_root().join(sub), &tmp.path().join(sub));
        }
    }
    std::fs::copy(repo_root().join("site.yaml"), tmp.path().join("site.yaml")).unwrap();
    if !yaml.is_empty() {
        append_to_site_yaml(tmp.path(), yaml);
    }
    tmp
}

#[test]
fn a_build_writes_the_host_files_llms_txt_and_the_markdown_sources() {
    let site = example_with("");
    let b = build_ok(site.path());
    assert_contains(
        &b.read("_redirects"),
        "/en/esim-qr/ /en/esim/qr-code/ 301\n",
        "_redirects",
    );
    assert_contains(
        &b.read("_redirects"),
        "/zh/%E4%BA%8C%E7%BB%B4%E7%A0%81-esim/ /zh/esim/qr-code/ 301\n",
        "_redirects",
    );
    let headers = b.read("_headers");
    assert_contains(
        &headers,
        "/*\n  X-Content-Type-Options: nosniff\n",
        "_headers",
    );
    assert_contains(
        &headers,
        "Content-Security-Policy: default-src 'self'",
        "_headers",
    );
    b.assert_file(".nojekyll");

    // llms.txt: the languages at the root, each language's guides by section.
    let root = b.read("llms.txt");
    assert!(root.starts_with("# Kestrel Mobile guides\n\n> "), "{root}");
    assert_contains(
        &root,
        "(https://guides.example.org/zh/llms.txt)",
        "llms.txt",
    );
    let en = b.read("en/llms.txt");
    assert_contains(&en, "\n## Get an eSIM\n", "en/llms.txt");
    assert_contains(
        &en,
        "- [Get an eSIM with a QR code](https://guides.example.org/en/esim/qr-code.md): Verify online",
        "en/llms.txt",
    );
    // The source, as written, where its relative image resolves.
    assert_eq!(
        b.read("en/esim/qr-code.md"),
        std::fs::read_to_string(site.path().join("content/en/esim/qr-code.md")).unwrap()
    );
    assert_contains(&b.read("en/esim/qr-code.md"), "](qr-scan.svg)", "source");
    b.assert_file("en/esim/qr-scan.svg");
    // A fallback page (English text under /ar/) has no source and no entry of its own.
    let ar = b.read("ar/llms.txt");
    let fallback = site.path().join("content/ar/esim/qr-code.md");
    assert!(!fallback.exists(), "the example's ar has no qr-code guide");
    b.assert_file("ar/esim/qr-code/index.html");
    b.assert_no_file("ar/esim/qr-code.md");
    assert_not_contains(&ar, "qr-code", "ar/llms.txt");
}

#[test]
fn output_keys_leave_out_the_host_files_llms_txt_and_the_sources() {
    let site = example_with(
        "output:\n  host_files: false\n  llms_txt: false\n  markdown_sources: false\n",
    );
    let b = build_ok(site.path());
    for file in [
        "_redirects",
        "_headers",
        ".nojekyll",
        "llms.txt",
        "en/llms.txt",
        "en/esim/qr-code.md",
        "zh/_index.md",
    ] {
        b.assert_no_file(file);
    }
    // The redirect pages stay for hosts that read no `_redirects`.
    b.assert_file("en/esim-qr/index.html");
}

#[test]
fn llms_txt_links_the_pages_when_their_sources_are_not_published() {
    let site = example_with("output:\n  markdown_sources: false\n");
    let b = build_ok(site.path());
    assert_contains(
        &b.read("en/llms.txt"),
        "- [Get an eSIM with a QR code](https://guides.example.org/en/esim/qr-code/): ",
        "en/llms.txt",
    );
}

#[test]
fn an_output_key_of_the_wrong_type_is_reported_at_its_line() {
    let site = example_with("output:\n  llms_txt: sometimes\n");
    let lines = std::fs::read_to_string(site.path().join("site.yaml"))
        .unwrap()
        .lines()
        .count();
    let b = build_with(site.path(), &[]);
    b.run
        .assert_failure()
        .stderr_has(&format!("site.yaml:{lines}"))
        .stderr_has("llms_txt");
}

#[test]
fn host_to_never_replaces_a_file_it_did_not_write() {
    let site = example_with("");
    let conf = site.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("waypost.caddy"), "# my own, hand-written\n").unwrap();
    let host = |dir: &Path| {
        run(waypost()
            .arg("--root")
            .arg(site.path())
            .arg("host")
            .arg("caddy")
            .arg("--to")
            .arg(dir))
    };
    host(&conf)
        .assert_failure()
        .stderr_has("waypost.caddy")
        .stderr_has("was not written by `waypost host`");
    assert_eq!(
        std::fs::read_to_string(conf.join("waypost.caddy")).unwrap(),
        "# my own, hand-written\n"
    );
    // Its own fragments it replaces (a second run after a change of the site).
    let fresh = site.path().join("fresh");
    host(&fresh).assert_success();
    append_to_site_yaml(site.path(), "output:\n  csp: \"default-src 'self'\"\n");
    host(&fresh).assert_success();
    assert_contains(
        &std::fs::read_to_string(fresh.join("waypost.caddy")).unwrap(),
        "Content-Security-Policy \"default-src 'self'\"",
        "waypost.caddy",
    );
}

#[test]
fn check_in_github_format_annotates_files_and_lines() {
    let site = example_with("");
    std::fs::write(
        site.path().join("content/en/broken.md"),
        "---\ntitle: Broken\n---\n\nSee [the missing page](not-there.md).\n",
    )
    .unwrap();
    let r = run(waypost()
        .arg("--root")
        .arg(site.path())
        .arg("check")
        .arg("--format")
        .arg("github")
        .env("GITHUB_WORKSPACE", site.path().parent().unwrap()));
    assert_eq!(r.status.code(), Some(1), "{}", r.stderr);
    let name = site.path().file_name().unwrap().to_string_lossy();
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no error annotation:\n{}", r.stdout));
    assert!(
        line.starts_with(&format!("::error file={name}/content/en/broken.md,line=5,")),
        "{line}"
    );
    assert_contains(&r.stdout, "::group::Links and anchors\n", "stdout");
    assert_contains(&r.stdout, "::endgroup::\n", "stdout");
    assert_contains(&r.stdout, "error", "stdout");
}

/// Caddy serving `www` (which holds the site at `/guides/`) with `fragment` imported.
struct Caddy {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Caddy {
    fn start(www: &Path, fragment: &Path, port: u16) -> Caddy {
        assert!(
            Path::new(CADDY).exists(),
            "Caddy is required for this test: apt-get install caddy"
        );
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("Caddyfile");
        std::fs::write(
            &conf,
            format!(
                "{{\n  admin off\n  auto_https off\n}}\n\
                 http://127.0.0.1:{port} {{\n  root * {}\n  import {}\n}}\n",
                www.display(),
                fragment.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("caddy.log")).unwrap();
        let child = Command::new(CADDY)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&conf)
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start caddy");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "caddy did not start: {}",
                std::fs::read_to_string(dir.path().join("caddy.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Caddy { child, _dir: dir }
    }
}

/// (status, head, body) of `GET path` with `Accept-Encoding: encoding` (or none).
fn get(port: u16, path: &str, encoding: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let enc = encoding.map_or(String::new(), |e| format!("Accept-Encoding: {e}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{enc}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, body)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn caddy_with_the_host_fragment_serves_brotli_copies_redirects_and_the_404_page() {
    let port = free_port();
    let site = example_with("output:\n  precompress: [br, gzip]\n");
    let base = format!("http://127.0.0.1:{port}/guides/");
    let www = site.path().join("www");
    let out: PathBuf = www.join("guides");
    run(waypost()
        .arg("--root")
        .arg(site.path())
        .args(["-q", "build", "--base-url", &base, "--output"])
        .arg(&out))
    .assert_success();
    let conf = site.path().join("caddy");
    run(waypost()
        .arg("--root")
        .arg(site.path())
        .args(["host", "caddy", "--base-url", &base, "--to"])
        .arg(&conf))
    .assert_success();
    let _caddy = Caddy::start(&www, &conf.join("waypost.caddy"), port);

    // A client that takes Brotli gets the build's own .br copy.
    let (status, head, body) = get(port, "/guides/en/esim/", Some("br, gzip"));
    assert_eq!(status, 200, "{head}");
    assert_eq!(header(&head, "content-encoding"), Some("br"), "{head}");
    let br = std::fs::read(out.join("en/esim/index.html.br")).unwrap();
    assert!(
        body == br,
        "got {} bytes, the .br copy has {}",
        body.len(),
        br.len()
    );
    assert_eq!(
        header(&head, "cache-control"),
        Some("public, max-age=0, must-revalidate")
    );
    assert!(header(&head, "content-security-policy").is_some(), "{head}");

    // Hashed theme files: a year.
    let css = list_files(&out)
        .into_keys()
        .find(|p| p.starts_with("waypost.") && p.ends_with(".css") && p != "waypost.css")
        .expect("a hashed stylesheet");
    let (status, head, _) = get(port, &format!("/guides/{css}"), None);
    assert_eq!(status, 200);
    assert_eq!(
        header(&head, "cache-control"),
        Some("public, max-age=31536000, immutable"),
        "{head}"
    );

    // Aliases are 301s, in ASCII and percent-encoded Chinese.
    for (from, to) in [
        ("/guides/en/esim-qr/", "/guides/en/esim/qr-code/"),
        (
            "/guides/zh/%E4%BA%8C%E7%BB%B4%E7%A0%81-esim/",
            "/guides/zh/esim/qr-code/",
        ),
    ] {
        let (status, head, _) = get(port, from, None);
        assert_eq!(status, 301, "{from}: {head}");
        assert_eq!(header(&head, "location"), Some(to), "{head}");
    }

    // A missing page: the site's 404 page, with a 404 status.
    let (status, _, body) = get(port, "/guides/en/not-there/", None);
    assert_eq!(status, 404);
    let page = std::fs::read(out.join("404.html")).unwrap();
    assert!(
        body == page,
        "got {} bytes, 404.html has {}",
        body.len(),
        page.len()
    );
}
