//! `waypost serve`: build into memory, serve on 127.0.0.1, rebuild on change, reload.
//!
//! Takes the site root and [`ServeOptions`]; binds the port first (so the site's URLs
//! name it), builds the site into memory, serves it ([`http`]), watches the sources
//! (`watch`), applies each batch of changes with the least correct rebuild
//! ([`rebuild`]), and tells the browsers over Server-Sent Events (`livereload`). A
//! failed rebuild keeps the last good site and shows the error in the browser. The search
//! index is rebuilt in the background after each reload has been sent.

mod held;
pub mod http;
pub(crate) mod livereload;
pub mod rebuild;
pub(crate) mod watch;

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::broadcast;

use crate::error::{Diagnostic, Error, Result};
use crate::output::OutputFile;
use crate::site::BuildOptions;
use held::Held;
use livereload::Message;
use rebuild::Rebuilder;

/// Options of `waypost serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (127.0.0.1 by default).
    pub bind: IpAddr,
    /// Port (0 picks a free one).
    pub port: u16,
    /// Open the site in the default browser.
    pub open: bool,
    /// Include drafts.
    pub drafts: bool,
    /// The build cache (shared with `build`) whose rendered Markdown and search
    /// records the preview is made from, opened with the same policy as `build`'s
    /// ([`crate::cache::CacheChoice::open`]). Entries are added, never pruned (the next `build`
    /// prunes).
    pub cache: crate::cache::CacheChoice,
}

/// Served files: site path (`en/esim/index.html`) → bytes (text compressed: `held`).
type Files = HashMap<String, Held>;

/// What the server shares between the HTTP handlers and the rebuild loop.
pub(crate) struct State {
    files: RwLock<Files>,
    /// Broken links the link policy lets through, as shown in the browser (None: none).
    warnings: RwLock<Option<String>>,
    /// Search files of earlier bundles, kept for [`SEARCH_GRACE`] after a newer bundle
    /// replaced them (the last [`SEARCH_GENERATIONS`]): a page opened before the refresh
    /// still loads the index files its search already knows the names of.
    retired: RwLock<Vec<(Instant, Files)>>,
    /// The site's folder, resolved: a file copied into the served site must be inside it.
    root_real: std::path::PathBuf,
    error: RwLock<Option<String>>,
    /// Live-reload messages.
    pub events: broadcast::Sender<Message>,
    /// The port listened on.
    pub port: u16,
    /// The bound address as a Host name (`127.0.0.1`, `[::1]`…).
    pub bind_host: String,
    /// Bound to all interfaces: any Host is accepted.
    pub any_host: bool,
}

