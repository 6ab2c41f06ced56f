//! Deploying the built site on a real static server: Debian's nginx, started and stopped
//! by the test on 127.0.0.1, serving the example site under a sub-path (`/guides/`) with
//! `gzip_static` for the precompressed copies. nginx is required: `.ci/run` installs it.
//!
//! Every page is fetched; every URL a page names (links, stylesheets, scripts, images,
//! canonical and alternate links, the search bundle's files) must stay under `/guides/`
//! and answer 200; the server's access log must show no request outside it.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const NGINX: &str = "/usr/sbin/nginx";

/// nginx serving `site` at `/guides/` on a free port of 127.0.0.1, until dropped.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    fn start(site: &Path, port: u16) -> Nginx {
        Nginx::start_with(site, port, None)
    }

    /// nginx with the fragments `waypost host nginx --to conf` wrote included.
    fn start_with(site: &Path, port: u16, conf: Option<&Path>) -> Nginx {
        let (in_http, in_location) = match conf {
            Some(c) => (
                format!("  include {}/waypost-http.conf;\n", c.display()),
                format!(" include {}/waypost-server.conf;", c.display()),
            ),
            None => (String::new(), String::new()),
        };
        assert!(
            Path::new(NGINX).exists(),
            "nginx is required for this test: apt-get install nginx-light"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  include /etc/nginx/mime.types;\n  access_log {d}/access.log;\n{in_http}\
             client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port};\n    gzip_static on;\n\
             location /guides/ {{ alias {}/; index index.html; error_page 404 /guides/404.html;{in_location} }}\n  }}\n}}\n",
            site.display()
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {}",
                std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, dir }
    }

    /// The request paths of the access log.
    fn requested(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split('"').nth(1)?.split(' ').nth(1).map(str::to_string))
            .collect()
    }
}

/// (status, headers, body) of `GET path`.
fn get(port: u16, path: &str, gzip: bool) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let enc = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{enc}Connection: close\r\n\r\n"
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

