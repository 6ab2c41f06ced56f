//! Browser tests: real headless Chromium (Debian's `/usr/bin/chromium`) driven over CDP
//! with headless_chrome, against sites served on 127.0.0.1 by a small static file server
//! (what any static host does: files, `index.html` for folders, `404.html`).
//!
//! Chromium is required: `.ci/run` installs it. Screenshots of each page type are kept
//! in `target/test-artifacts/` (not committed).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Log::LogEntryLevel;
use headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::common::percent_decode;

/// Browser tests run one at a time: two Chromiums on a 2-core machine slow each other
/// into timeouts.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The example site (the repository root), built once per test run.
pub fn example_site() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out =
            std::env::temp_dir().join(format!("waypost-browser-example-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_waypost"))
            .args([
                "--root",
                env!("CARGO_MANIFEST_DIR"),
                "-q",
                "build",
                "--output",
            ])
            .arg(&out)
            .status()
            .expect("run waypost");
        assert!(status.success(), "the example site must build");
        out
    })
}

/// A static file server on 127.0.0.1 for a built site.
pub struct StaticServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stop: Arc<AtomicBool>,
    /// (path, bytes sent) of every request served.
    pub served: Arc<Mutex<Vec<(String, usize)>>>,
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

/// Serves `dir` until the returned server is dropped.
pub fn serve_dir(dir: &Path) -> StaticServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let served = Arc::new(Mutex::new(Vec::new()));
    let served2 = served.clone();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop2.load(Ordering::SeqCst) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let dir = dir.clone();
            let served = served2.clone();
            std::thread::spawn(move || {
                if let Some(entry) = handle(conn, &dir) {
                    served.lock().unwrap().push(entry);
                }
            });
        }
    });
    StaticServer { base, stop, served }
}

fn handle(mut conn: TcpStream, dir: &Path) -> Option<(String, usize)> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return None;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path);
    let mut file = dir.to_path_buf();
    let mut ok = true;
    for seg in decoded.split('/') {
        if seg == ".." {
            ok = false;
        }
        if !seg.is_empty() && seg != "." {
            file.push(seg);
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let (status, file) = if ok && file.is_file() {
        ("200 OK", file)
    } else {
        ("404 Not Found", dir.join("404.html"))
    };
    let mut body = Vec::new();
    if let Ok(mut f) = std::fs::File::open(&file) {
        let _ = f.read_to_end(&mut body);
    }
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mime = match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(&body);
    Some((path.to_string(), body.len()))
}

/// A headless Chromium with its own empty profile.
pub struct Chrome {
    /// The browser.
    pub browser: Browser,
    _profile: tempfile::TempDir,
}

/// Starts Chromium with the flags this machine needs (no network but loopback).
pub fn chrome() -> Chrome {
    chrome_with(&[])
}

/// Starts Chromium with extra flags (e.g. `--lang=zh-CN`).
pub fn chrome_with(extra: &[&str]) -> Chrome {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "browser tests need Debian's chromium: apt-get install -y chromium chromium-driver"
    );
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<&OsStr> = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    args.extend(extra.iter().map(OsStr::new));
    let opts = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 900)))
        .user_data_dir(Some(profile.path().to_path_buf()))
        .idle_browser_timeout(Duration::from_secs(120))
        .args(args)
        .build()
        .unwrap();
    let browser = Browser::new(opts).expect("start chromium");
    Chrome {
        browser,
        _profile: profile,
    }
}

/// A tab that records console errors, uncaught exceptions and failed loads.
pub struct Page {
    /// The tab.
    pub tab: Arc<Tab>,
    /// Errors seen so far.
    pub errors: Arc<Mutex<Vec<String>>>,
}

impl Chrome {
    /// Opens `url` in a new tab and waits for it to load.
    pub fn open(&self, url: &str) -> Page {
        let tab = self.browser.new_tab().expect("new tab");
        tab.set_default_timeout(Duration::from_secs(20));
        let errors = Arc::new(Mutex::new(Vec::new()));
        tab.enable_runtime().unwrap();
        tab.enable_log().unwrap();
        let sink = errors.clone();
        tab.add_event_listener(Arc::new(move |event: &Event| match event {
            Event::RuntimeExceptionThrown(e) => sink
                .lock()
                .unwrap()
                .push(format!("exception: {:?}", e.params.exception_details.text)),
            Event::RuntimeConsoleAPICalled(e)
                if e.params.Type == ConsoleAPICalledEventTypeOption::Error =>
            {
                let text: Vec<String> = e
                    .params
                    .args
                    .iter()
                    .map(|a| format!("{:?}", a.value))
                    .collect();
                sink.lock()
                    .unwrap()
                    .push(format!("console.error: {}", text.join(" ")))
            }
            Event::LogEntryAdded(e) if e.params.entry.level == LogEntryLevel::Error => {
                sink.lock().unwrap().push(format!(
                    "log: {} {:?}",
                    e.params.entry.text, e.params.entry.url
                ))
            }
            _ => {}
        }))
        .unwrap();
        tab.navigate_to(url)
            .unwrap()
            .wait_until_navigated()
            .unwrap();
        Page { tab, errors }
    }
}

