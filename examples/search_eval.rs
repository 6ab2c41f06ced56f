//! Held-out style search evaluation of a built site, through its own search page.
//!
//! ```sh
//! cargo run --release --locked --example search_eval -- public [--sample N] \
//!     [--langs en,zh,es] [--base-path /x] [--json FILE]
//! ```
//!
//! Serves the built output folder on 127.0.0.1 (a small static server: files, `index.html`
//! for folders, `404.html`, no HTTP compression), finds the site's guides and sections in
//! its HTML (`<lang>/…/index.html` with the built-in theme's `<article class="page|section">`;
//! fallback copies, alias redirects, homes, search, 404, offline and status pages are left
//! out), and types each page's title and description into `/<lang>/search/?q=…` in
//! headless Chromium. A description is a query only when it is the page's own: empty ones,
//! the ones the language's other pages (home, search, 404…) carry and the ones two or more
//! guides share are skipped (counted in the report).
//!
//! For each query it records the page's rank among the result links, the time from
//! navigation start to the results (or "no results") rendered — `performance.now()` read
//! by a `MutationObserver` installed with `Page.addScriptToEvaluateOnNewDocument` — and
//! the bytes fetched under `/pagefind/` (the response bodies this server sent from the
//! navigation on until the bundle's requests are quiet after the results, 250 ms: Pagefind
//! fetches its WebAssembly, index and fragments in a worker, which the page's resource
//! timing does not list). The HTTP cache is disabled and the
//! service worker bypassed (`Network.setCacheDisabled`, `Network.setBypassServiceWorker`),
//! so every query is a cold one: the page, the theme, Pagefind's script, its WebAssembly,
//! the index chunks and the fragments are all fetched again.
//!
//! It prints, per language and kind, recall@1, recall@5, MRR, median and p90 query time
//! and bytes, then the first 20 misses. Exit status 1 only when something failed (a
//! query that never rendered, Chromium, the folder), never for low recall.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use headless_chrome::protocol::cdp::{Network, Page as CdpPage};
use headless_chrome::{Browser, LaunchOptions, Tab};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

#[derive(Parser)]
#[command(about = "Recall@1/@5, MRR, time and bytes of a built site's own search")]
struct Args {
    /// The built site (`waypost build`'s output folder).
    site: PathBuf,
    /// Pages per language, spread evenly over the sorted list (default: all).
    #[arg(long)]
    sample: Option<usize>,
    /// Languages to evaluate, comma-separated (default: every one with a search bundle).
    #[arg(long, value_delimiter = ',')]
    langs: Vec<String>,
    /// The sub-path the site was built for (`--base-url https://host/x/` → `/x`).
    #[arg(long, default_value = "")]
    base_path: String,
    /// Also write every figure and every query's outcome to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Seconds a query may take before it counts as failed.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// A published page of the site, in its own language.
struct SitePage {
    lang: String,
    /// Its URL path, with the base path (`/x/en/esim/`), decoded.
    url: String,
    title: String,
    description: Option<String>,
}

/// A query and the pages it should find.
struct Query<'a> {
    page: &'a SitePage,
    kind: &'static str,
    text: &'a str,
    /// The URLs counted as a hit: the page, or every page with the same title.
    relevant: Vec<String>,
}

