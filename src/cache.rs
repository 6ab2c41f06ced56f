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
//!   modification time and hash when it was written; an entry that no longer matches
//!   (changed in place, through the output folder's link or otherwise) is reported and
//!   made again, never published;
//! - `markdown/` — a page's Markdown rendered, with the link lookups the render made
//!   and their answers (used only while they still hold: `markdown::kept`);
//! - `record/` — a page's search record (what Pagefind's parser made of it);
//! - `bundle/` — each language's last search bundle: reused whole when none of the
//!   language's records changed, and file by file otherwise (an index file whose name
//!   and contents are unchanged is not compressed again);
//! - `state/` — each language's last search index before it was finished: a rebuild
//!   that changes a few pages edits it instead of adding every page again.
//!
//! Every other entry is one file: a header (magic, key, length, CRC-32) and the bytes. A file
//! that is damaged, truncated or not ours is reported as a warning, deleted, and made
//! again: never used. Entries are written to a temporary file and renamed into place,
//! so builds running at once do not see each other's half-written files. At the end of
//! a successful build, [`Cache::finish`] deletes the entries that build did not use, so
//! the cache holds one build's worth of results. Writing the cache never fails a build:
//! a cache that cannot be written is reported once and the build goes on without it.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::{Diagnostic, Error, Result};
use crate::output::resolve;

/// The default cache folder, under the site's root.
pub const DEFAULT_DIR: &str = ".waypost-cache";

/// The line of `CACHEDIR.TAG` that marks a folder as waypost's cache.
const TAG_LINE: &str = "# This folder is waypost's build cache; it can be deleted at any time.";

/// The layout's version: a folder under the cache folder.
const LAYOUT: &str = "v1";

/// How many bytes a [`KeyHasher`] gathers before hashing them.
const BUFFER: usize = 64 * 1024;

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
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Record => "record",
            Kind::Bundle => "bundle",
            Kind::Markdown => "markdown",
            Kind::State => "state",
        }
    }

    /// Every kind, in the order [`Cache::finish`] prunes them.
    const ALL: [Kind; 5] = [
        Kind::Markdown,
        Kind::Page,
        Kind::Record,
        Kind::Bundle,
        Kind::State,
    ];
}

/// A hash of everything a cached result depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(pub [u8; 32]);

impl Key {
    fn hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
}

/// Builds a [`Key`]: `std::io::Write` too, so serializers can write into it.
pub struct KeyHasher {
    hasher: blake3::Hasher,
    /// Small parts gathered before they are hashed: BLAKE3 is fast on long inputs and
    /// slow on many tiny ones (a page's context has thousands of short values).
    buf: Vec<u8>,
}

impl KeyHasher {
    fn new() -> KeyHasher {
        KeyHasher {
            hasher: blake3::Hasher::new(),
            buf: Vec::with_capacity(BUFFER),
        }
    }

    /// Feeds raw bytes.
    fn put(&mut self, bytes: &[u8]) -> &mut Self {
        if self.buf.len() + bytes.len() > BUFFER {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
        if bytes.len() > BUFFER / 2 {
            self.hasher.update(bytes);
        } else {
            self.buf.extend_from_slice(bytes);
        }
        self
    }

    /// Adds bytes, prefixed by their length (so `("ab", "c")` and `("a", "bc")` differ).
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.put(&(bytes.len() as u64).to_le_bytes());
        self.put(bytes)
    }

    /// Adds a JSON value: its structure and contents, unambiguously (a type tag and a
    /// length before each part), without writing it out as JSON text.
    pub fn value(&mut self, v: &serde_json::Value) -> &mut Self {
        use serde_json::Value;
        match v {
            Value::Null => {
                self.put(&[0]);
            }
            Value::Bool(b) => {
                self.put(&[1, *b as u8]);
            }
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    self.put(&[2]).put(&i.to_le_bytes());
                } else if let Some(u) = n.as_u64() {
                    self.put(&[3]).put(&u.to_le_bytes());
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    self.put(&[4]).put(&f.to_bits().to_le_bytes());
                }
            }
            Value::String(s) => {
                self.put(&[5]);
                self.field(s.as_bytes());
            }
            Value::Array(items) => {
                self.put(&[6]).put(&(items.len() as u64).to_le_bytes());
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.put(&[7]).put(&(map.len() as u64).to_le_bytes());
                for (k, item) in map {
                    self.field(k.as_bytes());
                    self.value(item);
                }
            }
        }
        self
    }

    /// The key.
    pub fn key(&self) -> Key {
        let mut h = self.hasher.clone();
        h.update(&self.buf);
        Key(*h.finalize().as_bytes())
    }
}