impl Page {
    /// Evaluates `js` and returns its value as JSON.
    pub fn eval(&self, js: &str) -> serde_json::Value {
        self.tab
            .evaluate(js, true)
            .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
            .value
            .unwrap_or(serde_json::Value::Null)
    }

    /// Evaluates `js` until it returns `true`, or panics after `secs` seconds. Errors
    /// while a navigation replaces the page count as "not yet".
    pub fn wait_for(&self, js: &str, secs: u64) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(secs) {
            let ok = self.tab.evaluate(js, true).ok().and_then(|r| r.value);
            if ok == Some(serde_json::Value::Bool(true)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "timed out waiting for: {js}\nerrors: {:?}",
            self.errors.lock().unwrap()
        );
    }

    /// Asserts that nothing went wrong in the page so far.
    pub fn assert_no_errors(&self) {
        let errors = self.errors.lock().unwrap();
        assert!(
            errors.is_empty(),
            "errors in {}: {errors:#?}",
            self.tab.get_url()
        );
    }

    /// Saves a screenshot under `target/test-artifacts/`.
    pub fn screenshot(&self, name: &str) {
        use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) =
            self.tab
                .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    /// The hrefs of the search results, in order.
    pub fn result_urls(&self) -> Vec<String> {
        let v = self.eval(
            "JSON.stringify(Array.from(document.querySelectorAll('.pagefind-ui__result-link')).map(a => a.getAttribute('href')))",
        );
        serde_json::from_str(v.as_str().unwrap_or("[]")).unwrap_or_default()
    }
}

mod search {
    use super::*;

    fn search_page(chrome: &Chrome, server: &StaticServer, lang: &str, query: &str) -> Page {
        let url = format!("{}/{lang}/search/?q={}", server.base, urlencode(query));
        let page = chrome.open(&url);
        page.wait_for(
            "document.querySelectorAll('.pagefind-ui__result-link').length > 0 || /No results|没有|Sin resultados|لا توجد/i.test(document.querySelector('.pagefind-ui__message')?.textContent || '')",
            20,
        );
        page
    }