/// One query's outcome.
#[derive(serde::Serialize)]
struct Outcome {
    lang: String,
    kind: &'static str,
    query: String,
    url: String,
    /// 0-based rank among the result links.
    rank: Option<usize>,
    ms: f64,
    bytes: u64,
    requests: u64,
    results: Vec<String>,
    failed: Option<String>,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("search_eval: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let site = args
        .site
        .canonicalize()
        .with_context(|| format!("{}", args.site.display()))?;
    let base_path = args.base_path.trim_end_matches('/').to_string();
    if !base_path.is_empty() && !base_path.starts_with('/') {
        bail!("--base-path must start with `/`: {base_path}");
    }
    let (pages, skipped) = site_pages(&site, &base_path, &args.langs)?;
    if pages.is_empty() {
        bail!("no guide or section pages found in {}", site.display());
    }
    let mut by_lang: BTreeMap<&str, Vec<&SitePage>> = BTreeMap::new();
    for p in &pages {
        by_lang.entry(&p.lang).or_default().push(p);
    }
    // Titles two or more pages share (subsections named "Setup" in every section): any
    // of those pages first is a hit, counted apart as "shared title".
    let mut holders: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for p in &pages {
        holders.entry((&p.lang, &p.title)).or_default().push(&p.url);
    }
    let mut queries: Vec<Query> = Vec::new();
    for (lang, list) in &by_lang {
        let chosen = sample(list, args.sample);
        eprintln!(
            "{lang}: {} pages, {} sampled; descriptions skipped: {}",
            list.len(),
            chosen.len(),
            skipped.get(*lang).copied().unwrap_or(0)
        );
        for p in chosen {
            let same = &holders[&(p.lang.as_str(), p.title.as_str())];
            queries.push(Query {
                page: p,
                kind: if same.len() > 1 {
                    "shared title"
                } else {
                    "title"
                },
                text: &p.title,
                relevant: same.iter().map(|u| u.to_string()).collect(),
            });
            if let Some(d) = &p.description {
                queries.push(Query {
                    page: p,
                    kind: "description",
                    text: d,
                    relevant: vec![p.url.clone()],
                });
            }
        }
    }

    let (server, served) = serve(&site, &base_path)?;
    let chrome = chrome()?;
    let tab = chrome.browser.new_tab().context("open a tab")?;
    tab.set_default_timeout(Duration::from_secs(args.timeout));
    tab.call_method(Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })?;
    tab.call_method(Network::SetCacheDisabled {
        cache_disabled: true,
    })?;
    tab.call_method(Network::SetBypassServiceWorker { bypass: true })?;
    tab.call_method(CdpPage::AddScriptToEvaluateOnNewDocument {
        source: OBSERVER.to_string(),
        world_name: None,
        include_command_line_api: None,
        run_immediately: None,
    })?;
    // One load first, so that the service worker's first install is not in a query.
    let first = by_lang.keys().next().unwrap();
    tab.navigate_to(&format!("{server}{base_path}/{first}/"))?
        .wait_until_navigated()?;
    std::thread::sleep(Duration::from_secs(2));

    let started = Instant::now();
    let mut outcomes = Vec::with_capacity(queries.len());
    let mut last_origin = 0.0;
    for (i, q) in queries.iter().enumerate() {
        if i > 0 && i % 50 == 0 {
            eprintln!(
                "{i}/{} queries, {:.0} s",
                queries.len(),
                started.elapsed().as_secs_f64()
            );
        }
        let origin = Origin {
            url: &server,
            base_path: &base_path,
            served: &served,
        };
        outcomes.push(measure(&tab, &origin, q, args.timeout, &mut last_origin));
    }

    let report = report(&outcomes);
    print!("{report}");
    if let Some(file) = &args.json {
        let json = serde_json::json!({
            "site": site.display().to_string(),
            "base_path": base_path,
            "sample": args.sample,
            "cache": "disabled (Network.setCacheDisabled), service worker bypassed",
            "bytes": "response bodies served under /pagefind/ for the query, no HTTP compression",
            "summary": summary(&outcomes),
            "queries": outcomes,
        });
        std::fs::write(file, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("{}", file.display()))?;
    }
    let failed = outcomes.iter().filter(|o| o.failed.is_some()).count();
    if failed > 0 {
        bail!("{failed} of {} queries failed (see above)", outcomes.len());
    }
    Ok(())
}

/// Marks the moment the search page shows its results, or says there are none.
const OBSERVER: &str = r#"(() => {
  const check = () => {
    if (window.__searchEval) return true;
    const p = document.querySelector('[data-search-page]');
    if (!p) return false;
    const links = p.querySelectorAll('.result-link');
    const status = p.querySelector('.search-status');
    const none = !!(status && p.dataset.noResults && status.textContent === p.dataset.noResults);
    if (!links.length && !none) return false;
    window.__searchEval = { ms: performance.now(), urls: Array.from(links, a => a.getAttribute('href')) };
    return true;
  };
  new MutationObserver((_, o) => { if (check()) o.disconnect(); })
    .observe(document, { childList: true, subtree: true, characterData: true });
})();"#;

/// The server a query is sent to.
struct Origin<'a> {
    url: &'a str,
    base_path: &'a str,
    served: &'a Served,
}