impl std::io::Write for KeyHasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    dir: PathBuf,
    salt: [u8; 32],
    used: Mutex<HashSet<(Kind, Key)>>,
    warnings: Mutex<Vec<String>>,
    write_failed: std::sync::atomic::AtomicBool,
    hits: AtomicUsize,
    misses: AtomicUsize,
    written: AtomicUsize,
    temp_counter: AtomicU64,
    /// The stamps of the page entries the last build left (read when first needed).
    stamps: std::sync::OnceLock<HashMap<Key, Stamp>>,
    /// The stamps of the page entries this build used or wrote.
    fresh: Mutex<HashMap<Key, Stamp>>,
    /// Page entries found changed since they were written: how many, and the first.
    changed: Mutex<(usize, Option<PathBuf>)>,
}

impl Cache {
    /// Opens (and creates) the cache in `dir`. The keys it makes include the identity
    /// of the running program (version, and the size and time of its executable), so a
    /// rebuilt or upgraded waypost never reads another's results.
    pub fn open(dir: &Path) -> Result<Cache> {
        let layout = dir.join(LAYOUT);
        let tag = dir.join("CACHEDIR.TAG");
        // A folder with other files in it is not taken over: the tag below would make
        // backup tools skip everything in it.
        let ours = std::fs::read_to_string(&tag).is_ok_and(|t| t.contains(TAG_LINE));
        if !ours {
            if let Ok(mut entries) = std::fs::read_dir(dir) {
                if entries.next().is_some() {
                    return Err(Error::one(
                        Diagnostic::new(
                            dir,
                            "this folder is not empty and is not a waypost build cache; the \
                             cache will not be kept in it",
                        )
                        .hint("give `--cache` a new or empty folder, or build with `--no-cache`"),
                    ));
                }
            }
        }
        std::fs::create_dir_all(&layout).map_err(|e| {
            Error::one(
                Diagnostic::new(dir, format!("cannot create the build cache: {e}"))
                    .hint("pass `--cache DIR` for a folder you can write, or `--no-cache`"),
            )
        })?;
        if !ours {
            // Backup tools skip folders with this file (bford.ca/cachedir); it also
            // marks the folder as waypost's.
            let _ = std::fs::write(
                &tag,
                format!("Signature: 8a477f597d28d172789f06886806bc55\n{TAG_LINE}\n"),
            );
        }
        Ok(Cache {
            dir: layout,
            salt: program_identity(),
            used: Mutex::new(HashSet::new()),
            warnings: Mutex::new(Vec::new()),
            write_failed: Default::default(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
            temp_counter: AtomicU64::new(0),
            stamps: std::sync::OnceLock::new(),
            fresh: Mutex::new(HashMap::new()),
            changed: Mutex::new((0, None)),
        })
    }

    /// Opens the cache for the site at `root` whose build goes to `output` (None: a
    /// preview, which writes no output), after checking the folder is neither part of
    /// the site's sources (it would be read or published as content) nor overlapping
    /// the output (it would be replaced by every build), nor the site's folder or one
    /// above it.
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
        if let Some(source) = crate::output::source_holding(&root, &cache) {
            return refuse(format!(
                "the build cache folder is inside the site's `{source}`, whose files are read \
                 or published"
            ));
        }
        let output = output.map(resolve);
        if output.is_some_and(|output| cache.starts_with(&output) || output.starts_with(&cache)) {
            return refuse(
                "the build cache folder and the output folder overlap; every build replaces \
                 the output folder"
                    .into(),
            );
        }
        Cache::open(dir)
    }

    /// A hasher for a key of `kind`, already holding the program's identity.
    pub fn hasher(&self, kind: Kind) -> KeyHasher {
        let mut h = KeyHasher::new();
        h.field(&self.salt).field(kind.dir().as_bytes());
        h
    }