impl State {
    /// A file of the site.
    pub(crate) fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        // Found under the lock, inflated after it.
        let held = self.find(path)?;
        Some(held.bytes())
    }

    /// Whether the site has a file at `path`.
    pub(crate) fn has(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    fn find(&self, path: &str) -> Option<Held> {
        if let Some(f) = self.files.read().ok()?.get(path) {
            return Some(f.clone());
        }
        if !is_search_file(path) {
            return None;
        }
        let retired = self.retired.read().ok()?;
        retired
            .iter()
            .rev()
            .filter(|(when, _)| when.elapsed() < SEARCH_GRACE)
            .find_map(|(_, files)| files.get(path).cloned())
    }

    /// The warnings of the site served (broken links the policy lets through), if any.
    pub(crate) fn current_warnings(&self) -> Option<String> {
        self.warnings.read().ok()?.clone()
    }

    /// Records the site's warnings; tells the browsers and the terminal when they changed.
    fn set_warnings(&self, site: &crate::site::Site) {
        let now = (!site.warnings.is_empty())
            .then(|| crate::site::links::format_warnings(&site.warnings));
        let mut w = match self.warnings.write() {
            Ok(w) => w,
            Err(p) => p.into_inner(),
        };
        if *w == now {
            return;
        }
        if let Some(text) = &now {
            log::warn!("{text}");
        }
        *w = now.clone();
        let _ = self.events.send(Message::Warnings {
            message: now.unwrap_or_default(),
        });
    }

    /// The error of the last rebuild, if it failed.
    pub(crate) fn current_error(&self) -> Option<String> {
        self.error.read().ok()?.clone()
    }

    /// Puts files in place; returns the URL paths whose bytes changed. A file to copy
    /// that is (now) a link leading out of the site is an error, and nothing is put in
    /// place: whatever the rebuild missed, the served site holds only the site's files.
    fn put(&self, files: Vec<OutputFile>, complete: bool) -> Result<Vec<String>> {
        crate::output::check_copies_inside(&files, &self.root_real)?;
        let loaded = hold(files);
        let mut map = match self.files.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let mut changed = Vec::new();
        if complete {
            let keep: std::collections::HashSet<&str> =
                loaded.iter().map(|(p, _)| p.as_str()).collect();
            let gone: Vec<String> = map
                .keys()
                .filter(|k| !keep.contains(k.as_str()) && !is_search_file(k))
                .cloned()
                .collect();
            for k in gone {
                map.remove(&k);
                changed.push(url_path(&k));
            }
        }
        for (path, held) in loaded {
            if map.get(&path).is_some_and(|old| old.same(&held)) {
                continue;
            }
            changed.push(url_path(&path));
            map.insert(path, held);
        }
        changed.sort();
        Ok(changed)
    }

    /// Puts a new search index in place of the served one, keeping the files of the one
    /// it replaces for [`SEARCH_GRACE`] (see [`State::get`]).
    fn put_search(&self, files: Vec<OutputFile>, languages: Option<&BTreeSet<String>>) {
        // Made before the lock is taken: a rebuild waiting to put its pages in place
        // waits only for the map's own changes.
        let held = hold(files);
        let mut map = match self.files.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let replaced = |k: &str| {
            is_search_file(k)
                && languages.is_none_or(|l| k.split('/').next().is_some_and(|c| l.contains(c)))
        };
        let old: Files = map
            .iter()
            .filter(|(k, _)| replaced(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        map.retain(|k, _| !replaced(k));
        map.extend(held);
        drop(map);
        let mut retired = match self.retired.write() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        retired.retain(|(when, _)| when.elapsed() < SEARCH_GRACE);
        if !old.is_empty() {
            retired.push((Instant::now(), old));
        }
        // Bounded memory however often the index is refreshed.
        let excess = retired.len().saturating_sub(SEARCH_GENERATIONS);
        retired.drain(..excess);
    }

    fn set_error(&self, e: Option<String>) {
        if let Ok(mut w) = self.error.write() {
            *w = e;
        }
    }
}

fn is_search_file(path: &str) -> bool {
    path.split('/').nth(1) == Some(crate::search::BUNDLE_DIR)
}

/// `en/esim/index.html` → `/en/esim/`; `waypost.css` → `/waypost.css`.
pub(crate) fn url_path(output: &str) -> String {
    match output.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{output}"),
    }
}

/// Binds the port, suggesting the next free one when it is taken.
fn bind(opts: &ServeOptions) -> Result<std::net::TcpListener> {
    let addr = SocketAddr::new(opts.bind, opts.port);
    match std::net::TcpListener::bind(addr) {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let next = (opts.port.saturating_add(1)..opts.port.saturating_add(100))
                .find(|p| std::net::TcpListener::bind(SocketAddr::new(opts.bind, *p)).is_ok());
            let hint = match next {
                Some(p) => format!("the next free port is {p}: `waypost serve --port {p}`, or `--port 0` to pick one"),
                None => "use `--port 0` to pick a free port".into(),
            };
            Err(Error::Listen {
                addr,
                message: "port already in use".into(),
                hint,
            })
        }
        Err(e) => Err(Error::Listen {
            addr,
            message: format!("cannot listen: {e}"),
            hint: "check `--bind` (an address of this machine) and `--port`, or use `--port 0` to pick a free port".into(),
        }),
    }
}