/// Loads the search page for `q` and waits for its results; `last_origin` is the previous
/// document's `performance.timeOrigin`, so that its results are never taken for these.
fn measure(
    tab: &Arc<Tab>,
    origin: &Origin<'_>,
    q: &Query,
    timeout: u64,
    last_origin: &mut f64,
) -> Outcome {
    let page = q.page;
    let query = q.text;
    let mut out = Outcome {
        lang: page.lang.clone(),
        kind: q.kind,
        query: query.to_string(),
        url: page.url.clone(),
        rank: None,
        ms: 0.0,
        bytes: 0,
        requests: 0,
        results: Vec::new(),
        failed: None,
    };
    let url = format!(
        "{}{}/{}/search/?q={}",
        origin.url,
        origin.base_path,
        page.lang,
        utf8_percent_encode(query, NON_ALPHANUMERIC)
    );
    let mark = origin.served.lock().unwrap().len();
    if let Err(e) = tab.navigate_to(&url) {
        out.failed = Some(format!("navigate: {e}"));
        return out;
    }
    let eval = |js: &str| -> Option<serde_json::Value> {
        tab.evaluate(js, false).ok().and_then(|r| r.value)
    };
    let start = Instant::now();
    let done = loop {
        if let Some(serde_json::Value::String(s)) = eval(
            "window.__searchEval ? JSON.stringify(Object.assign({origin: performance.timeOrigin}, window.__searchEval)) : null",
        ) {
            let v = serde_json::from_str::<serde_json::Value>(&s).ok();
            let at = v.as_ref().and_then(|v| v["origin"].as_f64()).unwrap_or(0.0);
            if at != *last_origin {
                *last_origin = at;
                break v;
            }
        }
        if start.elapsed() > Duration::from_secs(timeout) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let Some(done) = done else {
        let status =
            eval("document.querySelector('[data-search-page] .search-status')?.textContent || ''")
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
        out.failed = Some(format!(
            "no results shown after {timeout} s (status {status:?})"
        ));
        return out;
    };
    out.ms = done["ms"].as_f64().unwrap_or(0.0);
    out.results = done["urls"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str())
                .map(|u| {
                    let path = u.split(['?', '#']).next().unwrap_or(u);
                    percent_decode_str(path).decode_utf8_lossy().into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    out.rank = out.results.iter().position(|u| q.relevant.contains(u));
    // Wait until the bundle's requests are quiet (filters load beside the search), then
    // add up what the server sent for it since the navigation began.
    let settle = Instant::now();
    let last = loop {
        std::thread::sleep(Duration::from_millis(50));
        let log = origin.served.lock().unwrap();
        let bundle = log[mark..]
            .iter()
            .filter(|(_, p, _)| p.contains("/pagefind/"));
        let latest = bundle.clone().map(|(t, _, _)| *t).max();
        let sum = bundle.fold((0, 0), |(n, b), (_, _, bytes)| (n + 1, b + bytes));
        let quiet = latest.is_none_or(|t| t.elapsed() > Duration::from_millis(250));
        let waited = settle.elapsed();
        if (quiet && waited > Duration::from_millis(250)) || waited > Duration::from_secs(5) {
            break sum;
        }
    };
    out.requests = last.0;
    out.bytes = last.1;
    out
}

/// Every `k`-th page of the sorted list, `n` of them (all when `n` is absent or larger).
fn sample<'a>(list: &[&'a SitePage], n: Option<usize>) -> Vec<&'a SitePage> {
    match n {
        Some(n) if n < list.len() => (0..n).map(|i| list[i * list.len() / n]).collect(),
        _ => list.to_vec(),
    }
}

fn read_attr(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let rest = &html[at..];
    let end_tag = rest.find('>')?;
    let tag = &rest[..end_tag];
    let start = tag.find("content=\"")? + 9;
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

fn between<'a>(s: &'a str, from: &str, to: &str) -> Option<&'a str> {
    let a = s.find(from)? + from.len();
    let b = s[a..].find(to)?;
    Some(&s[a..a + b])
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(s: &str) -> String {
    html_escape::decode_html_entities(s).into_owned()
}

/// The title a page's `<title>` gives before ` · <site title>`, else its `<h1>`.
fn page_title(html: &str) -> String {
    let from_title = between(html, "<title>", "</title>")
        .and_then(|t| t.rsplit_once(" · ").map(|(t, _)| t.to_string()));
    let title = from_title.or_else(|| {
        let h = between(html, "<h1", "</h1>")?;
        Some(strip_tags(&h[h.find('>')? + 1..]))
    });
    unescape(title.unwrap_or_default().trim())
}