    fn path(&self, kind: Kind, key: &Key) -> PathBuf {
        let hex = key.hex();
        self.dir.join(kind.dir()).join(&hex[..2]).join(hex)
    }

    /// The bytes stored under `key`, if an earlier build stored them and they are
    /// intact. A damaged entry is reported, deleted and treated as missing. Either way
    /// the entry is kept by [`Cache::finish`].
    pub fn get(&self, kind: Kind, key: &Key) -> Option<Vec<u8>> {
        self.keep(kind, key);
        let path = self.path(kind, key);
        let found = match std::fs::read(&path) {
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
                self.damaged(&path, &format!("cannot read it: {e}"));
                None
            }
        };
        match found {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// A page's HTML kept by an earlier build, ready to be linked into the output
    /// ([`CachedFile`]), if its entry is still as that build wrote it (same inode, size
    /// and modification time as its stamp). One that changed is reported and deleted;
    /// either way the entry is kept by [`Cache::finish`].
    pub fn page(&self, key: &Key) -> Option<CachedFile> {
        self.keep(Kind::Page, key);
        let path = self.path(Kind::Page, key);
        let found = match (self.stamps().get(key), std::fs::symlink_metadata(&path)) {
            (Some(stamp), Ok(meta)) => {
                if Stamp::of(&meta, stamp.hash).as_ref() == Some(stamp) {
                    Some(*stamp)
                } else if let Some(now) = restamp(&path, stamp.hash) {
                    // Written again with the same bytes (by a build running at the same
                    // time, which renamed its copy over this one): still good.
                    Some(now)
                } else {
                    let _ = std::fs::remove_file(&path);
                    let mut changed = self.changed.lock().expect("the cache's lock");
                    changed.0 += 1;
                    changed.1.get_or_insert_with(|| path.clone());
                    None
                }
            }
            // Not stamped (written by a build running at the same time, or stamps
            // lost): it cannot be vouched for, and is made again.
            (None, Ok(_)) => None,
            (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => None,
            (_, Err(e)) => {
                self.damaged(&path, &format!("cannot read it: {e}"));
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

    /// A page entry this build used or wrote: its stamp is kept for the next build.
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
            match std::fs::read(&path) {
                Ok(bytes) => decode_stamps(&bytes).unwrap_or_else(|| {
                    self.damaged(&path, "not a list of page stamps");
                    HashMap::new()
                }),
                Err(_) => HashMap::new(),
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
        let _ = std::fs::remove_file(path);
        self.warn(format!(
            "{}: damaged build cache entry ({why}); it was deleted and made again",
            path.display()
        ));
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
        } else {
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

    /// Writes a file of the cache through `fill`: to a temporary file beside it (its
    /// folder made if missing), flushed, then renamed into place.
    fn write_file(
        &self,
        path: &Path,
        mut fill: impl FnMut(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let folder = path.parent().expect("entries are in a folder");
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!(".tmp-{}-{n}", std::process::id()));
        let mut write = |temp: &Path| -> std::io::Result<()> {
            let mut f = std::io::BufWriter::with_capacity(64 * 1024, std::fs::File::create(temp)?);
            fill(&mut f)?;
            f.flush()?;
            Ok(())
        };
        let result = write(&temp).or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                std::fs::create_dir_all(folder)?;
                write(&temp)
            } else {
                Err(e)
            }
        });
        match result.and_then(|()| std::fs::rename(&temp, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                Err(e)
            }
        }
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

    /// Ends a successful build: deletes the entries it did not use (and temporary files
    /// an interrupted build left more than an hour ago), and returns the warnings and
    /// the counts.
    pub fn finish(self) -> (Vec<String>, Stats) {
        let counts = self.stats();
        self.report_changed();
        // The stamps of the page entries this build used or made, for the next one.
        let fresh = std::mem::take(&mut *self.fresh.lock().expect("the cache's lock"));
        if !fresh.is_empty() || self.dir.join(STAMPS).exists() {
            let path = self.dir.join(STAMPS);
            if let Err(e) = self.write_file(&path, |f| f.write_all(&encode_stamps(&fresh))) {
                self.write_failed_once(&e);
            }
        }
        let used = self.used.into_inner().expect("the cache's lock");
        let mut pruned = 0;
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for kind in Kind::ALL {
            let Ok(shards) = std::fs::read_dir(self.dir.join(kind.dir())) else {
                continue;
            };
            for shard in shards.flatten() {
                let Ok(entries) = std::fs::read_dir(shard.path()) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let name = entry.file_name();
                    let name = name.to_string_lossy();
                    let keep = if name.starts_with(".tmp-") {
                        entry
                            .metadata()
                            .and_then(|m| m.modified())
                            .is_ok_and(|t| t > hour_ago)
                    } else {
                        parse_key(&name).is_some_and(|k| used.contains(&(kind, k)))
                    };
                    if !keep && std::fs::remove_file(entry.path()).is_ok() {
                        pruned += 1;
                    }
                }
            }
        }
        let stats = Stats { pruned, ..counts };
        (self.warnings.into_inner().expect("the cache's lock"), stats)
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

fn parse_key(name: &str) -> Option<Key> {
    if name.len() != 64 {
        return None;
    }
    blake3::Hash::from_hex(name)
        .ok()
        .map(|h| Key(*h.as_bytes()))
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

/// The file of page stamps, in the layout's folder.
const STAMPS: &str = "page.stamps";

/// The first bytes of the file of page stamps.
const STAMPS_MAGIC: &[u8; 8] = b"WPSTAMP1";

/// Bytes of one stamp in that file: key, inode, size, modification time, hash.
const STAMP_BYTES: usize = 32 + 8 + 8 + 16 + 32;

/// What a page entry was when it was written: the file's inode, size and modification
/// time (nanoseconds since 1970), which any rewrite changes — the test Git uses for its
/// working tree — and the hash of its bytes, checked whenever they are read rather than
/// linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    size: u64,
    mtime: i128,
    hash: [u8; 32],
}

impl Stamp {
    /// The stamp of a regular file (None for anything else), with `hash`.
    fn of(meta: &std::fs::Metadata, hash: [u8; 32]) -> Option<Stamp> {
        if !meta.file_type().is_file() {
            return None;
        }
        #[cfg(unix)]
        let (ino, mtime) = {
            use std::os::unix::fs::MetadataExt;
            (
                meta.ino(),
                i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            )
        };
        #[cfg(not(unix))]
        let (ino, mtime) = (
            0,
            meta.modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos() as i128,
        );
        Some(Stamp {
            ino,
            size: meta.len(),
            mtime,
            hash,
        })
    }
}

/// The stamp of the file at `path` now, if its bytes still hash to `hash` (taken from
/// the open file, so a change while it is read shows in the next build's check).
fn restamp(path: &Path, hash: [u8; 32]) -> Option<Stamp> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    f.read_to_end(&mut bytes).ok()?;
    (content_hash(&bytes) == hash)
        .then(|| Stamp::of(&meta, hash))
        .flatten()
}

/// A page's HTML kept in the cache ([`Cache::page`], [`Cache::put_page`]), to be put
/// into the output folder as a hard link rather than written again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedFile {
    path: PathBuf,
    stamp: Stamp,
}

impl CachedFile {
    /// Puts the file at `target` (which must not exist): a hard link to the entry, if it
    /// can be made and is still the file that was stamped; otherwise a copy of its
    /// bytes, checked against the stamp's hash. An entry whose bytes changed is an error
    /// (the caller's build fails; the next one makes the page again).
    pub fn place(&self, target: &Path) -> std::io::Result<()> {
        if std::fs::hard_link(&self.path, target).is_ok() {
            let linked = std::fs::symlink_metadata(target)?;
            if Stamp::of(&linked, self.stamp.hash) == Some(self.stamp) {
                return Ok(());
            }
            std::fs::remove_file(target)?;
        }
        std::fs::write(target, self.read()?)
    }

    /// The file's bytes, checked against the stamp's hash.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        let bytes = std::fs::read(&self.path)?;
        if content_hash(&bytes) != self.stamp.hash {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the build cache entry changed during the build; build again",
            ));
        }
        Ok(bytes)
    }

