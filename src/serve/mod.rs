//! `waypost serve`: build into memory, serve on 127.0.0.1, rebuild on change, reload.
//!
//! Takes the site root and [`ServeOptions`]; binds the port first (so the site's URLs
//! name it), builds the site into memory, serves it ([`http`]), watches the sources
//! ([`watch`]), applies each batch of changes with the least correct rebuild
//! ([`rebuild`]), and tells the browsers over Server-Sent Events ([`livereload`]). A
//! failed rebuild keeps the last good site and shows the error in the browser. The search
//! index is rebuilt in the background after each reload has been sent.

pub mod http;
pub mod livereload;
pub mod rebuild;
pub mod watch;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::broadcast;

use crate::error::{Diagnostic, Error, Result};
use crate::output::OutputFile;
use crate::site::BuildOptions;
use livereload::Message;
use rebuild::{Outcome, Rebuilder};

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
}

/// What the server shares between the HTTP handlers and the rebuild loop.
pub struct State {
    files: RwLock<HashMap<String, Arc<Vec<u8>>>>,
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
    pub fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.files.read().ok()?.get(path).cloned()
    }

    /// The error of the last rebuild, if it failed.
    pub fn current_error(&self) -> Option<String> {
        self.error.read().ok()?.clone()
    }

    /// Puts files in place; returns the URL paths whose bytes changed.
    fn put(&self, files: Vec<OutputFile>, complete: bool) -> Vec<String> {
        let mut loaded = Vec::with_capacity(files.len());
        for f in files {
            match f.read() {
                Ok(b) => loaded.push((f.path.clone(), b.into_owned())),
                Err(e) => log::warn!("{}: cannot read: {e}", f.path),
            }
        }
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
        for (path, bytes) in loaded {
            if map.get(&path).is_some_and(|old| **old == bytes) {
                continue;
            }
            changed.push(url_path(&path));
            map.insert(path, Arc::new(bytes));
        }
        changed.sort();
        changed
    }

    fn put_search(&self, files: Vec<OutputFile>) {
        let mut map = match self.files.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.retain(|k, _| !is_search_file(k));
        for f in files {
            if let Ok(b) = f.read() {
                map.insert(f.path.clone(), Arc::new(b.into_owned()));
            }
        }
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
pub fn url_path(output: &str) -> String {
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
            Err(Error::one(
                Diagnostic::new(format!("{addr}"), "port already in use").hint(hint),
            ))
        }
        Err(e) => Err(Error::one(Diagnostic::new(
            format!("{addr}"),
            format!("cannot listen: {e}"),
        ))),
    }
}

/// Runs the server until Ctrl-C.
pub fn serve(root: &Path, opts: &ServeOptions) -> Result<()> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io(root, "cannot open the site folder", e))?;
    let listener = bind(opts)?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io(Path::new("socket"), "cannot configure", e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io(Path::new("socket"), "cannot read the bound address", e))?;
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

    let build_opts = BuildOptions {
        drafts: opts.drafts,
        base_url: Some(base_url.clone()),
    };
    // Watch before building: a change saved while the first build runs, or right after
    // the URL is printed, is then seen and rebuilt rather than lost.
    let watcher = watch::SiteWatcher::new(&root).map_err(|e| {
        Error::one(Diagnostic::new(
            &root,
            format!("cannot watch for changes: {e}"),
        ))
    })?;
    let start = Instant::now();
    let (rebuilder, files) = Rebuilder::new(&root, &build_opts)?;
    let (events, _) = broadcast::channel(64);
    let state = Arc::new(State {
        files: RwLock::new(HashMap::new()),
        error: RwLock::new(None),
        events,
        port: local.port(),
        bind_host: host,
        any_host,
    });
    state.put(files, true);
    log::info!(
        "built {} pages in {:.2} s; serving at {base_url}/ (Ctrl-C to stop)",
        rebuilder.site().page_count(),
        start.elapsed().as_secs_f64()
    );
    if any_host {
        log::warn!("listening on all interfaces: anyone on your network can read this site");
    }

    // Search runs on its own thread; the newest request wins. Until the first index is
    // ready, empty bundles make the search box load without errors.
    if rebuilder.site().config.search.enabled {
        state.put_search(crate::search::empty_bundles(rebuilder.site())?);
    }
    let search_tx = spawn_search_worker(state.clone());
    request_search(&search_tx, rebuilder.site());

    let loop_state = state.clone();
    std::thread::spawn(move || rebuild_loop(watcher, rebuilder, loop_state, search_tx));

    if opts.open {
        open_browser(&format!("{base_url}/"));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io(Path::new("runtime"), "cannot start", e))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::io(Path::new("socket"), "cannot listen", e))?;
        let app = http::router(state);
        tokio::select! {
            r = axum::serve(listener, app) => {
                r.map_err(|e| Error::io(Path::new("server"), "stopped", e))?;
            }
            _ = tokio::signal::ctrl_c() => {
                log::info!("stopped");
            }
        }
        Ok::<(), Error>(())
    })?;
    runtime.shutdown_background();
    Ok(())
}