/// Runs the server until Ctrl-C.
pub fn serve(root: &Path, opts: &ServeOptions) -> Result<()> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io(root, "cannot open the site folder", e))?;
    let listener = bind(opts)?;
    let (local, host, any_host, base_url) = address_of(&listener)?;

    let build_opts = BuildOptions {
        drafts: opts.drafts,
        base_url: Some(base_url.clone()),
        ..BuildOptions::default()
    };
    // Watch before building: a change saved while the first build runs, or right after
    // the URL is printed, is then seen and rebuilt rather than lost.
    let watcher = watch::SiteWatcher::new(&root).map_err(|e| {
        Error::one(Diagnostic::new(
            &root,
            format!("cannot watch for changes: {e}"),
        ))
    })?;
    // The build cache: rendered Markdown for the first load and full reloads, and
    // search records. A folder that cannot be used is reported and the preview goes on
    // without it.
    let cache = opts.cache.open(&root, None)?.map(Arc::new);
    let start = Instant::now();
    let (rebuilder, files) = Rebuilder::new(&root, &build_opts, cache.clone())?;
    let (events, _) = broadcast::channel(64);
    let state = Arc::new(State {
        files: RwLock::new(HashMap::new()),
        warnings: RwLock::new(None),
        retired: RwLock::new(Vec::new()),
        root_real: root.clone(),
        error: RwLock::new(None),
        events,
        port: local.port(),
        bind_host: host,
        any_host,
    });
    state.put(files, true)?;
    state.set_warnings(rebuilder.site());
    log::info!(
        "built {} pages in {:.2} s (Ctrl-C to stop)",
        rebuilder.site().page_count(),
        start.elapsed().as_secs_f64()
    );
    // On standard output, also with -q: scripts read the address from here.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "serving at {base_url}/");
        let _ = out.flush();
    }
    if any_host {
        log::warn!("listening on all interfaces: anyone on your network can read this site");
    }

    // Search runs on its own thread; the newest request wins. Until the first index is
    // ready, empty bundles make the search box load without errors.
    if rebuilder.site().config.search.enabled {
        state.put_search(crate::search::empty_bundles(rebuilder.site())?, None);
    }
    let search_tx = spawn_search_worker(state.clone(), cache);
    request_search(&search_tx, rebuilder.shared_site(), None);

    let loop_state = state.clone();
    std::thread::spawn(move || rebuild_loop(watcher, rebuilder, loop_state, search_tx));

    if opts.open {
        open_browser(&format!("{base_url}/"));
    }

    run_server(listener, state)
}

/// The bound socket's address: the address itself, the host as URLs write it, whether
/// it is every interface, and the site's base URL (`http://127.0.0.1:PORT`).
fn address_of(
    listener: &std::net::TcpListener,
) -> Result<(std::net::SocketAddr, String, bool, String)> {
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::server("cannot configure the listening socket", e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::server("cannot read the address the server is bound to", e))?;
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let any_host = local.ip().is_unspecified();
    let url_host = if any_host {
        "127.0.0.1".to_string()
    } else {
        host.clone()
    };
    let base_url = format!("http://{url_host}:{}", local.port());
    Ok((local, host, any_host, base_url))
}

/// Serves `state` on `listener` until Ctrl-C.
fn run_server(listener: std::net::TcpListener, state: Arc<State>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::server("cannot start the server's runtime", e))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::server("cannot listen on the bound socket", e))?;
        let app = http::router(state);
        tokio::select! {
            r = accept_loop(listener, app) => r?,
            _ = tokio::signal::ctrl_c() => {
                log::info!("stopped");
            }
        }
        Ok::<(), Error>(())
    })?;
    runtime.shutdown_background();
    Ok(())
}

/// How long a connection may take to send a request's headers, and stay open without a
/// request: idle and half-sent connections are closed after it.
pub(crate) const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connections served at once; more wait in the listen queue until one closes.
pub(crate) const MAX_CONNECTIONS: usize = 1024;

