//! The build cache: results kept between builds, so an unchanged page is neither
//! rendered nor parsed for search again.
//!
//! Takes a folder (`<root>/.waypost-cache/` unless `--cache DIR`) and gives back, for a
//! [`Key`], the bytes stored under it by an earlier build. A key is a hash (BLAKE3) of
//! everything that goes into the result — for a page, its template context and the
//! template sources; for a page's search record, what the document Pagefind parses is
//! made of — and of the waypost binary itself ([`Cache::open`]), so a cache written by another version,
//! or for another config, is simply not found. A result is a pure function of its key's
//! inputs, which is what makes a build with the cache byte-identical to one without.
//!
//! What is kept, under `v1/`:
//! - `page/` — a page's rendered HTML, as it is published: the output folder gets a hard
//!   link to the entry (a copy where links cannot be made), so an unchanged page costs
//!   neither rendering nor writing. `page.stamps` records each entry's inode, size,
//!   modification and change times, mode and hash, as the last build left it (`stamp`);
//!   an entry whose bytes changed (in place, through the output folder's link or
//!   otherwise) is reported and made again, never published;
//! - `markdown/` — a page's Markdown rendered, with the link lookups the render made
//!   and their answers (used only while they still hold: `markdown::kept`);
//! - `record/` — a page's search record (what Pagefind's parser made of it);
//! - `bundle/` — each language's last search bundle: reused whole when none of the
//!   language's records changed, and file by file otherwise (an index file whose name
//!   and contents are unchanged is not compressed again);
//! - `state/` — each language's last search index before it was finished: a rebuild
//!   that changes a few pages edits it instead of adding every page again;
//! - `image/` — an image's resized copies (`images::kept`), so a rebuild encodes only
//!   the images whose bytes or settings changed.
//!
//! Every other entry is one file: a header (magic, key, length, CRC-32) and the bytes. A file
//! that is damaged, truncated or not ours is reported as a warning, deleted, and made
//! again: never used. Entries are written to a new temporary file and renamed into place.
//! At the end of a successful build, [`Cache::finish`] deletes the entries that build
//! did not use, so the cache holds one build's worth of results. Writing the cache never
//! fails a build: a cache that cannot be written is reported once and the build goes on
//! without it.
//!
//! Nothing lost: a build holds the cache's lock (`lock`, an advisory lock the OS
//! releases when the process ends) from [`Cache::open_for_site`] to the end, so a second
//! build with the same cache waits, saying so, rather than pruning what the first is
//! about to publish. The cache never follows a symbolic link inside its folder (`fs`):
//! a link found in place of a folder, an entry or a temporary file is reported once,
//! removed (the link, not its target) and the build goes on as without it. What is in
//! the way (a folder where an entry goes, a lost `CACHEDIR.TAG`, temporary files of
//! builds that were killed) is cleared, so the cache heals without being deleted by hand.
//!
//! Submodules: `key` (hashing), `stamp` (page entries and their stamps), `fs` (file
//! operations that never follow a link). The search bundle's byte format is search's
//! (`search::bundle`).

pub(crate) mod fs;
mod key;
mod stamp;

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

pub use key::{content_hash, Key, KeyHasher};
pub use stamp::CachedFile;

use crate::error::{Diagnostic, Error, Result};
use crate::paths::{resolve, source_holding};
use key::parse_key;
use stamp::{restamp, Stamp, STAMPS};

/// The default cache folder, under the site's root.
pub const DEFAULT_DIR: &str = ".waypost-cache";

/// The line of `CACHEDIR.TAG` that marks a folder as waypost's cache.
const TAG_LINE: &str = "# This folder is waypost's build cache; it can be deleted at any time.";

/// The layout's version: a folder under the cache folder.
const LAYOUT: &str = "v1";

/// The first bytes of every entry.
const MAGIC: &[u8; 8] = b"WPCACHE1";

/// Header: magic, key, payload length (u64 LE), CRC-32 of the payload (u32 LE).
const HEADER: usize = 8 + 32 + 8 + 4;

/// A kind of entry: a folder of the cache, and part of every key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A page's rendered HTML.
    Page,
    /// A page's search record.
    Record,
    /// A language's search bundle (keyed by language; the key inside says what it
    /// was built from).
    Bundle,
    /// A page's Markdown rendered, with the link lookups it made
    /// (`markdown::kept`).
    Markdown,
    /// A language's search index state (keyed by language; the key inside says what
    /// it was built from).
    State,
    /// An image's resized copies (`images::kept`).
    Image,
    /// What the last build into an output folder was made from and left there
    /// (`unchanged`; keyed by the output folder).
    Build,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Record => "record",
            Kind::Bundle => "bundle",
            Kind::Markdown => "markdown",
            Kind::State => "state",
            Kind::Image => "image",
            Kind::Build => "build",
        }
    }

    /// Every kind, in the order [`Cache::finish`] prunes them.
    const ALL: [Kind; 7] = [
        Kind::Markdown,
        Kind::Page,
        Kind::Record,
        Kind::Bundle,
        Kind::State,
        Kind::Image,
        Kind::Build,
    ];
}