/// The guides and sections published in their own language, sorted by language and URL,
/// and per language how many descriptions were left out as not the page's own.
fn site_pages(
    site: &Path,
    base_path: &str,
    only: &[String],
) -> Result<(Vec<SitePage>, BTreeMap<String, usize>)> {
    let mut langs = BTreeSet::new();
    for e in std::fs::read_dir(site).with_context(|| format!("{}", site.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().join("pagefind/pagefind.js").is_file() && !name.starts_with('.') {
            langs.insert(name);
        }
    }
    if !only.is_empty() {
        for l in only {
            if !langs.contains(l) {
                bail!(
                    "no search bundle for `{l}` in {} (found: {langs:?})",
                    site.display()
                );
            }
        }
        langs.retain(|l| only.contains(l));
    }
    if langs.is_empty() {
        bail!("no `<lang>/pagefind/` in {}", site.display());
    }
    let mut pages = Vec::new();
    let mut generic: HashMap<String, BTreeSet<String>> = HashMap::new();
    if let Ok(root) = std::fs::read_to_string(site.join("index.html")) {
        if let Some(d) = read_attr(&root, "name=\"description\"") {
            for l in &langs {
                generic.entry(l.clone()).or_default().insert(d.clone());
            }
        }
    }
    for lang in &langs {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(site.join(lang))
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file() && e.file_name() == OsStr::new("index.html"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        for file in files {
            let html =
                std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let description = read_attr(&html, "name=\"description\"");
            let guide = html.contains("<article class=\"page")
                || html.contains("<article class=\"section\"");
            if !guide || html.contains("http-equiv=\"refresh\"") {
                if let Some(d) = description {
                    generic.entry(lang.clone()).or_default().insert(d);
                }
                continue;
            }
            if html.contains("notice-fallback") {
                continue;
            }
            let rel = file
                .parent()
                .unwrap()
                .strip_prefix(site)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            pages.push(SitePage {
                lang: lang.clone(),
                url: format!("{base_path}/{rel}/"),
                title: page_title(&html),
                description: description.filter(|d| !d.trim().is_empty()),
            });
        }
    }
    // A description two guides share, or the language's other pages carry, is not a page's own.
    let mut count: HashMap<(&str, &str), usize> = HashMap::new();
    for p in &pages {
        if let Some(d) = &p.description {
            *count.entry((&p.lang, d)).or_default() += 1;
        }
    }
    let shared: BTreeSet<(String, String)> = count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|((l, d), _)| (l.to_string(), d.to_string()))
        .collect();
    let mut skipped = BTreeMap::new();
    for p in &mut pages {
        let own = p.description.as_ref().is_some_and(|d| {
            !shared.contains(&(p.lang.clone(), d.clone()))
                && !generic.get(&p.lang).is_some_and(|g| g.contains(d))
        });
        if !own {
            p.description = None;
            *skipped.entry(p.lang.clone()).or_default() += 1;
        }
    }
    Ok((pages, skipped))
}

#[derive(Default)]
struct Row {
    n: usize,
    at1: usize,
    at5: usize,
    rr: f64,
    ms: Vec<f64>,
    bytes: Vec<f64>,
    failed: usize,
}

fn rows(outcomes: &[Outcome]) -> BTreeMap<(String, &'static str), Row> {
    let mut rows: BTreeMap<(String, &'static str), Row> = BTreeMap::new();
    for o in outcomes {
        let r = rows.entry((o.lang.clone(), o.kind)).or_default();
        r.n += 1;
        if o.failed.is_some() {
            r.failed += 1;
            continue;
        }
        r.at1 += usize::from(o.rank == Some(0));
        r.at5 += usize::from(o.rank.is_some_and(|k| k < 5));
        r.rr += o.rank.map_or(0.0, |k| 1.0 / (k as f64 + 1.0));
        r.ms.push(o.ms);
        r.bytes.push(o.bytes as f64 / 1000.0);
    }
    rows
}

/// The nearest-rank percentile `p` (0–100) of `v`.
fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let k = ((p / 100.0 * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[k - 1]
}

fn summary(outcomes: &[Outcome]) -> serde_json::Value {
    rows(outcomes)
        .iter()
        .map(|((lang, kind), r)| {
            serde_json::json!({
                "lang": lang, "kind": kind, "queries": r.n, "failed": r.failed,
                "recall_at_1": r.at1 as f64 / r.n as f64,
                "recall_at_5": r.at5 as f64 / r.n as f64,
                "mrr": r.rr / r.n as f64,
                "ms_median": percentile(&r.ms, 50.0), "ms_p90": percentile(&r.ms, 90.0),
                "kb_median": percentile(&r.bytes, 50.0), "kb_p90": percentile(&r.bytes, 90.0),
            })
        })
        .collect()
}

fn report(outcomes: &[Outcome]) -> String {
    let mut s = String::from(
        "| lang | kind | queries | recall@1 | recall@5 | MRR | ms median | ms p90 | KB median | KB p90 |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for ((lang, kind), r) in rows(outcomes) {
        let n = r.n as f64;
        s.push_str(&format!(
            "| {lang} | {kind} | {}{} | {:.3} | {:.3} | {:.3} | {:.0} | {:.0} | {:.1} | {:.1} |\n",
            r.n,
            if r.failed > 0 {
                format!(" ({} failed)", r.failed)
            } else {
                String::new()
            },
            r.at1 as f64 / n,
            r.at5 as f64 / n,
            r.rr / n,
            percentile(&r.ms, 50.0),
            percentile(&r.ms, 90.0),
            percentile(&r.bytes, 50.0),
            percentile(&r.bytes, 90.0),
        ));
    }
    let misses: Vec<&Outcome> = outcomes.iter().filter(|o| o.rank != Some(0)).collect();
    s.push_str(&format!(
        "\nmisses: {} of {} queries",
        misses.len(),
        outcomes.len()
    ));
    if misses.len() > 20 {
        s.push_str(" (the first 20)");
    }
    s.push('\n');
    for o in misses.iter().take(20) {
        let q: String = o.query.chars().take(90).collect();
        let ellipsis = if q.len() < o.query.len() { "…" } else { "" };
        let top: Vec<&str> = o.results.iter().take(3).map(String::as_str).collect();
        match &o.failed {
            Some(f) => s.push_str(&format!(
                "- {} {} {q:?}{ellipsis}: {} — {f}\n",
                o.lang, o.kind, o.url
            )),
            None => s.push_str(&format!(
                "- {} {} {q:?}{ellipsis}: {} at {} of {}; first {top:?}\n",
                o.lang,
                o.kind,
                o.url,
                o.rank.map_or("none".to_string(), |k| (k + 1).to_string()),
                o.results.len(),
            )),
        }
    }
    s
}

/// Every response the server sent: when, its path, its body's bytes.
type Served = Arc<Mutex<Vec<(Instant, String, u64)>>>;

/// Serves `site` under `base_path` on 127.0.0.1 until the process ends; returns its origin
/// and its log of responses.
fn serve(site: &Path, base_path: &str) -> Result<(String, Served)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind 127.0.0.1")?;
    let origin = format!("http://{}", listener.local_addr()?);
    let site = site.to_path_buf();
    let base_path = base_path.to_string();
    let served: Served = Arc::default();
    let log = served.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let site = site.clone();
            let base_path = base_path.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                if let Some((path, bytes)) = handle(conn, &site, &base_path) {
                    log.lock().unwrap().push((Instant::now(), path, bytes));
                }
            });
        }
    });
    Ok((origin, served))
}