/// How long edits must pause before the search index is refreshed.
const SEARCH_IDLE: std::time::Duration = std::time::Duration::from_millis(1500);

fn rebuild_loop(
    mut watcher: watch::SiteWatcher,
    mut rebuilder: Rebuilder,
    state: Arc<State>,
    search_tx: mpsc::Sender<crate::site::Site>,
) {
    // The search index is refreshed once edits pause, so indexing never competes with
    // the rebuilds an author is waiting for.
    let mut search_dirty = false;
    while let Some(next) = watcher.next_batch_within(SEARCH_IDLE) {
        let Some(batch) = next else {
            if search_dirty {
                request_search(&search_tx, rebuilder.site());
                search_dirty = false;
            }
            continue;
        };
        let start = Instant::now();
        let names: Vec<String> = batch.iter().map(|p| p.display().to_string()).collect();
        match rebuilder.apply(&batch) {
            Ok(outcome) => {
                let had_error = state.current_error().is_some();
                let Outcome {
                    files,
                    complete,
                    css_only,
                    pages,
                    content_changed,
                } = outcome;
                let changed = state.put(files, complete);
                state.set_error(None);
                if had_error {
                    let _ = state.events.send(Message::Ok);
                }
                if css_only {
                    let _ = state.events.send(Message::Css);
                } else if !changed.is_empty() {
                    let _ = state.events.send(Message::Reload {
                        paths: changed.clone(),
                    });
                }
                log::info!(
                    "{}: rebuilt in {:.1} ms ({pages} pages rendered, {} files changed)",
                    names.join(", "),
                    start.elapsed().as_secs_f64() * 1000.0,
                    changed.len()
                );
                search_dirty |= content_changed;
            }
            Err(e) => {
                let text = e.to_string();
                log::error!("{text}");
                state.set_error(Some(text.clone()));
                let _ = state.events.send(Message::BuildError { message: text });
            }
        }
    }
}

fn request_search(tx: &mpsc::Sender<crate::site::Site>, site: &crate::site::Site) {
    if site.config.search.enabled {
        let _ = tx.send(site.clone());
    }
}

fn spawn_search_worker(state: Arc<State>) -> mpsc::Sender<crate::site::Site> {
    let (tx, rx) = mpsc::channel::<crate::site::Site>();
    std::thread::spawn(move || {
        while let Ok(mut site) = rx.recv() {
            // Only the newest site matters.
            while let Ok(newer) = rx.try_recv() {
                site = newer;
            }
            let start = Instant::now();
            match crate::search::index(&site) {
                Ok(files) => {
                    let n = files.len();
                    state.put_search(files);
                    log::debug!(
                        "search index refreshed in {:.2} s ({n} files)",
                        start.elapsed().as_secs_f64()
                    );
                }
                Err(e) => log::warn!("search index not refreshed: {e}"),
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
