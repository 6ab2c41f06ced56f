//! `waypost serve`: the real binary on an ephemeral port, talked to over raw HTTP on
//! 127.0.0.1 and its Server-Sent Events stream, while the test edits the site on disk.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::common::{copy_dir, repo_root, waypost};

/// A running `waypost serve` on a copy of a site.
pub(crate) struct Server {
    child: Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// The site's folder (a temporary copy).
    pub root: PathBuf,
    _dir: tempfile::TempDir,
    /// Lines the server logged after startup (kept so the pipe keeps draining).
    log: Receiver<String>,
}

impl Server {
    /// Whether the server process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The lines the server logged since the last call.
    pub(crate) fn log_lines(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }

    /// Waits up to `secs` for a logged line containing `needle`, and returns it.
    pub(crate) fn wait_for_log(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            match self
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("serve did not log {needle:?} within {secs} s"),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example site (content, site.yaml, and a copy of the theme's templates so that a
/// template edit can be tested) in a temporary folder.
pub(crate) fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("content"), &dir.path().join("content"));
    copy_dir(
        &repo_root().join("templates"),
        &dir.path().join("templates"),
    );
    std::fs::copy(repo_root().join("site.yaml"), dir.path().join("site.yaml")).unwrap();
    dir
}

/// Starts `waypost serve --port 0` on `dir` (without the build cache) and waits for its
/// URL.
pub(crate) fn start(dir: tempfile::TempDir, extra: &[&str]) -> Server {
    start_with(dir, extra, false)
}

/// [`start`], with the build cache in the site's folder when `cache`.
pub(crate) fn start_with(dir: tempfile::TempDir, extra: &[&str], cache: bool) -> Server {
    let root = dir.path().to_path_buf();
    let mut cmd = waypost();
    if cache {
        cmd.env_remove("WAYPOST_NO_CACHE");
    }
    let mut child = cmd
        .arg("--root")
        .arg(&root)
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start waypost serve");
    // The address is printed on standard output ("serving at URL", for scripts), the
    // logs on standard error; both end up in one channel of lines.
    let stdout = child.stdout.take().unwrap();
    let (url_tx, url_rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = url_tx.send(line);
        }
    });
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            // Keep reading even when nobody listens, so the server never blocks on stderr.
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        let line = url_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("serve did not print its address on standard output");
        if let Some(rest) = line.strip_prefix("serving at http://") {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    Server {
        child,
        addr,
        root,
        _dir: dir,
        log: rx,
    }
}

/// One HTTP response.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

/// GET `path` exactly as written (no normalisation), with an optional Host header.
pub(crate) fn get_raw(addr: &str, path: &str, host: Option<&str>) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let host = host.unwrap_or(addr);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

/// GET `path` with the right Host.
pub(crate) fn get(addr: &str, path: &str) -> Response {
    get_raw(addr, path, None)
}

/// A subscriber to the live-reload stream.
pub(crate) struct Events {
    rx: Receiver<(String, String)>,
}

impl Events {
    /// Connects to `/__waypost/events`.
    pub(crate) fn connect(addr: &str) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /__waypost/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut event = String::new();
            for line in BufReader::new(s).lines() {
                let Ok(line) = line else { break };
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    if tx.send((event.clone(), d.to_string())).is_err() {
                        break;
                    }
                }
            }
        });
        // Let the subscription reach the server before the test edits files.
        std::thread::sleep(Duration::from_millis(300));
        Events { rx }
    }

    /// Waits for the next event named `name` (skipping others); returns its data. The
    /// limit is a hang guard, generous for a loaded 2-core machine, not a timing test.
    pub(crate) fn wait(&self, name: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs.max(60));
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((e, d)) if e == name => return d,
                Ok(other) => skipped.push(other),
                Err(_) => panic!("no `{name}` event; got instead: {skipped:?}"),
            }
        }
    }
}

/// Rewrites a file as an editor would (write a temp file, rename over).
pub(crate) fn save(path: &Path, text: &str) {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".waypost-test~");
    let tmp = path.with_file_name(name);
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// `text` (a page of the example site) with `paragraph` added before its "Steps" heading.
pub(crate) fn with_paragraph(text: &str, paragraph: &str) -> String {
    assert!(
        text.contains("## Steps {#steps}"),
        "the page has a Steps heading"
    );
    text.replace(
        "## Steps {#steps}",
        &format!("{paragraph}\n\n## Steps {{#steps}}"),
    )
}

