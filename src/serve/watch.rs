//! Watching the site's sources with notify.
//!
//! Takes the site root; gives batches of changed paths (relative to the root), one batch
//! per burst of file-system events: events are collected until the files have been quiet
//! for a short while (editors' save-by-rename, `git checkout`, a folder copied in at once
//! all become one batch). Editor temp files, hidden files and everything outside
//! content/, templates/, static/, i18n/ and site.yaml are dropped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::paths::is_ignored_name;

/// Quiet time that ends a batch: an editor's save (write a temp file, rename it over)
/// arrives within a millisecond or two; a short window keeps saves fast to reload.
pub(crate) const QUIET: Duration = Duration::from_millis(10);
/// Longest a batch waits while events keep coming.
pub(crate) const MAX_WAIT: Duration = Duration::from_millis(500);

/// The folders and files that are watched.
pub(crate) const WATCHED: &[&str] = &["content", "templates", "static", "i18n"];

/// A running watcher.
pub(crate) struct SiteWatcher {
    _watcher: RecommendedWatcher,
    rx: Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
}

impl SiteWatcher {
    /// Starts watching `root`.
    pub(crate) fn new(root: &Path) -> notify::Result<SiteWatcher> {
        let (tx, rx) = channel();
        let mut watcher = notify::recommended_watcher(move |res| {
            let _ = tx.send(res);
        })?;
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        // The root itself, not recursively: site.yaml, and folders created later.
        watcher.watch(&root, RecursiveMode::NonRecursive)?;
        for dir in WATCHED {
            let p = root.join(dir);
            if p.is_dir() {
                watcher.watch(&p, RecursiveMode::Recursive)?;
            }
        }
        Ok(SiteWatcher {
            _watcher: watcher,
            rx,
            root,
        })
    }

    /// Blocks until the next batch of relevant changes: `Some(Some(batch))`, or
    /// `Some(None)` when nothing changed within `idle`; None when the watcher stopped.
    pub(crate) fn next_batch_within(
        &mut self,
        idle: Duration,
    ) -> Option<Option<BTreeSet<PathBuf>>> {
        let deadline = Instant::now() + idle;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let first = match self.rx.recv_timeout(left) {
                Ok(ev) => ev,
                Err(RecvTimeoutError::Timeout) => return Some(None),
                Err(RecvTimeoutError::Disconnected) => return None,
            };
            let mut batch = BTreeSet::new();
            self.take(first, &mut batch);
            let start = Instant::now();
            loop {
                let left = MAX_WAIT.saturating_sub(start.elapsed());
                if left.is_zero() {
                    break;
                }
                match self.rx.recv_timeout(QUIET.min(left)) {
                    Ok(ev) => self.take(ev, &mut batch),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            if !batch.is_empty() {
                return Some(Some(batch));
            }
        }
    }

    fn take(&mut self, ev: notify::Result<notify::Event>, batch: &mut BTreeSet<PathBuf>) {
        let Ok(ev) = ev else { return };
        if matches!(ev.kind, notify::EventKind::Access(_)) {
            return;
        }
        for p in ev.paths {
            if let Some(rel) = relevant(&self.root, &p) {
                // A folder created after start (e.g. static/) needs its own watch.
                if p.is_dir() && WATCHED.iter().any(|d| rel == Path::new(d)) {
                    let _ = self._watcher.watch(&p, RecursiveMode::Recursive);
                }
                batch.insert(rel);
            }
        }
    }
}

/// `path` relative to `root` if it is a source of the site.
pub(crate) fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut comps = rel.components();
    let first = comps.next()?.as_os_str().to_str()?;
    let name = rel.file_name()?.to_str()?;
    if rel
        .components()
        .any(|c| c.as_os_str().to_str().is_none_or(is_ignored_name))
    {
        return None;
    }
    if first == "site.yaml" || WATCHED.contains(&first) {
        let _ = name;
        Some(rel.to_path_buf())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_sources_are_relevant() {
        let root = Path::new("/s");
        assert!(relevant(root, Path::new("/s/content/en/a.md")).is_some());
        assert!(relevant(root, Path::new("/s/site.yaml")).is_some());
        assert!(relevant(root, Path::new("/s/templates/page.html")).is_some());
        assert!(relevant(root, Path::new("/s/public/en/index.html")).is_none());
        assert!(relevant(root, Path::new("/s/target/x")).is_none());
        assert!(relevant(root, Path::new("/s/content/en/.a.md.swp")).is_none());
        assert!(relevant(root, Path::new("/s/content/en/a.md~")).is_none());
        assert!(relevant(root, Path::new("/s/content/.git/x")).is_none());
    }
}