/// How a build used the cache (`-v` prints it; the tests read it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Entries found and used.
    pub hits: usize,
    /// Entries looked for and not found (or found damaged).
    pub misses: usize,
    /// Entries written.
    pub written: usize,
    /// Entries deleted by [`Cache::finish`] because the build did not use them.
    pub pruned: usize,
}

/// An open cache folder (see the module docs).
pub struct Cache {
    /// The layout's folder (`<cache>/v1`), resolved.
    dir: PathBuf,
    salt: [u8; 32],
    used: Mutex<HashSet<(Kind, Key)>>,
    warnings: Mutex<Vec<String>>,
    write_failed: AtomicBool,
    /// Nothing is read, written or deleted (the folder could not be made): every
    /// lookup misses.
    disabled: bool,
    hits: AtomicUsize,
    misses: AtomicUsize,
    written: AtomicUsize,
    temp_counter: AtomicU64,
    /// Which shard folders (`kind/ab/`) this build found real (not a link or a file).
    shards: Box<[AtomicBool]>,
    /// Whether a link inside the cache was reported (once a build).
    link_reported: AtomicBool,
    /// The permission bits a file the build writes gets, where the OS tells.
    file_mode: Option<u32>,
    /// The stamps of the page entries the last build left (read when first needed).
    stamps: std::sync::OnceLock<HashMap<Key, Stamp>>,
    /// The stamps of the page entries this build used or wrote.
    fresh: Mutex<HashMap<Key, Stamp>>,
    /// Page entries found changed since they were written: how many, and the first.
    changed: Mutex<(usize, Option<PathBuf>)>,
    /// The lock a build holds (None for a preview, which only adds entries).
    _lock: Option<std::fs::File>,
}

/// The names a cache folder holds: anything else means it is not (only) a cache.
const OURS: [&str; 3] = [LAYOUT, "CACHEDIR.TAG", "lock"];

impl Cache {
    /// Opens (and creates) the cache in `dir`, taking no lock (see
    /// [`Cache::open_for_site`]). The keys it makes include the identity of the running
    /// program (version, and the size and time of its executable), so a rebuilt or
    /// upgraded waypost never reads another's results. A folder that holds files that are
    /// not a cache's is refused; one that cannot be created or written gives a cache that
    /// keeps nothing, with a warning.
    pub fn open(dir: &Path) -> Result<Cache> {
        Cache::open_locked(&resolve(dir), false)
    }

    fn open_locked(dir: &Path, lock: bool) -> Result<Cache> {
        let layout = dir.join(LAYOUT);
        let mut warnings = Vec::new();
        let mut lock_file = None;
        // Each step runs only if the one before left a usable folder: made and tagged,
        // locked (a build), its layout's folders real.
        let usable = take_over(dir)?
            .and_then(|()| {
                if lock {
                    lock_file = Some(fs::lock(&dir.join("lock"), || {
                        log::info!(
                            "waiting for another build using the build cache {} to finish",
                            dir.display()
                        )
                    })?);
                }
                Ok(())
            })
            .map_err(|e| {
                format!(
                    "{}: cannot create the build cache ({e}); this build goes on \
                     without it (pass `--cache DIR` for a folder you can write, or \
                     `--no-cache`)",
                    dir.display()
                )
            })
            .and_then(|()| make_layout(&layout, &mut warnings));
        if let Err(w) = &usable {
            warnings.push(w.clone());
        }
        let disabled = usable.is_err();
        Ok(Cache {
            dir: layout,
            salt: program_identity(),
            used: Mutex::new(HashSet::new()),
            warnings: Mutex::new(warnings),
            write_failed: AtomicBool::new(disabled),
            disabled,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
            temp_counter: AtomicU64::new(0),
            shards: (0..Kind::ALL.len() * 256)
                .map(|_| AtomicBool::new(false))
                .collect(),
            link_reported: AtomicBool::new(false),
            file_mode: fs::new_file_mode(),
            stamps: std::sync::OnceLock::new(),
            fresh: Mutex::new(HashMap::new()),
            changed: Mutex::new((0, None)),
            _lock: lock_file,
        })
    }