#[test]
fn editing_a_page_sends_a_reload_and_serves_the_new_text() {
    let server = start(example_copy(), &[]);
    let events = Events::connect(&server.addr);
    let page = server.root.join("content/en/esim/in-app.md");
    let text = std::fs::read_to_string(&page).unwrap();
    save(&page, &with_paragraph(&text, "Marker paragraph for serve."));
    let data = events.wait("reload", 20);
    assert!(data.contains("/en/esim/in-app/"), "{data}");
    let resp = get(&server.addr, "/en/esim/in-app/");
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("Marker paragraph for serve."));
    assert!(
        resp.body.contains("/__waypost/livereload.js"),
        "the live-reload script is injected"
    );
    // The Arabic fallback copy of that page shows the new text too.
    assert!(data.contains("/ar/esim/in-app/"), "{data}");
}

#[test]
fn broken_front_matter_shows_the_error_and_keeps_the_last_good_page() {
    let server = start(example_copy(), &[]);
    let events = Events::connect(&server.addr);
    let page = server.root.join("content/en/esim/in-app.md");
    let good = std::fs::read_to_string(&page).unwrap();
    save(&page, &good.replacen("title:", "titel:", 1));
    let data = events.wait("build-error", 20);
    assert!(
        data.contains("content/en/esim/in-app.md:2"),
        "names file and line: {data}"
    );
    assert!(data.contains("titel"), "{data}");
    let mut logged = String::new();
    eventually("the error is logged", || {
        logged.push_str(&server.log_lines().join("\n"));
        logged.contains("in-app.md:2")
    });
    assert!(!logged.contains("error: error:"), "said once: {logged}");
    let resp = get(&server.addr, "/en/esim/in-app/");
    assert_eq!(resp.status, 200, "the last good page is still served");
    assert!(resp.body.contains("<h1>"));
    // A browser connecting now sees the error at once.
    let late = Events::connect(&server.addr);
    late.wait("build-error", 10);
    // Fixing it clears the overlay and reloads.
    save(&page, &with_paragraph(&good, "Fixed now."));
    events.wait("ok", 20);
    let data = events.wait("reload", 20);
    assert!(data.contains("/en/esim/in-app/"), "{data}");
    assert!(get(&server.addr, "/en/esim/in-app/")
        .body
        .contains("Fixed now."));
}

#[test]
fn adding_and_deleting_a_page_updates_the_navigation() {
    let server = start(example_copy(), &[]);
    let events = Events::connect(&server.addr);
    let new = server.root.join("content/en/esim/by-courier.md");
    save(
        &new,
        "---\ntitle: Brand new courier path\nweight: 9\n---\n\nText.\n",
    );
    events.wait("reload", 20);
    assert_eq!(get(&server.addr, "/en/esim/by-courier/").status, 200);
    assert!(get(&server.addr, "/en/esim/")
        .body
        .contains("Brand new courier path"));
    std::fs::remove_file(&new).unwrap();
    events.wait("reload", 20);
    assert_eq!(get(&server.addr, "/en/esim/by-courier/").status, 404);
    assert!(!get(&server.addr, "/en/esim/")
        .body
        .contains("Brand new courier path"));
}

#[test]
fn editing_a_template_re_renders_every_page() {
    let server = start(example_copy(), &[]);
    let events = Events::connect(&server.addr);
    let base = server.root.join("templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    save(
        &base,
        &text.replace(
            "<footer class=\"site-footer\">",
            "<footer class=\"site-footer\"><p>TEMPLATE-MARK</p>",
        ),
    );
    events.wait("reload", 30);
    for path in [
        "/en/",
        "/zh/esim/in-app/",
        "/es/help/glossary/",
        "/ar/account/",
        "/en/404.html",
    ] {
        let resp = get(&server.addr, path);
        assert!(
            resp.body.contains("TEMPLATE-MARK"),
            "{path} was not re-rendered"
        );
    }
}