/// How often an open live-reload stream gets a comment line (and so is not idle).
pub(crate) const SSE_HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);

/// Accepts connections and serves each with HTTP/1.1 on its own task: at most
/// [`MAX_CONNECTIONS`] at once, each closed when its headers take longer than
/// [`HEADER_TIMEOUT`] or when it sits that long without a request.
async fn accept_loop(listener: tokio::net::TcpListener, app: axum::Router) -> Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .keep_alive(true);
    loop {
        // A slot first: past the limit, new connections wait in the kernel's queue
        // rather than being accepted and starved.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return Ok(());
        };
        let (stream, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait a little, keep serving.
                log::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let conn = http.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            // Errors here are a client's (reset, timeout, malformed request).
            if let Err(e) = conn.await {
                log::trace!("connection closed: {e}");
            }
            drop(slot);
        });
    }
}

/// How long the files of a replaced search index are still served.
pub(crate) const SEARCH_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// How many replaced search indexes are kept (each for at most [`SEARCH_GRACE`]).
pub(crate) const SEARCH_GENERATIONS: usize = 4;

/// How long edits must pause before the search index is refreshed.
const SEARCH_IDLE: std::time::Duration = std::time::Duration::from_millis(1500);

fn rebuild_loop(
    mut watcher: watch::SiteWatcher,
    mut rebuilder: Rebuilder,
    state: Arc<State>,
    search_tx: mpsc::Sender<(Arc<crate::site::Site>, Languages)>,
) {
    // The search index is refreshed once edits pause, so indexing never competes with
    // the rebuilds an author is waiting for.
    // Languages changed since the last refresh was asked for (None inside: all).
    let mut search_dirty: Option<Languages> = None;
    while let Some(next) = watcher.next_batch_within(SEARCH_IDLE) {
        let Some(batch) = next else {
            if let Some(languages) = search_dirty.take() {
                request_search(&search_tx, rebuilder.shared_site(), languages);
            }
            continue;
        };
        let start = Instant::now();
        let names: Vec<String> = batch.iter().map(|p| p.display().to_string()).collect();
        let applied = rebuilder.apply(&batch).and_then(|mut outcome| {
            let files = std::mem::take(&mut outcome.files);
            Ok((state.put(files, outcome.complete)?, outcome))
        });
        match applied {
            Ok((changed, outcome)) => {
                let had_error = state.current_error().is_some();
                state.set_error(None);
                state.set_warnings(rebuilder.site());
                if had_error {
                    let _ = state.events.send(Message::Ok);
                }
                if outcome.css_only {
                    let _ = state.events.send(Message::Css);
                } else if !changed.is_empty() {
                    let _ = state.events.send(Message::Reload {
                        paths: changed.clone(),
                    });
                }
                log::info!(
                    "{}: rebuilt in {:.1} ms ({} pages rendered, {} files changed)",
                    names.join(", "),
                    start.elapsed().as_secs_f64() * 1000.0,
                    outcome.pages,
                    changed.len()
                );
                if outcome.content_changed {
                    match search_dirty.as_mut() {
                        Some(dirty) => merge_languages(dirty, &outcome.languages),
                        None => search_dirty = Some(outcome.languages),
                    }
                }
            }
            Err(e) => {
                // The rebuilder decides what the next batch must rebuild (everything,
                // unless a page failed alone); `failed` covers a batch that rebuilt but
                // whose files could not be put in place.
                rebuilder.failed();
                match &e {
                    Error::Site(diags) => diags.iter().for_each(|d| log::error!("{d}")),
                    other => log::error!("{other}"),
                }
                let text = e.to_string();
                state.set_error(Some(text.clone()));
                let _ = state.events.send(Message::BuildError { message: text });
            }
        }
    }
}

/// Languages whose search index must be refreshed: None for every language.
type Languages = Option<BTreeSet<String>>;