    /// Opens the cache for the site at `root` whose build goes to `output` (None: a
    /// preview, which writes no output), after checking the folder — resolved as the OS
    /// will use it (`paths::resolve`: `..`, `.` and links) — is neither part of the
    /// site's sources (it would be read or published as content) nor overlapping the
    /// output (it would be replaced by every build), nor the site's folder or one above
    /// it. A build takes the cache's lock, waiting (and saying so) while another build
    /// holds it; a preview only adds entries and takes none.
    pub fn open_for_site(dir: &Path, root: &Path, output: Option<&Path>) -> Result<Cache> {
        let (cache, root) = (resolve(dir), resolve(root));
        let refuse = |message: String| {
            Err(Error::one(Diagnostic::new(dir, message).hint(
                "choose another `--cache` folder (the default is `.waypost-cache` in the \
                 site's folder), or build with `--no-cache`",
            )))
        };
        if root.starts_with(&cache) {
            return refuse("the build cache folder is the site's folder or holds it".into());
        }
        if let Some(source) = source_holding(&root, &cache) {
            return refuse(format!(
                "the build cache folder is inside the site's `{source}`, whose files are read \
                 or published"
            ));
        }
        let output = output.map(resolve);
        if output
            .as_ref()
            .is_some_and(|output| cache.starts_with(output) || output.starts_with(&cache))
        {
            return refuse(
                "the build cache folder and the output folder overlap; every build replaces \
                 the output folder"
                    .into(),
            );
        }
        Cache::open_locked(&cache, output.is_some())
    }

    /// Whether `e`, which stopped a build, comes of the cache folder being deleted
    /// while it ran (an entry to publish is gone, or the whole folder).
    pub fn vanished(&self, e: &Error) -> bool {
        let root = self.dir.parent().unwrap_or(&self.dir);
        !self.dir.is_dir()
            || matches!(e, Error::Io { path, source, .. }
                if path.starts_with(root) && source.kind() == std::io::ErrorKind::NotFound)
    }

    /// A hasher for a key of `kind`, already holding the program's identity.
    pub fn hasher(&self, kind: Kind) -> KeyHasher {
        let mut h = KeyHasher::new();
        h.field(&self.salt).field(kind.dir().as_bytes());
        h
    }