#[test]
fn a_css_change_swaps_the_stylesheet_without_a_reload() {
    let dir = example_copy();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    std::fs::write(dir.path().join("static/extra.css"), "body{}").unwrap();
    let server = start(dir, &[]);
    let events = Events::connect(&server.addr);
    save(&server.root.join("static/extra.css"), "body{color:red}");
    events.wait("css", 20);
    assert_eq!(get(&server.addr, "/extra.css").body, "body{color:red}");
}

#[test]
fn paths_outside_the_site_are_not_served() {
    let server = start(example_copy(), &[]);
    for path in [
        "/../../etc/passwd",
        "/en/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..%2f..%2fetc/passwd",
        "/en/%00/x",
    ] {
        let resp = get(&server.addr, path);
        assert_eq!(resp.status, 404, "{path}");
        assert!(!resp.body.contains("root:"), "{path}");
    }
    let resp = get(&server.addr, "/en/no-such-page/");
    assert_eq!(resp.status, 404);
    assert!(
        resp.body.contains("lang=\"en\""),
        "the language's own 404 page"
    );
    let resp = get(&server.addr, "/zh/no-such-page/");
    assert!(resp.body.contains("lang=\"zh\""));
}

#[test]
fn files_are_served_with_their_types_and_folders_with_index_html() {
    let server = start(example_copy(), &[]);
    let resp = get(&server.addr, "/en/esim/qr-scan.svg");
    assert_eq!(resp.status, 200);
    assert!(resp
        .headers
        .to_ascii_lowercase()
        .contains("content-type: image/svg+xml"));
    assert!(get(&server.addr, "/waypost.css")
        .headers
        .to_ascii_lowercase()
        .contains("text/css"));
    let resp = get(&server.addr, "/en/esim");
    assert_eq!(resp.status, 308, "a folder without its slash is redirected");
    assert!(resp.headers.contains("/en/esim/"));
    assert_eq!(get(&server.addr, "/").status, 200);
}

#[test]
fn requests_for_another_host_are_refused() {
    let server = start(example_copy(), &[]);
    let resp = get_raw(&server.addr, "/en/", Some("attacker.example:80"));
    assert_eq!(resp.status, 403);
    let port = server.addr.rsplit(':').next().unwrap();
    let resp = get_raw(&server.addr, "/en/", Some(&format!("localhost:{port}")));
    assert_eq!(resp.status, 200);
}

#[test]
fn a_busy_port_is_reported_with_a_free_one_suggested() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let dir = example_copy();
    let out = waypost()
        .arg("--root")
        .arg(dir.path())
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("port already in use"), "{err}");
    assert!(err.contains("--port"), "{err}");
}

/// Pages in the English search index the server serves now (0 while it has none).
fn served_search_pages(addr: &str) -> u64 {
    let r = get(addr, "/en/pagefind/pagefind-entry.json");
    assert_eq!(r.status, 200, "the bundle is served from the start");
    let entry: serde_json::Value = serde_json::from_str(&r.body).expect("entry is JSON");
    entry["languages"]["en"]["page_count"].as_u64().unwrap_or(0)
}

/// Polls until `f` holds; the limit is a hang guard, not a timing test.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !f() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_search_index_is_built_in_the_background_and_follows_edits() {
    let server = start(example_copy(), &[]);
    let events = Events::connect(&server.addr);
    let mut before = 0;
    eventually("the first search index", || {
        before = served_search_pages(&server.addr);
        before > 0
    });
    save(
        &server.root.join("content/en/esim/by-courier.md"),
        "---\ntitle: Brand new courier path\n---\n\nA courier brings the SIM card.\n",
    );
    events.wait("reload", 20);
    eventually("the index refresh after the edit", || {
        served_search_pages(&server.addr) == before + 1
    });
}