    fn urlencode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    #[test]
    fn english_query_finds_the_matching_guide_first() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = search_page(&chrome, &server, "en", "video call");
        let urls = page.result_urls();
        assert_eq!(
            urls.first().map(String::as_str),
            Some("/en/account/video-call/"),
            "{urls:?}"
        );
        // Sub-results link to headings of the page.
        page.wait_for(
            "document.querySelectorAll('.pagefind-ui__result-nested a[href*=\"#\"]').length > 0",
            10,
        );
        page.screenshot("search-en");
        page.assert_no_errors();
    }

    #[test]
    fn chinese_multi_character_query_is_segmented_and_found() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = search_page(&chrome, &server, "zh", "视频通话");
        let urls = page.result_urls();
        assert_eq!(
            urls.first().map(String::as_str),
            Some("/zh/account/video-call/"),
            "{urls:?}"
        );
        let page = search_page(&chrome, &server, "zh", "携号转网");
        let urls = page.result_urls();
        assert!(urls.iter().all(|u| u.starts_with("/zh/")), "{urls:?}");
        assert!(
            urls.first()
                .is_some_and(|u| u.starts_with("/zh/number-transfer/")),
            "{urls:?}"
        );
        page.assert_no_errors();
    }

    #[test]
    fn spanish_query_without_accents_finds_accented_words() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = search_page(&chrome, &server, "es", "videollamada verificacion");
        let urls = page.result_urls();
        assert_eq!(
            urls.first().map(String::as_str),
            Some("/es/account/video-call/"),
            "{urls:?}"
        );
        let page = search_page(&chrome, &server, "es", "linea");
        let text = page
            .eval("document.querySelector('.pagefind-ui__results').textContent")
            .to_string();
        assert!(
            text.contains("línea"),
            "an unaccented query must find `línea`: {text}"
        );
        page.assert_no_errors();
    }

    #[test]
    fn facet_filter_narrows_results_to_that_channel() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = search_page(&chrome, &server, "en", "esim");
        // Open the Channel filter and tick "In the app".
        page.wait_for(
            "document.querySelectorAll('.pagefind-ui__filter-checkbox').length > 0",
            10,
        );
        page.eval(
            "(() => { document.querySelectorAll('details.pagefind-ui__filter-block').forEach(d => d.open = true);
                const box = Array.from(document.querySelectorAll('.pagefind-ui__filter-checkbox'))
                  .find(b => b.closest('label, .pagefind-ui__filter-value').textContent.includes('In the app'));
                box.click(); return true; })()",
        );
        page.wait_for(
            "Array.from(document.querySelectorAll('.pagefind-ui__result-link')).every(a => a.getAttribute('href').includes('in-app') || a.getAttribute('href').includes('video-call'))",
            10,
        );
        let urls = page.result_urls();
        assert_eq!(
            urls.first().map(String::as_str),
            Some("/en/esim/in-app/"),
            "{urls:?}"
        );
        page.assert_no_errors();
    }

    #[test]
    fn a_first_query_downloads_a_small_part_of_the_site() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = search_page(&chrome, &server, "zh", "实名认证");
        page.wait_for(
            "document.querySelectorAll('.pagefind-ui__result-excerpt').length > 0",
            10,
        );
        let served = server.served.lock().unwrap().clone();
        let entries: Vec<&(String, usize)> = served
            .iter()
            .filter(|(p, _)| p.contains("/pagefind/"))
            .collect();
        let total: usize = entries.iter().map(|(_, b)| b).sum();
        let index: usize = entries
            .iter()
            .filter(|(p, _)| p.contains(".pf_") || p.ends_with(".json") || p.contains("wasm."))
            .map(|(_, b)| b)
            .sum();
        println!(
            "first query (zh): {total} bytes in {} files, {index} of them index data and wasm",
            entries.len()
        );
        let bundle: u64 = walkdir::WalkDir::new(example_site().join("zh/pagefind"))
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum();
        assert!(index > 0, "the query loaded the index: {entries:?}");
        assert!(
            (total as u64) < bundle,
            "a query loads part of the bundle, not all of it"
        );
        page.assert_no_errors();
    }

    #[test]
    fn slash_focuses_the_header_search_and_escape_closes_it() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = chrome.open(&format!("{}/en/esim/", server.base));
        page.wait_for(
            "!!document.querySelector('[data-search] input.pagefind-ui__search-input')",
            10,
        );
        page.tab.press_key("/").unwrap();
        page.wait_for("document.activeElement === document.querySelector('[data-search] input.pagefind-ui__search-input')", 5);
        page.tab.type_str("passport").unwrap();
        page.wait_for("document.querySelector('[data-search]').classList.contains('is-open') && document.querySelectorAll('[data-search] .pagefind-ui__result-link').length > 0", 20);
        // Arrow down moves into the results; Enter would follow the link.
        page.tab.press_key("ArrowDown").unwrap();
        page.wait_for("document.activeElement && document.activeElement.classList.contains('pagefind-ui__result-link')", 5);
        page.screenshot("search-header-open");
        page.tab.press_key("Escape").unwrap();
        page.wait_for(
            "!document.querySelector('[data-search]').classList.contains('is-open')",
            5,
        );
        assert_eq!(
            page.eval(
                "document.querySelector('[data-search] input.pagefind-ui__search-input').value"
            ),
            ""
        );
        page.assert_no_errors();
    }
}

mod live_reload {
    use super::*;
    use crate::serve::{example_copy, save, start};

    #[test]
    fn an_edit_on_disk_shows_up_in_the_open_page() {
        let _g = serial();
        let server = start(example_copy(), &[]);
        let chrome = chrome();
        let page = chrome.open(&format!("http://{}/en/esim/in-app/", server.addr));
        page.wait_for("document.readyState === 'complete'", 10);
        std::thread::sleep(Duration::from_millis(500));
        let file = server.root.join("content/en/esim/in-app.md");
        let text = std::fs::read_to_string(&file).unwrap();
        save(
            &file,
            &text.replace(
                "## Steps {#steps}",
                "Live edit arrived.\n\n## Steps {#steps}",
            ),
        );
        page.wait_for(
            "document.body.textContent.includes('Live edit arrived.')",
            20,
        );
        // A broken edit shows the overlay naming the file and line.
        save(&file, &text.replacen("title:", "titel:", 1));
        page.wait_for("!!document.getElementById('waypost-error-overlay') && document.getElementById('waypost-error-overlay').textContent.includes('content/en/esim/in-app.md:2')", 20);
        page.screenshot("serve-error-overlay");
        save(&file, &text);
        page.wait_for("!document.getElementById('waypost-error-overlay')", 20);
        page.assert_no_errors();
    }
}

mod theme {
    use super::*;