    /// Where the entry of `key` is. Its shard folder is checked, the first time this
    /// build uses it, to be a real folder: a link or a file in its place is removed.
    fn path(&self, kind: Kind, key: &Key) -> PathBuf {
        let hex = key.hex();
        let shard = self.dir.join(kind.dir()).join(&hex[..2]);
        let n =
            Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0) * 256 + usize::from(key.0[0]);
        if !self.disabled && !self.shards[n].load(Ordering::Relaxed) {
            match fs::real_dir(&shard, false) {
                Ok(fs::Replaced::Nothing) => {}
                Ok(what) => self.report_in_the_way(&shard, what),
                Err(_) => {}
            }
            self.shards[n].store(true, Ordering::Relaxed);
        }
        shard.join(hex)
    }

    /// Reports what was found in place of a folder or file of the cache and removed
    /// (a link is reported once a build: a planted cache may hold thousands).
    fn report_in_the_way(&self, path: &Path, what: fs::Replaced) {
        if what == fs::Replaced::Link && self.link_reported.swap(true, Ordering::Relaxed) {
            return;
        }
        self.warn(in_the_way(path, what));
    }

    /// The bytes stored under `key`, if an earlier build stored them and they are
    /// intact. A damaged entry is reported, deleted and treated as missing. Either way
    /// the entry is kept by [`Cache::finish`].
    pub fn get(&self, kind: Kind, key: &Key) -> Option<Vec<u8>> {
        self.keep(kind, key);
        if self.disabled {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let path = self.path(kind, key);
        let found = match fs::read(&path) {
            Ok(mut bytes) => match check_entry(&bytes, key) {
                Ok(()) => {
                    // The payload, moved to the front in place (no second buffer).
                    bytes.drain(..HEADER);
                    Some(bytes)
                }
                Err(why) => {
                    self.damaged(&path, why);
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.unreadable(&path, &e);
                None
            }
        };
        // The counts are of the stages' results; a build's record is not one.
        match found {
            _ if kind == Kind::Build => 0,
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// The result kept under `key`, read back by `decode`: None if there is none, or if
    /// its bytes are not what `decode` reads (`Err(why)`: reported, deleted, made again).
    pub fn recall<T>(
        &self,
        kind: Kind,
        key: &Key,
        decode: impl FnOnce(Vec<u8>) -> std::result::Result<T, String>,
    ) -> Option<T> {
        match decode(self.get(kind, key)?) {
            Ok(value) => Some(value),
            Err(why) => {
                self.discard(kind, key, &why);
                None
            }
        }
    }

    /// The one memo sequence — key, get, decode, check, make, put — for a result kept
    /// as bytes: the result kept under `key` if it reads back (`decode`) and is still
    /// `valid` (a check of what its key cannot cover, such as the answers of the link
    /// lookups a render made); else `make`'s result, whose bytes are kept for the next
    /// build.
    pub fn memo<T>(
        &self,
        kind: Kind,
        key: &Key,
        decode: impl FnOnce(Vec<u8>) -> std::result::Result<T, String>,
        valid: impl FnOnce(&T) -> bool,
        make: impl FnOnce() -> (T, Vec<u8>),
    ) -> T {
        if let Some(kept) = self.recall(kind, key, decode) {
            if valid(&kept) {
                return kept;
            }
            self.outdated();
        }
        let (value, bytes) = make();
        self.put(kind, key, &bytes);
        value
    }

    /// A page's HTML kept by an earlier build, ready to be linked into the output
    /// ([`CachedFile`]), if its entry is still as that build left it (same inode, size,
    /// modification and change times, and mode as its stamp). One that no longer
    /// matches is checked by its bytes: still the same, it is used (its mode set back to
    /// that of a written file); changed, it is reported and deleted. Either way the
    /// entry is kept by [`Cache::finish`].
    pub fn page(&self, key: &Key) -> Option<CachedFile> {
        self.keep(Kind::Page, key);
        if self.disabled {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let path = self.path(Kind::Page, key);
        let found = match (self.stamps().get(key), std::fs::symlink_metadata(&path)) {
            (_, Ok(meta)) if self.cleared_misplaced(&path, &meta) => None,
            (Some(stamp), Ok(meta)) => {
                if Stamp::of(&meta, stamp.hash).as_ref() == Some(stamp)
                    && stamp.has_mode(self.file_mode)
                {
                    Some(*stamp)
                } else if let Some(now) = restamp(&path, stamp.hash, self.file_mode) {
                    // The same bytes (linked or copied again, by a deploy tool or a build
                    // that renamed its copy over this one; its mode changed): still good.
                    Some(now)
                } else {
                    let _ = std::fs::remove_file(&path);
                    let mut changed = self.changed.lock().expect("the cache's lock");
                    changed.0 += 1;
                    changed.1.get_or_insert_with(|| path.clone());
                    None
                }
            }
            // Not stamped (stamps lost, or a build that failed): it cannot be vouched
            // for, and is made again.
            (None, Ok(_)) => None,
            (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => None,
            (_, Err(e)) => {
                self.unreadable(&path, &e);
                None
            }
        };
        match found {
            Some(stamp) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(self.stamped(key, path, stamp))
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Keeps a page's HTML under `key`, as it is published (no header: the output
    /// folder links to it), and gives it back to be linked; None if the cache cannot be
    /// written (the caller writes the bytes itself).
    pub fn put_page(&self, key: &Key, html: &[u8]) -> Option<CachedFile> {
        self.keep(Kind::Page, key);
        if self.write_failed.load(Ordering::Relaxed) {
            return None;
        }
        let path = self.path(Kind::Page, key);
        let hash = content_hash(html);
        let mut stamp = None;
        let written = self.write_file(&path, |f| {
            f.write_all(html)?;
            // Written out before the stamp is taken: the time is that of the last write.
            f.flush()?;
            stamp = Stamp::of(&f.get_ref().metadata()?, hash);
            Ok(())
        });
        match (written, stamp) {
            (Ok(()), Some(stamp)) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                Some(self.stamped(key, path, stamp))
            }
            (Ok(()), None) => None,
            (Err(e), _) => {
                self.write_failed_once(&e);
                None
            }
        }
    }

    /// A page entry this build used or wrote: its stamp is kept for the next build
    /// (taken again at the end, [`Cache::finish`]).
    fn stamped(&self, key: &Key, path: PathBuf, stamp: Stamp) -> CachedFile {
        self.fresh
            .lock()
            .expect("the cache's lock")
            .insert(*key, stamp);
        CachedFile { path, stamp }
    }

    /// The stamps the last build left, read once.
    fn stamps(&self) -> &HashMap<Key, Stamp> {
        self.stamps.get_or_init(|| {
            let path = self.dir.join(STAMPS);
            match fs::read(&path) {
                Ok(bytes) => stamp::decode(&bytes).unwrap_or_else(|| {
                    self.damaged(&path, "not a list of page stamps");
                    HashMap::new()
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
                Err(e) => {
                    self.unreadable(&path, &e);
                    HashMap::new()
                }
            }
        })
    }

    /// Counts an entry [`Cache::get`] found as made again after all: it was intact, but
    /// what it depends on besides its key changed (a kept render whose links now go
    /// elsewhere).
    pub fn outdated(&self) {
        self.hits.fetch_sub(1, Ordering::Relaxed);
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Reports the entry under `key` as unusable (what it holds cannot be read back),
    /// and deletes it.
    pub fn discard(&self, kind: Kind, key: &Key, why: &str) {
        self.damaged(&self.path(kind, key), why);
    }

    /// Marks an entry as used by this build without reading it, so
    /// [`Cache::finish`] keeps it.
    pub fn keep(&self, kind: Kind, key: &Key) {
        self.used
            .lock()
            .expect("the cache's lock")
            .insert((kind, *key));
    }

    /// Reports a cache entry that cannot be used, and deletes it.
    fn damaged(&self, path: &Path, why: &str) {
        let _ = fs::remove_any(path);
        self.warn(format!(
            "{}: damaged build cache entry ({why}); it was deleted and made again",
            path.display()
        ));
    }

    /// An entry that could not be opened: a link (never followed) or a folder in its
    /// place is removed and reported as such; anything else is damaged.
    fn unreadable(&self, path: &Path, e: &std::io::Error) {
        let misplaced =
            std::fs::symlink_metadata(path).is_ok_and(|meta| self.cleared_misplaced(path, &meta));
        if !misplaced {
            self.damaged(path, &format!("cannot read it: {e}"));
        }
    }

    /// Removes and reports a link (never followed) or a folder found where the entry at
    /// `path` (whose metadata, not following links, is `meta`) should be; false when it
    /// is neither.
    fn cleared_misplaced(&self, path: &Path, meta: &std::fs::Metadata) -> bool {
        let what = if meta.file_type().is_symlink() {
            fs::Replaced::Link
        } else if meta.is_dir() {
            fs::Replaced::File
        } else {
            return false;
        };
        let _ = fs::remove_any(path);
        self.report_in_the_way(path, what);
        true
    }

    /// Stores `bytes` under `key` (written to a temporary file, then renamed).
    pub fn put(&self, kind: Kind, key: &Key, bytes: &[u8]) {
        self.put_parts(kind, key, &[bytes]);
    }

    /// [`Cache::put`] of the bytes of `parts` one after another, without joining them
    /// in memory first (a language's search bundle is tens of megabytes).
    pub fn put_parts(&self, kind: Kind, key: &Key, parts: &[&[u8]]) {
        self.keep(kind, key);
        if self.write_failed.load(Ordering::Relaxed) {
            return;
        }
        let path = self.path(kind, key);
        if let Err(e) = self.write_entry(&path, key, parts) {
            self.write_failed_once(&e);
        } else if kind != Kind::Build {
            self.written.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stores under `key` the bytes `fill` hands to its writer, a part at a time, so
    /// that they are never whole in memory (a language's search index state is tens of
    /// megabytes): the header's length and checksum are written once the bytes are.
    /// Returns how many bytes were stored (0 if the cache could not be written).
    pub fn put_streamed(
        &self,
        kind: Kind,
        key: &Key,
        fill: impl FnOnce(&mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()>,
    ) -> u64 {
        use std::io::{Seek as _, SeekFrom};
        self.keep(kind, key);
        if self.write_failed.load(Ordering::Relaxed) {
            return 0;
        }
        let path = self.path(kind, key);
        let mut fill = Some(fill);
        let mut len = 0u64;
        let result = self.write_file(&path, |f| {
            // A retry (after the folder was made) starts the file again.
            let fill = fill
                .take()
                .ok_or_else(|| std::io::Error::other("the entry's bytes can be made only once"))?;
            f.write_all(&[0; HEADER])?;
            let mut crc = crc32fast::Hasher::new();
            fill(&mut |part: &[u8]| {
                crc.update(part);
                len += part.len() as u64;
                f.write_all(part)
            })?;
            f.flush()?;
            let file = f.get_mut();
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&header(key, len, crc.finalize()))
        });
        match result {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                len
            }
            Err(e) => {
                self.write_failed_once(&e);
                0
            }
        }
    }

    /// Writes an entry whose bytes are `parts`, one after another.
    fn write_entry(&self, path: &Path, key: &Key, parts: &[&[u8]]) -> std::io::Result<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mut crc = crc32fast::Hasher::new();
        for p in parts {
            crc.update(p);
        }
        let crc = crc.finalize();
        self.write_file(path, |f| {
            f.write_all(&header(key, len as u64, crc))?;
            for p in parts {
                f.write_all(p)?;
            }
            Ok(())
        })
    }

    /// Writes a file of the cache through `fill`: to a new temporary file beside it
    /// (created, never opened through a link; its shard folder made if missing), flushed,
    /// then renamed into place (a rename replaces a link at `path`, never its target; a
    /// folder in the way is removed). A cache folder deleted during the build is not
    /// made again: the write fails, and the build goes on without storing results.
    fn write_file(
        &self,
        path: &Path,
        mut fill: impl FnMut(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let folder = path.parent().expect("entries are in a folder");
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!(".tmp-{}-{n}", std::process::id()));
        let mut write = |temp: &Path| -> std::io::Result<()> {
            let file = match fs::create_new(temp) {
                // A leftover (or planted) name: removed, never followed.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || fs::is_link(&e) => {
                    fs::remove_any(temp)?;
                    fs::create_new(temp)?
                }
                r => r?,
            };
            let mut f = std::io::BufWriter::with_capacity(64 * 1024, file);
            fill(&mut f)?;
            f.flush()?;
            Ok(())
        };
        let result = write(&temp).or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound && folder != self.dir {
                if !self.dir.is_dir() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the cache folder was deleted during the build",
                    ));
                }
                // The shard's folder, in its kind's (which `open` made): never a path
                // of missing folders made whole.
                match std::fs::create_dir(folder) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                    _ => {}
                }
                write(&temp)
            } else {
                Err(e)
            }
        });
        let result = result.and_then(|()| match std::fs::rename(&temp, path) {
            Err(_) if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) => {
                fs::remove_any(path)?;
                self.report_in_the_way(path, fs::Replaced::File);
                std::fs::rename(&temp, path)
            }
            r => r,
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Reports, once, that the cache cannot be written.
    fn write_failed_once(&self, e: &std::io::Error) {
        if !self.write_failed.swap(true, Ordering::Relaxed) {
            self.warn(format!(
                "{}: cannot write the build cache ({e}); this build goes on without \
                 storing results",
                self.dir.display()
            ));
        }
    }

    fn warn(&self, message: String) {
        self.warnings
            .lock()
            .expect("the cache's lock")
            .push(message);
    }

    /// The key under which a language's bundle is kept.
    pub fn bundle_slot(&self, lang: &str) -> Key {
        self.hasher(Kind::Bundle).field(lang.as_bytes()).key()
    }

    /// The warnings so far, leaving none (`serve`, which never calls
    /// [`Cache::finish`], reports them after each use).
    pub fn take_warnings(&self) -> Vec<String> {
        self.report_changed();
        std::mem::take(&mut *self.warnings.lock().expect("the cache's lock"))
    }

    /// One warning for every page entry found changed since it was written (a tool that
    /// rewrites the built files in place changes them all through their links).
    fn report_changed(&self) {
        let (n, first) = std::mem::take(&mut *self.changed.lock().expect("the cache's lock"));
        if let Some(first) = first {
            let more = match n {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            self.warn(format!(
                "{}{more}: damaged build cache entry (changed since it was written: the \
                 output folder links to it, so editing a built file in place changes it); \
                 deleted and made again",
                first.display()
            ));
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> Stats {
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
            pruned: 0,
        }
    }

    /// The stamps of the page entries this build used or made, for the next one, taken
    /// again now: linking an entry into the output and removing the previous output's
    /// link moved its change time. An entry that changed otherwise during the build is
    /// left out (the next build checks its bytes).
    fn write_stamps(&self) {
        let fresh = std::mem::take(&mut *self.fresh.lock().expect("the cache's lock"));
        let fresh: HashMap<Key, Stamp> = fresh
            .into_iter()
            .filter_map(|(key, stamp)| {
                let meta = std::fs::symlink_metadata(self.path(Kind::Page, &key)).ok()?;
                let now = Stamp::of(&meta, stamp.hash)?;
                stamp.same_file(&now).then_some((key, now))
            })
            .collect();
        let stamps = self.dir.join(STAMPS);
        if !fresh.is_empty() || std::fs::symlink_metadata(&stamps).is_ok() {
            if let Err(e) = self.write_file(&stamps, |f| f.write_all(&stamp::encode(&fresh))) {
                self.write_failed_once(&e);
            }
        }
    }

    /// Deletes every entry of the cache not in `used`, temporary files of builds that
    /// are gone, and anything that is not an entry (a link is removed, never followed);
    /// returns how many were deleted and the links and misplaced things found.
    fn prune(&self, used: &HashSet<(Kind, Key)>) -> (usize, Vec<(PathBuf, fs::Replaced)>) {
        let mut pruned = 0;
        // Temporary files of builds that were killed: at once when the process that
        // wrote them is gone (a preview may be writing its own), else after an hour.
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let stale_temp = |entry: &std::fs::DirEntry, name: &str| {
            let pid = name
                .strip_prefix(".tmp-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            !pid.is_some_and(fs::may_be_running)
                || entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < hour_ago)
        };
        let mut in_the_way = Vec::new();
        let remove = |path: &Path, pruned: &mut usize| {
            if fs::remove_any(path).is_ok() {
                *pruned += 1;
            }
        };
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(".tmp-") && stale_temp(&entry, &name) {
                    remove(&entry.path(), &mut pruned);
                }
            }
        }
        for kind in Kind::ALL {
            let Ok(shards) = std::fs::read_dir(self.dir.join(kind.dir())) else {
                continue;
            };
            for shard in shards.flatten() {
                // Never into a link: a shard that is not a real folder is removed (the
                // link itself).
                if !shard.file_type().is_ok_and(|t| t.is_dir()) {
                    if shard.file_type().is_ok_and(|t| t.is_symlink()) {
                        in_the_way.push((shard.path(), fs::Replaced::Link));
                    }
                    remove(&shard.path(), &mut pruned);
                    continue;
                }
                let Ok(entries) = std::fs::read_dir(shard.path()) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let name = entry.file_name();
                    let name = name.to_string_lossy();
                    let file = entry.file_type().is_ok_and(|t| t.is_file());
                    let keep = if name.starts_with(".tmp-") {
                        !stale_temp(&entry, &name)
                    } else {
                        file && parse_key(&name).is_some_and(|k| used.contains(&(kind, k)))
                    };
                    if !keep {
                        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
                            in_the_way.push((entry.path(), fs::Replaced::Link));
                        }
                        remove(&entry.path(), &mut pruned);
                    }
                }
            }
        }
        (pruned, in_the_way)
    }

    /// Ends a successful build: keeps the stamps of the page entries it used, deletes
    /// the entries it did not use (and temporary files of builds that are gone, or
    /// older than an hour), and returns the warnings and the counts.
    pub fn finish(self) -> (Vec<String>, Stats) {
        self.finish_with(|_| None)
    }

    /// [`Cache::finish`], then stores what `record` makes of the finished cache (if
    /// anything) under its key: a [`Kind::Build`] record that describes the cache as the
    /// build left it ([`Cache::digest`]).
    pub fn finish_with(
        self,
        record: impl FnOnce(&Cache) -> Option<(Key, Vec<u8>)>,
    ) -> (Vec<String>, Stats) {
        let counts = self.stats();
        if self.disabled {
            return (
                self.warnings.into_inner().expect("the cache's lock"),
                counts,
            );
        }
        self.report_changed();
        self.write_stamps();
        let used = std::mem::take(&mut *self.used.lock().expect("the cache's lock"));
        let (pruned, in_the_way) = self.prune(&used);
        for (path, what) in in_the_way {
            self.report_in_the_way(&path, what);
        }
        if let Some((key, bytes)) = record(&self) {
            self.put(Kind::Build, &key, &bytes);
        }
        let stats = Stats { pruned, ..counts };
        (self.warnings.into_inner().expect("the cache's lock"), stats)
    }

    /// Every entry of the cache and its stamps, by metadata (path, size, modification
    /// time, inode), [`Kind::Build`] records left out: it changes when anything is
    /// added to the cache, removed, damaged or rewritten. None if it cannot be read.
    pub fn digest(&self) -> Option<[u8; 32]> {
        crate::paths::tree_digest(&self.dir, &[Kind::Build.dir()], false)
    }
}

/// Makes `dir` the cache's folder, if it may be: refused (an error) when it holds files
/// that are not a cache's — the tag would make backup tools skip them all; a folder that
/// holds only a cache's names (its tag was lost) is a cache and gets its tag back. The
/// inner result is whether the folder could be made and tagged (a warning if not).
fn take_over(dir: &Path) -> Result<std::io::Result<()>> {
    let tag = dir.join("CACHEDIR.TAG");
    let tagged = fs::read(&tag).is_ok_and(|t| String::from_utf8_lossy(&t).contains(TAG_LINE));
    if !tagged {
        if let Ok(entries) = std::fs::read_dir(dir) {
            let names: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if names.iter().any(|n| !OURS.contains(&n.as_str())) {
                return Err(Error::one(
                    Diagnostic::new(
                        dir,
                        "this folder is not empty and is not a waypost build cache; the \
                         cache will not be kept in it",
                    )
                    .hint(
                        "give `--cache` a new or empty folder, or build with `--no-cache` \
                         (if it is an old waypost cache, delete it: it is made again)",
                    ),
                ));
            }
        }
    }
    Ok(std::fs::create_dir_all(dir).and_then(|()| {
        if !tagged {
            // Backup tools skip folders with this file (bford.ca/cachedir); it also marks
            // the folder as waypost's.
            let _ = fs::remove_any(&tag);
            let mut f = fs::create_new(&tag)?;
            f.write_all(
                format!("Signature: 8a477f597d28d172789f06886806bc55\n{TAG_LINE}\n").as_bytes(),
            )?;
        }
        Ok(())
    }))
}

/// Makes the layout's and the kinds' folders real folders: a link is never followed (it
/// is removed, with a warning), nor is a file in the way kept. Err: the warning that the
/// cache cannot be used.
fn make_layout(layout: &Path, warnings: &mut Vec<String>) -> std::result::Result<(), String> {
    let folders =
        std::iter::once(layout.to_path_buf()).chain(Kind::ALL.iter().map(|k| layout.join(k.dir())));
    for folder in folders {
        match fs::real_dir(&folder, true) {
            Ok(fs::Replaced::Nothing) => {}
            Ok(what) => warnings.push(in_the_way(&folder, what)),
            Err(e) => {
                return Err(format!(
                    "{}: cannot create the build cache ({e}); this build goes on without it",
                    folder.display()
                ))
            }
        }
    }
    Ok(())
}

/// The warning for what was found in place of a folder or file of the cache.
fn in_the_way(path: &Path, what: fs::Replaced) -> String {
    match what {
        fs::Replaced::Link => format!(
            "{}: a symbolic link inside the build cache (the cache never follows links); \
             the link was removed, its target left as it was",
            path.display()
        ),
        fs::Replaced::File | fs::Replaced::Nothing => format!(
            "{}: something else was in the build cache's place for this (a file where a \
             folder goes, or a folder where a file goes); it was removed",
            path.display()
        ),
    }
}

/// Which build cache a command uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheChoice {
    /// None (`--no-cache`, `WAYPOST_NO_CACHE=1`).
    Off,
    /// `.waypost-cache` in the site's folder: only an optimization, so a folder that
    /// cannot be used is a warning, and the command goes on without it.
    Default,
    /// A folder asked for (`--cache DIR`, `WAYPOST_CACHE`): one that must not be used
    /// (inside the sources, overlapping the output, another program's folder) is an
    /// error; one that cannot be written is a warning, as for the default.
    Dir(std::path::PathBuf),
}

impl CacheChoice {
    /// Opens the chosen cache for the site at `root` whose build goes to `output`
    /// (None: a preview), with the same policy for every command (see the variants).
    pub fn open(&self, root: &Path, output: Option<&Path>) -> Result<Option<Cache>> {
        match self {
            CacheChoice::Off => Ok(None),
            CacheChoice::Dir(dir) => Cache::open_for_site(dir, root, output).map(Some),
            CacheChoice::Default => {
                let dir = root.join(DEFAULT_DIR);
                match Cache::open_for_site(&dir, root, output) {
                    Ok(cache) => Ok(Some(cache)),
                    Err(e) => {
                        log::warn!("{}", e.as_warning("going on without the build cache"));
                        Ok(None)
                    }
                }
            }
        }
    }
}

/// An entry's header: magic, key, payload length, CRC-32 of the payload
/// ([`check_entry`] reads it).
fn header(key: &Key, len: u64, crc: u32) -> [u8; HEADER] {
    let mut h = [0; HEADER];
    h[..8].copy_from_slice(MAGIC);
    h[8..40].copy_from_slice(&key.0);
    h[40..48].copy_from_slice(&len.to_le_bytes());
    h[48..52].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Why an entry's bytes cannot be used for `key`, if they cannot.
fn check_entry(bytes: &[u8], key: &Key) -> std::result::Result<(), &'static str> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err("not a waypost cache entry, or truncated");
    }
    if bytes[8..40] != key.0 {
        return Err("stored under the wrong name");
    }
    let len = u64::from_le_bytes(bytes[40..48].try_into().expect("8 bytes"));
    if len != (bytes.len() - HEADER) as u64 {
        return Err("truncated");
    }
    let crc = u32::from_le_bytes(bytes[48..52].try_into().expect("4 bytes"));
    if crc != crc32fast::hash(&bytes[HEADER..]) {
        return Err("its checksum does not match");
    }
    Ok(())
}

/// The running program, as part of every key: its version and the size and
/// modification time of its executable (a rebuilt binary has new ones).
fn program_identity() -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(LAYOUT.as_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        h.update(&meta.len().to_le_bytes());
        if let Ok(t) = meta.modified() {
            if let Ok(d) = t.duration_since(std::time::UNIX_EPOCH) {
                h.update(&d.as_nanos().to_le_bytes());
            }
        }
    }
    *h.finalize().as_bytes()
}

#[cfg(test)]
mod tests;