    /// Where the entry is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The stamps as bytes: magic, then each (sorted by key), then a CRC-32 of all before.
fn encode_stamps(stamps: &HashMap<Key, Stamp>) -> Vec<u8> {
    let mut sorted: Vec<(&Key, &Stamp)> = stamps.iter().collect();
    sorted.sort_unstable_by_key(|(k, _)| k.0);
    let mut out = Vec::with_capacity(8 + sorted.len() * STAMP_BYTES + 4);
    out.extend_from_slice(STAMPS_MAGIC);
    for (k, s) in sorted {
        out.extend_from_slice(&k.0);
        out.extend_from_slice(&s.ino.to_le_bytes());
        out.extend_from_slice(&s.size.to_le_bytes());
        out.extend_from_slice(&s.mtime.to_le_bytes());
        out.extend_from_slice(&s.hash);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// [`encode_stamps`] read back; None if the bytes are not that.
fn decode_stamps(bytes: &[u8]) -> Option<HashMap<Key, Stamp>> {
    let body = bytes.strip_prefix(STAMPS_MAGIC.as_slice())?;
    let (records, crc) = body.split_at_checked(body.len().checked_sub(4)?)?;
    if crc32fast::hash(&bytes[..bytes.len() - 4]).to_le_bytes() != crc
        || records.len() % STAMP_BYTES != 0
    {
        return None;
    }
    let mut stamps = HashMap::with_capacity(records.len() / STAMP_BYTES);
    for r in records.chunks_exact(STAMP_BYTES) {
        let key = Key(r[..32].try_into().ok()?);
        stamps.insert(
            key,
            Stamp {
                ino: u64::from_le_bytes(r[32..40].try_into().ok()?),
                size: u64::from_le_bytes(r[40..48].try_into().ok()?),
                mtime: i128::from_le_bytes(r[48..64].try_into().ok()?),
                hash: r[64..96].try_into().ok()?,
            },
        );
    }
    Some(stamps)
}

/// A language's search bundle as kept in the cache: the key of the records it was
/// built from, and its files (path in the bundle, hash of the uncompressed contents for
/// the index files that are compressed, contents as written).
pub struct Bundle {
    /// What the bundle was built from (a hash of its records' keys, in order).
    pub inputs: Key,
    /// The keys of the records it was built from, in page order.
    pub records: Vec<Key>,
    /// `(path, hash of the uncompressed contents or None, contents)`.
    pub files: Vec<(String, Option<[u8; 32]>, Vec<u8>)>,
}

impl Bundle {
    /// The small parts of a bundle's bytes: what comes before the first file's contents,
    /// and before each next one's. [`Bundle::parts`] interleaves them with the contents,
    /// so a bundle is written without a second copy of its files in memory.
    pub fn heads<'f>(
        inputs: &Key,
        records: &[Key],
        files: impl ExactSizeIterator<Item = (&'f str, Option<&'f [u8; 32]>, usize)>,
    ) -> Vec<Vec<u8>> {
        let mut heads = Vec::with_capacity(files.len() + 1);
        let mut head = Vec::with_capacity(48 + 32 * records.len());
        head.extend_from_slice(&inputs.0);
        head.extend_from_slice(&(records.len() as u64).to_le_bytes());
        for r in records {
            head.extend_from_slice(&r.0);
        }
        head.extend_from_slice(&(files.len() as u64).to_le_bytes());
        for (path, hash, len) in files {
            head.extend_from_slice(&(path.len() as u64).to_le_bytes());
            head.extend_from_slice(path.as_bytes());
            match hash {
                Some(h) => {
                    head.push(1);
                    head.extend_from_slice(h);
                }
                None => head.push(0),
            }
            head.extend_from_slice(&(len as u64).to_le_bytes());
            heads.push(std::mem::take(&mut head));
        }
        heads.push(head);
        heads
    }

    /// The bundle's bytes as slices: `heads` (from [`Bundle::heads`]) and the files'
    /// `contents`, in turn.
    pub fn parts<'a>(
        heads: &'a [Vec<u8>],
        contents: impl Iterator<Item = &'a [u8]>,
    ) -> Vec<&'a [u8]> {
        let mut parts = Vec::with_capacity(heads.len() * 2);
        let mut contents = contents;
        for head in heads {
            parts.push(head.as_slice());
            if let Some(c) = contents.next() {
                parts.push(c);
            }
        }
        parts
    }