    #[test]
    fn the_language_switcher_keeps_you_on_the_same_guide() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = chrome.open(&format!("{}/en/esim/in-app/", server.base));
        page.eval("document.querySelector('.lang-switcher a[hreflang=\"zh\"]').click(); true");
        page.wait_for("location.pathname === '/zh/esim/in-app/'", 10);
        page.wait_for("document.documentElement.lang === 'zh'", 10);
        // An untranslated guide: Arabic shows the fallback copy, honestly marked.
        page.eval("document.querySelector('.lang-switcher a[hreflang=\"ar\"]').click(); true");
        page.wait_for("location.pathname === '/ar/esim/in-app/'", 10);
        page.wait_for("!!document.querySelector('.notice-fallback')", 10);
        assert_eq!(
            page.eval("document.querySelector('.content').getAttribute('lang')"),
            "en"
        );
        page.screenshot("fallback-page-ar");
        page.assert_no_errors();
    }

    #[test]
    fn the_root_picks_chinese_for_a_browser_that_prefers_it() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let tab = chrome.browser.new_tab().unwrap();
        tab.set_user_agent(
            "Mozilla/5.0 waypost-test",
            Some("zh-CN,zh;q=0.9,en;q=0.5"),
            None,
        )
        .unwrap();
        tab.navigate_to(&format!("{}/", server.base)).unwrap();
        let start = Instant::now();
        while !tab.get_url().ends_with("/zh/") && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(tab.get_url().ends_with("/zh/"), "went to {}", tab.get_url());
        // An explicit choice is remembered over the browser's preference.
        let page = chrome.open(&format!("{}/zh/", server.base));
        page.eval("document.querySelector('.lang-switcher a[hreflang=\"es\"]').click(); true");
        page.wait_for("location.pathname === '/es/'", 10);
        page.tab.navigate_to(&format!("{}/", server.base)).unwrap();
        page.wait_for("location.pathname === '/es/'", 10);
    }

    #[test]
    fn the_root_is_a_plain_list_of_languages_without_javascript() {
        let html = std::fs::read_to_string(example_site().join("index.html")).unwrap();
        for (code, name) in [
            ("en", "English"),
            ("zh", "简体中文"),
            ("es", "Español"),
            ("ar", "العربية"),
        ] {
            assert!(html.contains(&format!("href=\"/{code}/\"")), "{code}");
            assert!(html.contains(name), "{name}");
        }
    }

    #[test]
    fn arabic_pages_are_right_to_left() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = chrome.open(&format!("{}/ar/activate-sim/online/", server.base));
        assert_eq!(page.eval("document.documentElement.dir"), "rtl");
        assert_eq!(
            page.eval("getComputedStyle(document.querySelector('.content')).direction"),
            "rtl"
        );
        // The navigation is mirrored: the first nav item sits to the right of the last.
        let mirrored = page.eval(
            "(() => { const b = document.querySelector('.breadcrumbs li'); const last = document.querySelector('.breadcrumbs li:last-child');
               return b.getBoundingClientRect().left > last.getBoundingClientRect().left; })()",
        );
        assert_eq!(mirrored, true);
        page.screenshot("page-ar-rtl");
        page.assert_no_errors();
    }

    #[test]
    fn the_dark_mode_toggle_is_remembered() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        let page = chrome.open(&format!("{}/en/", server.base));
        page.wait_for("!document.querySelector('[data-theme-toggle]').hidden", 10);
        let before = page.eval("getComputedStyle(document.body).backgroundColor");
        page.eval("document.querySelector('[data-theme-toggle]').click(); true");
        let theme = page.eval("document.documentElement.dataset.theme");
        assert!(theme == "dark" || theme == "light", "{theme}");
        let after = page.eval("getComputedStyle(document.body).backgroundColor");
        assert_ne!(before, after, "the colours change");
        page.tab
            .navigate_to(&format!("{}/en/esim/", server.base))
            .unwrap()
            .wait_until_navigated()
            .unwrap();
        page.wait_for(
            &format!("document.documentElement.dataset.theme === {theme}"),
            10,
        );
        assert_eq!(
            page.eval("getComputedStyle(document.body).backgroundColor"),
            after
        );
        page.screenshot("section-toggled-theme");
        page.assert_no_errors();
    }

    #[test]
    fn no_page_type_logs_an_error() {
        let _g = serial();
        let server = serve_dir(example_site());
        let chrome = chrome();
        for (name, path) in [
            ("home", "/en/"),
            ("section", "/zh/activate-sim/"),
            ("page", "/es/esim/qr-code/"),
            ("fallback", "/ar/account/video-call/"),
            ("not-found", "/en/404.html"),
            ("search", "/zh/search/"),
            ("glossary", "/en/help/glossary/"),
        ] {
            let page = chrome.open(&format!("{}{path}", server.base));
            page.wait_for("document.readyState === 'complete'", 10);
            std::thread::sleep(Duration::from_millis(300));
            page.screenshot(&format!("type-{name}"));
            page.assert_no_errors();
        }
    }
}