/// Adds `more` to `into` (every language wins).
fn merge_languages(into: &mut Languages, more: &Languages) {
    match (into.as_mut(), more) {
        (Some(set), Some(more)) => set.extend(more.iter().cloned()),
        _ => *into = None,
    }
}

/// Asks the search worker to index `languages` of the site (shared, not copied).
fn request_search(
    tx: &mpsc::Sender<(Arc<crate::site::Site>, Languages)>,
    site: Arc<crate::site::Site>,
    languages: Languages,
) {
    if site.config.search.enabled {
        let _ = tx.send((site, languages));
    }
}

/// The search indexer's thread: indexes the languages asked for on the newest site it
/// was sent (requests that queued up meanwhile are merged), then swaps those languages'
/// files in, leaving the others as they are.
/// `files` read and made ready to be held (in parallel); a file that cannot be read is
/// named in a warning and left out.
fn hold(files: Vec<OutputFile>) -> Vec<(String, Held)> {
    use rayon::prelude::*;
    let read: Vec<Option<(String, Held)>> = files
        .into_par_iter()
        .map(|f| match f.read() {
            Ok(b) => Some((f.path.clone(), Held::new(&f.path, b.into_owned()))),
            Err(e) => {
                log::warn!("{}: cannot read: {e}", f.path);
                None
            }
        })
        .collect();
    read.into_iter().flatten().collect()
}

/// Lowers the calling thread's priority (nice 10) where the OS does it per thread
/// (Linux); threads it starts from then on inherit it.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; on Linux, PRIO_PROCESS with who 0
    // changes the nice value of the calling thread alone. A failure leaves it as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

fn spawn_search_worker(
    state: Arc<State>,
    cache: Option<Arc<crate::cache::Cache>>,
) -> mpsc::Sender<(Arc<crate::site::Site>, Languages)> {
    let (tx, rx) = mpsc::channel::<(Arc<crate::site::Site>, Languages)>();
    std::thread::spawn(move || {
        // Indexing takes seconds on both cores; a rebuild an author is waiting for must
        // not queue behind it. The worker and its threads (its own pool, and the
        // threads the indexer starts, which inherit it) run at a lower priority, so
        // the rebuild loop and the server, in the global pool, go first.
        lower_priority();
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("waypost-search-{i}"))
            .build()
            .ok();
        while let Ok((mut site, mut languages)) = rx.recv() {
            // Only the newest site matters, with every language changed since the last
            // refresh.
            while let Ok((newer, more)) = rx.try_recv() {
                site = newer;
                merge_languages(&mut languages, &more);
            }
            let start = Instant::now();
            // Made and put in place in the worker's pool (holding a bundle's files is
            // parallel work too); gives how many files the bundles have.
            let refresh =
                || {
                    let mut files = Vec::new();
                    crate::pipeline::Pipeline::new(&site.root, &site.opts, cache.as_deref())
                        .index(&site, languages.as_ref(), |bundle| {
                            files.extend(bundle);
                            Ok(())
                        })?;
                    let n = files.len();
                    state.put_search(files, languages.as_ref());
                    Ok::<usize, Error>(n)
                };
            let made = match &pool {
                Some(pool) => pool.install(refresh),
                None => refresh(),
            };
            match made {
                Ok(n) => {
                    let cached = cache.as_ref().map_or_else(String::new, |c| {
                        let s = c.stats();
                        format!(
                            "; build cache since start: {} used, {} made",
                            s.hits, s.misses
                        )
                    });
                    log::debug!(
                        "search index of {} refreshed in {:.2} s ({n} files{cached})",
                        languages.as_ref().map_or_else(
                            || "every language".to_string(),
                            |l| l.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                        start.elapsed().as_secs_f64()
                    );
                }
                Err(e) => log::warn!("search index not refreshed: {e}"),
            }
            if let Some(cache) = &cache {
                for w in cache.take_warnings() {
                    log::warn!("{w}");
                }
            }
        }
    });
    tx
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(cmd).arg(url).spawn() {
        log::warn!("cannot open a browser ({cmd}: {e}); open {url} yourself");
    }
}