    /// A bundle from the bytes of [`Bundle::heads`] and [`Bundle::parts`]; None if they
    /// are not one.
    pub fn decode(bytes: &[u8]) -> Option<Bundle> {
        let mut r = Reader(bytes);
        let inputs = Key(r.take(32)?.try_into().ok()?);
        let records = (0..r.count(32)?)
            .map(|_| Some(Key(r.take(32)?.try_into().ok()?)))
            .collect::<Option<Vec<_>>>()?;
        let count = r.u64()?;
        let mut files = Vec::new();
        for _ in 0..count {
            let len = r.u64()? as usize;
            let path = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            let hash = match r.take(1)?[0] {
                0 => None,
                1 => Some(r.take(32)?.try_into().ok()?),
                _ => return None,
            };
            let len = r.u64()? as usize;
            files.push((path, hash, r.take(len)?.to_vec()));
        }
        r.0.is_empty().then_some(Bundle {
            inputs,
            records,
            files,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    /// A count of items of at least `size` bytes each that follow.
    fn count(&mut self, size: usize) -> Option<usize> {
        let n = self.u64()? as usize;
        (n <= self.0.len() / size.max(1)).then_some(n)
    }
}

/// The hash of an index file's uncompressed contents, as kept in a [`Bundle`].
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bytes).as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        (dir, cache)
    }