fn handle(mut conn: TcpStream, site: &Path, base_path: &str) -> Option<(String, u64)> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode_str(path).decode_utf8_lossy().into_owned();
    let inside = path
        .strip_prefix(base_path)
        .filter(|p| p.is_empty() || p.starts_with('/'));
    let mut file = site.to_path_buf();
    let mut ok = inside.is_some();
    for seg in inside.unwrap_or("").split('/') {
        match seg {
            ".." => ok = false,
            "" | "." => {}
            s => file.push(s),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let (status, file) = if ok && file.is_file() {
        ("200 OK", file)
    } else {
        ("404 Not Found", site.join("404.html"))
    };
    let mut body = Vec::new();
    if let Ok(mut f) = std::fs::File::open(&file) {
        let _ = f.read_to_end(&mut body);
    }
    let mime = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        // Pagefind's `.pf_fragment`, `.pf_index`, `.pf_meta`, `.pf_filter`, `.pagefind`.
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).ok()?;
    conn.write_all(&body).ok()?;
    Some((path, body.len() as u64))
}

struct Chrome {
    browser: Browser,
    _profile: tempfile::TempDir,
}

/// Headless Chromium with an empty profile and no network but loopback.
fn chrome() -> Result<Chrome> {
    let path = PathBuf::from("/usr/bin/chromium");
    if !path.exists() {
        bail!("needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium)");
    }
    let profile = tempfile::tempdir()?;
    let args: Vec<&OsStr> = [
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
    let opts = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 900)))
        .user_data_dir(Some(profile.path().to_path_buf()))
        .idle_browser_timeout(Duration::from_secs(600))
        .args(args)
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let browser = Browser::new(opts).context("start Chromium")?;
    Ok(Chrome {
        browser,
        _profile: profile,
    })
}