/// `href`/`src` of a page at URL path `page` made into a URL path of this server, or
/// None for what leaves it on purpose (other sites, `mailto:`, a fragment alone).
fn resolve(page: &str, url: &str, origin: &str) -> Option<String> {
    let url = html_escape_decode(url);
    let url = url.split('#').next().unwrap_or("").to_string();
    if url.is_empty() || url.starts_with("mailto:") || url.starts_with("data:") {
        return None;
    }
    let path = if let Some(rest) = url.strip_prefix(origin) {
        rest.to_string()
    } else if url.contains("://") {
        return None;
    } else if url.starts_with('/') {
        url
    } else {
        let base = &page[..page.rfind('/').map_or(0, |i| i + 1)];
        format!("{base}{url}")
    };
    let path = path.split('?').next().unwrap_or("").to_string();
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn html_escape_decode(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
}

/// The example site with precompression on, built for `http://127.0.0.1:PORT/guides/`.
fn build_example_for(port: u16) -> (tempfile::TempDir, PathBuf) {
    let (tmp, _, out) = build_example_with(port, "");
    (tmp, out)
}

/// The same, with `yaml` added to site.yaml: (temp dir, site sources, output).
fn build_example_with(port: u16, yaml: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("site");
    for sub in ["content", "templates", "i18n", "static"] {
        if repo_root().join(sub).is_dir() {
            copy_dir(&repo_root().join(sub), &src.join(sub));
        }
    }
    std::fs::copy(repo_root().join("site.yaml"), src.join("site.yaml")).unwrap();
    append_to_site_yaml(&src, &format!("output:\n  precompress: [gzip]\n{yaml}"));
    let out = tmp.path().join("public");
    run(waypost()
        .arg("--root")
        .arg(&src)
        .arg("-q")
        .arg("build")
        .arg("--base-url")
        .arg(format!("http://127.0.0.1:{port}/guides/"))
        .arg("--output")
        .arg(&out))
    .assert_success();
    (tmp, src, out)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_site_deploys_under_a_sub_path_on_nginx_with_every_url_inside_it() {
    let port = free_port();
    let (_tmp, out) = build_example_for(port);
    let nginx = Nginx::start(&out, port);
    let origin = format!("http://127.0.0.1:{port}");

    let mut named: BTreeSet<String> = BTreeSet::new();
    let pages = html_files(&out);
    assert!(pages.len() > 50, "{}", pages.len());
    for (file, html) in &pages {
        let url = format!(
            "/guides/{}",
            file.strip_suffix("index.html").unwrap_or(file)
        );
        let (status, _, _) = get(port, &url, false);
        assert_eq!(status, 200, "{url}");
        for attr in ["href", "src", "content", "data-bundle"] {
            for value in attr_values(html, attr) {
                if attr == "content" && !value.starts_with(&origin) {
                    continue;
                }
                if let Some(path) = resolve(&url, value, &origin) {
                    assert!(
                        path.starts_with("/guides/"),
                        "{file} names `{value}`, outside the site's sub-path"
                    );
                    // The search bundle's folder: its files are checked below.
                    if attr != "data-bundle" {
                        named.insert(path);
                    }
                }
            }
        }
    }
    // Every file of the search bundles (the search script asks for them by name).
    for path in list_files(&out).keys() {
        if path.contains("/pagefind/") && !path.ends_with(".gz") {
            named.insert(format!("/guides/{path}"));
        }
    }
    for path in &named {
        let (status, _, _) = get(port, path, false);
        assert_eq!(status, 200, "{path}");
    }

    // The precompressed copy is what a client that takes gzip gets.
    let (status, head, body) = get(port, "/guides/en/", true);
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase().contains("content-encoding: gzip"),
        "{head}"
    );
    assert_eq!(body, std::fs::read(out.join("en/index.html.gz")).unwrap());

    let outside: Vec<String> = nginx
        .requested()
        .into_iter()
        .filter(|p| !p.starts_with("/guides/"))
        .collect();
    assert!(
        outside.is_empty(),
        "requested outside /guides/: {outside:?}"
    );
    assert!(named.len() > 100, "{} URLs checked", named.len());
}

/// The header `name` (lower case) of a response head, if sent.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `waypost host nginx --to <tmp>/nginx` for the site at `src` served at `origin/guides/`.
fn nginx_fragments(tmp: &Path, src: &Path, port: u16) -> PathBuf {
    let conf = tmp.join("nginx");
    run(waypost()
        .arg("--root")
        .arg(src)
        .arg("host")
        .arg("nginx")
        .arg("--base-url")
        .arg(format!("http://127.0.0.1:{port}/guides/"))
        .arg("--to")
        .arg(&conf))
    .assert_success();
    conf
}

#[test]
fn nginx_with_the_host_fragments_redirects_aliases_and_keeps_hashed_files_for_a_year() {
    let port = free_port();
    let (tmp, src, out) = build_example_with(port, "");
    let conf = nginx_fragments(tmp.path(), &src, port);
    let _nginx = Nginx::start_with(&out, port, Some(&conf));

    // An alias is a real 301 to the page, in ASCII and in Chinese (percent-encoded).
    for alias in [
        "/guides/en/esim-qr/",
        "/guides/zh/%E4%BA%8C%E7%BB%B4%E7%A0%81-esim/",
    ] {
        let (status, head, _) = get(port, alias, false);
        assert_eq!(status, 301, "{alias}: {head}");
        let to = header(&head, "location").unwrap_or_default();
        assert!(
            to.ends_with("/guides/en/esim/qr-code/") || to.ends_with("/guides/zh/esim/qr-code/"),
            "{to}"
        );
    }
    // The theme's hashed stylesheet and a search fragment: a year, immutable.
    let css = list_files(&out)
        .into_keys()
        .find(|p| p.starts_with("waypost.") && p.ends_with(".css") && p != "waypost.css")
        .expect("a hashed stylesheet");
    let fragment = list_files(&out)
        .into_keys()
        .find(|p| p.starts_with("en/pagefind/fragment/") && !p.ends_with(".gz"))
        .expect("a search fragment");
    for path in [&css, &fragment] {
        let (status, head, _) = get(port, &format!("/guides/{path}"), false);
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            header(&head, "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}: {head}"
        );
    }
    // Pages and the unhashed search script: checked on every visit, with the policy.
    for path in [
        "/guides/en/esim/",
        "/guides/en/pagefind/pagefind.js",
        "/guides/en/nope/",
    ] {
        let (_, head, _) = get(port, path, false);
        assert_eq!(
            header(&head, "cache-control"),
            Some("public, max-age=0, must-revalidate"),
            "{path}: {head}"
        );
        let csp = header(&head, "content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{path}: {head}"
        );
        assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"));
    }
    // `_headers` names the same hashed files for Netlify and Cloudflare Pages.
    let headers = std::fs::read_to_string(out.join("_headers")).unwrap();
    assert!(
        headers.contains(&format!(
            "/guides/{css}\n  Cache-Control: public, max-age=31536000, immutable"
        )),
        "{headers}"
    );
    let redirects = std::fs::read_to_string(out.join("_redirects")).unwrap();
    assert!(
        redirects.contains("/guides/en/esim-qr/ /guides/en/esim/qr-code/ 301"),
        "{redirects}"
    );
}

#[test]
fn pages_break_no_rule_of_the_content_security_policy_the_host_files_send() {
    use crate::browser::{chrome, serial};
    let _g = serial();
    let port = free_port();
    let (tmp, src, out) = build_example_with(port, "");
    let conf = nginx_fragments(tmp.path(), &src, port);
    let _nginx = Nginx::start_with(&out, port, Some(&conf));
    let chrome = chrome();
    let base = format!("http://127.0.0.1:{port}/guides");
    // A guide (theme script, inline scripts, images), the language chooser, and a search
    // run on the search page (Pagefind's WebAssembly and workers).
    for path in ["/en/esim/qr-code/", "/", "/ar/", "/zh/nope/"] {
        let page = chrome.open(&format!("{base}{path}"));
        page.wait_for("document.readyState === 'complete'", 20);
        // The 404 page's own status is the one error it may log.
        page.errors
            .lock()
            .unwrap()
            .retain(|e| !(path.ends_with("nope/") && e.contains("404 (Not Found)")));
        page.assert_no_errors();
    }
    let page = chrome.open(&format!("{base}/en/search/?q=video%20call"));
    page.wait_for(
        "document.querySelectorAll('[data-search-page] .result-link').length > 0",
        30,
    );
    page.assert_no_errors();
}