    #[test]
    fn a_stored_entry_is_found_by_the_next_build_and_unused_ones_are_pruned() {
        let (dir, cache) = open();
        let a = cache.hasher(Kind::Record).field(b"a").key();
        let b = cache.hasher(Kind::Record).field(b"b").key();
        cache.put(Kind::Record, &a, b"<p>a</p>");
        cache.put(Kind::Record, &b, b"<p>b</p>");
        cache.finish();
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        assert_eq!(
            cache.get(Kind::Record, &a).as_deref(),
            Some(&b"<p>a</p>"[..])
        );
        let (warnings, stats) = cache.finish();
        assert!(warnings.is_empty());
        assert_eq!((stats.hits, stats.pruned), (1, 1));
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        assert_eq!(cache.get(Kind::Record, &b), None);
    }

    /// Puts `html` under `key` and places it in `out` as `name`; returns the path.
    fn publish(cache: &Cache, key: &Key, html: &[u8], out: &Path, name: &str) -> PathBuf {
        let kept = cache.put_page(key, html).expect("the cache can be written");
        let target = out.join(name);
        kept.place(&target).unwrap();
        target
    }

    #[cfg(unix)]
    fn inode(p: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).unwrap().ino()
    }

    #[test]
    #[cfg(unix)]
    fn a_kept_page_is_published_as_a_link_to_its_entry_and_found_by_the_next_build() {
        let (dir, cache) = open();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let a = cache.hasher(Kind::Page).field(b"a").key();
        let b = cache.hasher(Kind::Page).field(b"b").key();
        let first = publish(&cache, &a, b"<p>a</p>", &out, "a1.html");
        publish(&cache, &b, b"<p>b</p>", &out, "b1.html");
        assert_eq!(std::fs::read(&first).unwrap(), b"<p>a</p>");
        assert_eq!(
            inode(&first),
            inode(&cache.path(Kind::Page, &a)),
            "a link, not a copy"
        );
        cache.finish();

        // The next build finds `a` by its stamp and publishes the same file again.
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        let kept = cache.page(&a).expect("kept");
        kept.place(&out.join("a2.html")).unwrap();
        assert_eq!(inode(&out.join("a2.html")), inode(&first));
        assert_eq!(kept.read().unwrap(), b"<p>a</p>");
        let (warnings, stats) = cache.finish();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!((stats.hits, stats.pruned), (1, 1));
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        assert!(cache.page(&b).is_none(), "pruned");
        assert!(
            cache.page(&a).is_some(),
            "stamps are kept for the pages used"
        );
    }

    #[test]
    fn a_page_changed_through_its_published_link_is_reported_once_and_made_again() {
        let (dir, cache) = open();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let keys: Vec<Key> = (0..3u8)
            .map(|n| cache.hasher(Kind::Page).field(&[n]).key())
            .collect();
        let published: Vec<PathBuf> = keys
            .iter()
            .enumerate()
            .map(|(n, k)| publish(&cache, k, b"<p>same size</p>", &out, &format!("{n}.html")))
            .collect();
        cache.finish();
        // A tool rewrites two built files in place (same size; the time moves on).
        std::thread::sleep(std::time::Duration::from_millis(20));
        for p in &published[..2] {
            std::fs::write(p, b"<p>SAME SIZE</p>").unwrap();
        }
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        assert!(cache.page(&keys[0]).is_none());
        assert!(cache.page(&keys[1]).is_none());
        assert!(cache.page(&keys[2]).is_some());
        assert!(!cache.path(Kind::Page, &keys[0]).exists(), "deleted");
        let (warnings, stats) = cache.finish();
        assert_eq!(warnings.len(), 1, "one warning for all: {warnings:?}");
        assert!(
            warnings[0].contains("damaged build cache entry"),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("and 1 more"), "{warnings:?}");
        assert_eq!((stats.hits, stats.misses), (1, 2));
    }

    #[test]
    fn a_page_entry_written_again_with_the_same_bytes_is_still_used() {
        let (dir, cache) = open();
        let a = cache.hasher(Kind::Page).field(b"a").key();
        cache.put_page(&a, b"<p>a</p>").unwrap();
        cache.finish();
        // Another build renamed its own copy over the entry: a new inode, same bytes.
        let path = Cache::open(&dir.path().join("c"))
            .unwrap()
            .path(Kind::Page, &a);
        let copy = path.with_extension("copy");
        std::fs::write(&copy, b"<p>a</p>").unwrap();
        std::fs::rename(&copy, &path).unwrap();
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        let kept = cache.page(&a).expect("still good");
        assert_eq!(kept.read().unwrap(), b"<p>a</p>");
        let (warnings, stats) = cache.finish();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(stats.hits, 1);
        // Its new stamp was kept: the next build takes the fast path.
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        assert_eq!(cache.stamps().get(&a).map(|s| s.ino), {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                Some(std::fs::metadata(&path).unwrap().ino())
            }
            #[cfg(not(unix))]
            {
                Some(0)
            }
        });
    }

    #[test]
    fn a_kept_page_whose_bytes_changed_is_never_copied() {
        let (dir, cache) = open();
        let a = cache.hasher(Kind::Page).field(b"a").key();
        let kept = cache.put_page(&a, b"<p>a</p>").unwrap();
        std::fs::write(cache.path(Kind::Page, &a), b"<p>b</p>").unwrap();
        let err = kept.read().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        // Placing it cannot link the stamped file any more, and will not copy other bytes.
        assert!(kept.place(&dir.path().join("x.html")).is_err());
    }

    #[test]
    fn page_stamps_survive_encoding_and_garbage_is_not_stamps() {
        let (_dir, cache) = open();
        let mut stamps = HashMap::new();
        for n in 0..5u8 {
            stamps.insert(
                cache.hasher(Kind::Page).field(&[n]).key(),
                Stamp {
                    ino: u64::from(n) << 40,
                    size: 1000 + u64::from(n),
                    mtime: -5 + i128::from(n) * 1_000_000_007,
                    hash: [n; 32],
                },
            );
        }
        let bytes = encode_stamps(&stamps);
        assert_eq!(decode_stamps(&bytes), Some(stamps));
        for cut in [0, 7, 8, bytes.len() - 1] {
            assert_eq!(decode_stamps(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert_eq!(decode_stamps(&flipped), None);
    }

    #[test]
    fn a_streamed_entry_reads_back_whole_and_is_checked_like_any_other() {
        let (_dir, cache) = open();
        let a = cache.hasher(Kind::State).field(b"a").key();
        let size = cache.put_streamed(Kind::State, &a, |out| {
            for part in [&b"head"[..], b"", b"shard one", b"shard two"] {
                out(part)?;
            }
            Ok(())
        });
        assert_eq!(size, 22);
        assert_eq!(
            cache.get(Kind::State, &a).as_deref(),
            Some(&b"headshard oneshard two"[..])
        );
        // Its header's length and checksum are those of what was streamed.
        let path = cache.path(Kind::State, &a);
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(cache.get(Kind::State, &a), None);
        // A failing producer leaves no entry.
        let b = cache.hasher(Kind::State).field(b"b").key();
        let size = cache.put_streamed(Kind::State, &b, |out| {
            out(b"part")?;
            Err(std::io::Error::other("the producer failed"))
        });
        assert_eq!(size, 0);
        assert!(!cache.path(Kind::State, &b).exists());
    }

    #[test]
    fn a_damaged_entry_is_reported_deleted_and_never_used() {
        let (_dir, cache) = open();
        let a = cache.hasher(Kind::Record).field(b"a").key();
        for damage in [
            |b: &mut Vec<u8>| b.truncate(b.len() - 1),
            |b: &mut Vec<u8>| *b.last_mut().unwrap() ^= 1,
            |b: &mut Vec<u8>| b.truncate(3),
            |b: &mut Vec<u8>| b[9] ^= 1,
        ] {
            cache.put(Kind::Record, &a, b"payload");
            let path = cache.path(Kind::Record, &a);
            let mut bytes = std::fs::read(&path).unwrap();
            damage(&mut bytes);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(cache.get(Kind::Record, &a), None);
            assert!(!path.exists());
        }
        let (warnings, _) = cache.finish();
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings[0].contains("damaged build cache entry"));
    }

    #[test]
    fn keys_differ_by_kind_and_by_field_boundaries() {
        let (_dir, cache) = open();
        let ab_c = cache.hasher(Kind::Page).field(b"ab").field(b"c").key();
        let a_bc = cache.hasher(Kind::Page).field(b"a").field(b"bc").key();
        let record = cache.hasher(Kind::Record).field(b"ab").field(b"c").key();
        assert_ne!(ab_c, a_bc);
        assert_ne!(ab_c, record);
    }

    #[test]
    fn values_that_differ_in_any_part_have_different_keys() {
        let (_dir, cache) = open();
        let key = |v: serde_json::Value| cache.hasher(Kind::Page).value(&v).key();
        let values = [
            serde_json::json!(null),
            serde_json::json!(false),
            serde_json::json!(0),
            serde_json::json!(0.5),
            serde_json::json!(""),
            serde_json::json!("0"),
            serde_json::json!([]),
            serde_json::json!([""]),
            serde_json::json!({}),
            serde_json::json!({"a": ""}),
            serde_json::json!({"a": "", "b": ""}),
            serde_json::json!({"ab": ""}),
            serde_json::json!([["a"], "b"]),
            serde_json::json!([["a", "b"]]),
        ];
        let keys: std::collections::HashSet<Key> = values.iter().cloned().map(key).collect();
        assert_eq!(keys.len(), values.len());
        assert_eq!(key(values[10].clone()), key(values[10].clone()));
    }

    #[test]
    fn a_bundle_survives_encoding_and_garbage_is_not_a_bundle() {
        let bundle = Bundle {
            inputs: Key([7; 32]),
            records: vec![Key([1; 32]), Key([2; 32])],
            files: vec![
                ("pagefind.js".into(), None, b"js".to_vec()),
                ("index/en_1.pf_index".into(), Some([1; 32]), vec![0, 1, 2]),
            ],
        };
        // As the search stage writes it: heads and contents in turn.
        let heads = Bundle::heads(
            &bundle.inputs,
            &bundle.records,
            bundle
                .files
                .iter()
                .map(|(path, hash, contents)| (path.as_str(), hash.as_ref(), contents.len())),
        );
        let bytes = Bundle::parts(&heads, bundle.files.iter().map(|f| f.2.as_slice())).concat();
        let back = Bundle::decode(&bytes).unwrap();
        assert_eq!(back.inputs, bundle.inputs);
        assert_eq!(back.records, bundle.records);
        assert_eq!(back.files, bundle.files);
        assert!(Bundle::decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(Bundle::decode(b"nonsense").is_none());
    }
}