#[test]
fn serve_makes_its_search_index_from_the_records_a_build_left_in_the_cache() {
    let dir = example_copy();
    let out = tempfile::tempdir().unwrap();
    let build = crate::common::run(
        waypost()
            .env_remove("WAYPOST_NO_CACHE")
            .arg("--root")
            .arg(dir.path())
            .args(["build", "--output"])
            .arg(out.path().join("public")),
    );
    build.assert_success();
    let built_entry =
        std::fs::read_to_string(out.path().join("public/en/pagefind/pagefind-entry.json")).unwrap();

    let server = start_with(dir, &["-v"], true);
    // Every page's record was there: nothing is parsed again, and the index is the
    // build's (the entry names each index file by a hash of its contents).
    let log = server.wait_for_log("refreshed", 120);
    assert!(log.contains("0 made"), "{log}");
    let served = get(&server.addr, "/en/pagefind/pagefind-entry.json");
    assert_eq!(served.status, 200);
    assert_eq!(served.body, built_entry);

    // A new page reloads the site: only its Markdown is rendered (in English and in
    // the fallback copies of the three other languages) and only it is parsed for
    // search; the rest comes from the cache, and what was made is kept for the next
    // build.
    let events = Events::connect(&server.addr);
    save(
        &server.root.join("content/en/esim/by-courier.md"),
        "---\ntitle: Brand new courier path\n---\n\nA courier brings the SIM card.\n",
    );
    events.wait("reload", 20);
    let log = server.wait_for_log("refreshed", 120);
    assert!(log.contains(", 5 made"), "{log}");
}

#[test]
fn an_asset_replaced_by_a_link_out_of_the_site_is_never_served() {
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-OUTSIDE-THE-SITE").unwrap();
    let dir = example_copy();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    std::fs::write(dir.path().join("static/extra.css"), "body{}").unwrap();
    let server = start(dir, &[]);
    let events = Events::connect(&server.addr);

    // Deleted, then recreated as a link (not `ln -sf`): the case that leaked.
    let asset = server.root.join("content/en/esim/qr-scan.svg");
    std::fs::remove_file(&asset).unwrap();
    std::os::unix::fs::symlink(&secret, &asset).unwrap();
    let data = events.wait("build-error", 30);
    assert!(data.contains("points outside the site"), "{data}");
    let resp = get(&server.addr, "/en/esim/qr-scan.svg");
    assert!(!resp.body.contains("TOP-SECRET"), "leaked: {}", resp.body);

    // Another edit while the link is there does not clear the error.
    let page = server.root.join("content/en/esim/in-app.md");
    let text = std::fs::read_to_string(&page).unwrap();
    save(&page, &with_paragraph(&text, "Edit."));
    let data = events.wait("build-error", 30);
    assert!(data.contains("qr-scan.svg"), "{data}");

    // The same through static/.
    let css = server.root.join("static/extra.css");
    std::fs::remove_file(&css).unwrap();
    std::os::unix::fs::symlink(&secret, &css).unwrap();
    events.wait("build-error", 30);
    assert!(!get(&server.addr, "/extra.css").body.contains("TOP-SECRET"));

    // Fixing one of the two leaves the other's error on screen: no `ok` yet.
    std::fs::remove_file(&asset).unwrap();
    std::fs::write(&asset, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let data = events.wait("build-error", 30);
    assert!(data.contains("extra.css"), "{data}");
    std::fs::remove_file(&css).unwrap();
    std::fs::write(&css, "body{color:blue}").unwrap();
    events.wait("ok", 30);
    assert_eq!(get(&server.addr, "/extra.css").body, "body{color:blue}");
}

#[test]
fn idle_and_half_sent_connections_are_closed_and_the_server_keeps_answering() {
    let server = start(example_copy(), &[]);
    // Many silent connections, and one that sends half a request and stops.
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    let mut half = TcpStream::connect(&server.addr).unwrap();
    write!(half, "GET /en/ HTTP/1.1\r\nHost: {}\r\n", server.addr).unwrap();
    assert_eq!(get(&server.addr, "/en/").status, 200, "still answering");
    // Each is closed by the server after its header timeout (the test's limit is a
    // hang guard, far above it).
    for mut s in idle.into_iter().take(3).chain([half.try_clone().unwrap()]) {
        s.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(
            n == 0 || text.starts_with("HTTP/1.1 408"),
            "closed without a page: {text}"
        );
    }
    drop(half);
    assert_eq!(get(&server.addr, "/en/").status, 200);
}

/// Sends `request` as written and returns the status code of the answer.
fn status_of_raw(addr: &str, request: &str) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn requests_without_one_host_or_naming_another_host_are_refused() {
    let server = start(example_copy(), &[]);
    let a = &server.addr;
    assert_eq!(
        status_of_raw(a, "GET /en/ HTTP/1.0\r\n\r\n"),
        400,
        "no Host"
    );
    assert_eq!(
        status_of_raw(
            a,
            &format!("GET /en/ HTTP/1.1\r\nHost: {a}\r\nHost: {a}\r\nConnection: close\r\n\r\n")
        ),
        400,
        "two Host headers"
    );
    assert_eq!(
        status_of_raw(a, &format!("GET http://attacker.example/en/ HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n")),
        403,
        "absolute-form target naming another host"
    );
    assert_eq!(
        status_of_raw(
            a,
            &format!("GET http://{a}/en/ HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n")
        ),
        200,
        "absolute-form target naming this server"
    );
}

#[test]
fn quiet_serve_still_prints_its_address_on_standard_output() {
    // `start` reads the address from standard output only.
    let server = start(example_copy(), &["-q"]);
    assert_eq!(get(&server.addr, "/en/").status, 200);
}

#[test]
fn the_live_reload_stream_sends_heartbeats() {
    let server = start(example_copy(), &[]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "GET /__waypost/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        server.addr
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
    let mut lines = BufReader::new(s).lines();
    let got = lines.by_ref().take(100).find_map(|l| {
        let l = l.ok()?;
        l.starts_with(':').then_some(l)
    });
    assert!(
        got.is_some(),
        "a comment line (heartbeat) arrives on an idle stream"
    );
}

#[test]
fn a_refreshed_search_index_keeps_serving_the_files_an_open_page_knows() {
    let server = start(example_copy(), &[]);
    let events = Events::connect(&server.addr);
    eventually("the first search index", || {
        served_search_pages(&server.addr) > 0
    });
    let entry = |lang: &str| -> serde_json::Value {
        let r = get(
            &server.addr,
            &format!("/{lang}/pagefind/pagefind-entry.json"),
        );
        serde_json::from_str(&r.body).unwrap()
    };
    let en_hash = entry("en")["languages"]["en"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let zh_entry = entry("zh");
    let old_meta = format!("/en/pagefind/pagefind.{en_hash}.pf_meta");
    assert_eq!(get(&server.addr, &old_meta).status, 200);

    // A body edit of an existing page: only the languages that show it are re-indexed.
    let page = server.root.join("content/en/esim/in-app.md");
    let text = std::fs::read_to_string(&page).unwrap();
    save(&page, &with_paragraph(&text, "Zanzibarish marker."));
    events.wait("reload", 20);
    eventually("the index refresh after the edit", || {
        entry("en")["languages"]["en"]["hash"] != en_hash.as_str()
    });
    assert_eq!(
        get(&server.addr, &old_meta).status,
        200,
        "the replaced index's files are still served to pages that loaded it"
    );
    assert_eq!(
        entry("zh"),
        zh_entry,
        "an English edit leaves the Chinese index as it was"
    );
}

#[test]
fn broken_links_the_policy_lets_through_are_shown_as_warnings_not_as_a_failed_build() {
    let dir = example_copy();
    crate::common::append_to_site_yaml(dir.path(), "links:\n  missing_page: warn\n");
    let server = start(dir, &[]);
    let events = Events::connect(&server.addr);
    let page = server.root.join("content/en/esim/in-app.md");
    let good = std::fs::read_to_string(&page).unwrap();
    save(
        &page,
        &with_paragraph(&good, "See [the old page](retired-page.md)."),
    );
    let data = events.wait("warnings", 30);
    assert!(data.contains("content/en/esim/in-app.md:"), "{data}");
    assert!(data.contains("retired-page.md"), "{data}");
    let body = get(&server.addr, "/en/esim/in-app/").body;
    assert!(body.contains("See the old page."), "rendered as text");
    // A browser that connects now sees them at once.
    let late = Events::connect(&server.addr);
    late.wait("warnings", 10);
    // Fixed: the warnings go away.
    save(&page, &good);
    let data = events.wait("warnings", 30);
    assert!(data.contains("\"message\":\"\""), "{data}");
}

#[test]
fn serve_registers_no_offline_worker_so_previews_are_never_cached() {
    let server = start(example_copy(), &[]);
    assert_eq!(get(&server.addr, "/sw.js").status, 404);
    assert_eq!(get(&server.addr, "/en/offline.json").status, 404);
    let page = get(&server.addr, "/en/");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("data-offline-worker"), "{}", page.body);
    assert!(!page.body.contains("data-offline-save"), "{}", page.body);
}
