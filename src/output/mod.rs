//! Output: the only stage that writes.
//!
//! Takes the rendered [`OutputFile`]s and an output folder; builds the new site in a
//! temporary folder beside it, then swaps it in (in one atomic step on Linux), so a
//! failed or interrupted build leaves the previous site as it was. Also validates every path a page can influence (slugs,
//! aliases, file names) so that nothing is written outside the output folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Encoding;
use crate::error::{Diagnostic, Error, Result};
pub use crate::paths::check_relative_path;
use crate::paths::{resolve, resolve_parent, source_holding};

pub(crate) mod manifest;
use manifest::Identity;
pub(crate) use manifest::Manifest;

/// What goes into one output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// Bytes made by the build.
    Bytes(Vec<u8>),
    /// A file copied as it is.
    Copy(PathBuf),
    /// A page kept in the build cache, published as a hard link to it.
    Cached(crate::cache::CachedFile),
}

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated (`en/esim/index.html`).
    pub path: String,
    /// Its contents.
    pub contents: Contents,
}

impl OutputFile {
    /// A file made by the build.
    pub fn bytes(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            contents: Contents::Bytes(bytes.into()),
        }
    }

    /// A page kept in the build cache, published as a hard link to it.
    pub fn cached(path: impl Into<String>, kept: crate::cache::CachedFile) -> Self {
        OutputFile {
            path: path.into(),
            contents: Contents::Cached(kept),
        }
    }

    /// The bytes, reading a copied file from disk.
    pub fn read(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        match &self.contents {
            Contents::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b)),
            Contents::Copy(p) => std::fs::read(p).map(std::borrow::Cow::Owned),
            Contents::Cached(c) => c.read().map(std::borrow::Cow::Owned),
        }
    }

    /// [`OutputFile::read`], with an error naming the file read.
    pub(crate) fn bytes_or_error(&self) -> Result<std::borrow::Cow<'_, [u8]>> {
        self.read().map_err(|e| match &self.contents {
            Contents::Copy(src) => Error::io(src, "cannot read", e),
            Contents::Cached(c) => Error::io(c.path(), "cannot read", e),
            Contents::Bytes(_) => Error::io(Path::new(&self.path), "cannot read", e),
        })
    }
}

/// The file written at the top of every built site, so that a later build knows the
/// folder is one it may replace whole.
pub const MARKER: &str = ".waypost-output";

const MARKER_TEXT: &str =
    "This folder was written by `waypost build`; the next build replaces it whole.\n";

/// Where the site is written and how it is swapped in.
#[derive(Debug, Clone)]
pub struct Writer {
    /// The output folder, resolved (`paths::resolve_parent`: `..`, `.` and links
    /// among its folders applied): the folder the checks were made on is the one
    /// replaced.
    pub dir: PathBuf,
    /// The site's folder, resolved (copied files must stay inside it).
    root_real: PathBuf,
}

impl Writer {
    /// Checks that `dir` may be replaced by a built site, changing nothing. Refused: the
    /// site's folder or one above it; any of its sources (`content/`, `templates/`,
    /// `static/`, `i18n/`, `site.yaml`, `.git`) or a folder inside them; a file; a
    /// symbolic link (its target would be left stale); a read-only folder; a folder that
    /// holds a `site.yaml` or `.git`; and, unless `force`, a folder that is not empty and
    /// was not written by an earlier build (it has no [`MARKER`]).
    pub fn new(dir: PathBuf, root: &Path, force: bool) -> Result<Writer> {
        let given = dir;
        let refuse = |message: String, hint: &str| {
            Err(Error::one(Diagnostic::new(&given, message).hint(hint)))
        };
        // Every check is made on the folder the OS will really replace: `..`, `.` and
        // links resolved first (`paths`), so that no spelling of a path walks around
        // them. `dir` keeps a link as the last component, to be refused below.
        let (dir, out, root_real) = (resolve_parent(&given), resolve(&given), resolve(root));
        for resolved in [&dir, &out] {
            if root_real.starts_with(resolved) {
                return refuse(
                    "the output folder is the site's folder or holds it; building there would replace the site's sources".into(),
                    "choose another `--output` folder, such as `public`",
                );
            }
            if let Some(source) = source_holding(&root_real, resolved) {
                return refuse(
                    format!("the output folder is the site's `{source}` (or inside it); building there would replace the site's sources"),
                    "choose another `--output` folder, such as `public`",
                );
            }
        }
        let meta = match std::fs::symlink_metadata(&dir) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Writer { dir, root_real });
            }
            Err(e) => return Err(Error::io(&given, "cannot read the output folder", e)),
        };
        if meta.file_type().is_symlink() {
            return refuse(
                format!(
                    "the output folder is a symbolic link (to {}); a build replaces the folder whole, which would replace the link and leave its target stale",
                    out.display()
                ),
                "give the link's target as `--output`",
            );
        }
        if !meta.is_dir() {
            return refuse(
                "the output path is a file, not a folder; a build would replace it".into(),
                "choose a folder for `--output`, such as `public`",
            );
        }
        if meta.permissions().readonly() {
            return refuse(
                "the output folder is read-only".into(),
                "make it writable (`chmod u+w`) or choose another `--output` folder",
            );
        }
        if dir.join("site.yaml").exists() || dir.join(".git").exists() {
            return refuse(
                "the output folder holds a site.yaml or .git and will not be replaced".into(),
                "choose an empty folder or the default `public`",
            );
        }
        let mut entries = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&given, "cannot read the output folder", e))?;
        let empty = entries.next().is_none();
        if !empty && !dir.join(MARKER).is_file() {
            if !force {
                return refuse(
                    format!("the output folder is not empty and was not written by `waypost build` (it has no `{MARKER}` file); a build would replace everything in it"),
                    "choose a new or empty folder, delete this one yourself, or pass `--force` to replace it",
                );
            }
            log::warn!(
                "{}: replacing a folder that waypost did not write (--force)",
                given.display()
            );
        }
        Ok(Writer { dir, root_real })
    }

    /// Starts a build's output: a temporary folder beside the output folder, which the
    /// build fills in parts ([`Staging::write`]) and swaps in at the end
    /// ([`Staging::commit`]). Dropped without a commit, it is removed and the previous
    /// site is left as it was.
    ///
    /// With `previous`, the manifest of the output folder as it is now (the last
    /// build's, which the caller checked the folder still matches), the build updates
    /// the folder instead: only files that are new or changed are written into the
    /// temporary folder, and the commit moves them in one by one and removes the files
    /// the site no longer has.
    pub(crate) fn stage(&self, previous: Option<Manifest>) -> Result<Staging> {
        let parent = match self.dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::io(&parent, "cannot create folder", e))?;
        let name = self
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        // Held until the new site is swapped in: a second build of the same output waits
        // here rather than removing this one's staging folder as a leftover. The lock is
        // the parent folder's own (no file is left in it).
        let lock = crate::cache::fs::lock_folder(&parent, &format!(".{name}.waypost-lock"), || {
            log::info!(
                "waiting for another build of {} to finish",
                self.dir.display()
            )
        })
        .map_err(|e| Error::io(&parent, "cannot lock the output folder's parent", e))?;
        clean_leftovers(&parent, &name);
        let tmp = parent.join(format!(".{name}.waypost-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, "cannot create folder", e))?;
        Ok(Staging {
            dir: self.dir.clone(),
            root_real: self.root_real.clone(),
            precompress: Vec::new(),
            parent,
            name,
            tmp,
            written: 0,
            committed: false,
            manifest: Manifest::default(),
            previous,
            changed: Vec::new(),
            paths: HashMap::new(),
            compressed: HashMap::new(),
            _lock: lock,
        })
    }
}

/// A build's output being written: see [`Writer::stage`].
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    root_real: PathBuf,
    precompress: Vec<Encoding>,
    parent: PathBuf,
    name: String,
    tmp: PathBuf,
    written: usize,
    committed: bool,
    /// Every file written so far, with what it holds.
    manifest: Manifest,
    /// In update mode (see [`Writer::stage`]): the manifest of the output as it is.
    previous: Option<Manifest>,
    /// In update mode: the files written into the temporary folder, to be moved in.
    changed: Vec<String>,
    /// With precompression: every file written so far and where it came from (a copied
    /// file's source), and every compressed copy with the file it is a copy of, so that
    /// a copy never overwrites a file of the site's, nor the other way round.
    paths: HashMap<String, Option<PathBuf>>,
    compressed: HashMap<String, String>,
    /// The output folder's lock (see [`Writer::stage`]).
    _lock: std::fs::File,
}

impl Staging {
    /// Also writes these compressed copies beside every text file from now on
    /// (`output: {precompress: …}` in site.yaml).
    pub(crate) fn precompress(&mut self, encodings: &[Encoding]) {
        self.precompress = encodings.to_vec();
        self.precompress.sort();
        self.precompress.dedup();
    }

    /// Writes one part of the site (files in parallel). Parts must not overlap. In
    /// update mode, a file the output already holds as it is, and its compressed
    /// copies, are not written again.
    pub(crate) fn write(&mut self, files: &[OutputFile]) -> Result<()> {
        check_copies_inside(files, &self.root_real)?;
        if !self.precompress.is_empty() {
            for f in files {
                if let Some(of) = self.compressed.get(&f.path) {
                    let source = match &f.contents {
                        Contents::Copy(src) => Some(src.as_path()),
                        _ => None,
                    };
                    return Err(compressed_over(&f.path, source, of));
                }
                let source = match &f.contents {
                    Contents::Copy(src) => Some(src.clone()),
                    _ => None,
                };
                self.paths.insert(f.path.clone(), source);
            }
        }
        let ids: Vec<Option<Identity>> = files.par_iter().map(manifest::of_file).collect();
        // In update mode: the files the output already holds as they are.
        let kept: Vec<bool> = files
            .iter()
            .zip(&ids)
            .map(|(f, id)| match (&self.previous, id) {
                (Some(previous), Some(id)) => previous.get(&f.path) == Some(id),
                _ => false,
            })
            .collect();
        let fresh: Vec<&OutputFile> = files
            .iter()
            .zip(&kept)
            .filter(|(_, &k)| !k)
            .map(|(f, _)| f)
            .collect();
        write_tree(&self.tmp, &fresh)?;
        self.written += files.len();
        if self.previous.is_some() {
            self.changed.extend(fresh.iter().map(|f| f.path.clone()));
        }
        if !self.precompress.is_empty() {
            // A compressed copy the output holds of a file it holds as it is stays;
            // the rest are made.
            let mut make: Vec<(&OutputFile, Encoding, Option<Identity>)> = Vec::new();
            for ((f, id), &k) in files.iter().zip(&ids).zip(&kept) {
                if !is_compressible(&f.path) {
                    continue;
                }
                for &e in &self.precompress {
                    let path = format!("{}.{}", f.path, e.extension());
                    let copy = id.map(|id| manifest::of_compressed(&id, e.extension()));
                    let held = self.previous.as_ref().and_then(|p| p.get(&path));
                    match copy {
                        Some(copy) if k && held == Some(&copy) => {
                            if let Some(source) = self.paths.get(&path) {
                                return Err(compressed_over(&path, source.as_deref(), &f.path));
                            }
                            self.compressed.insert(path.clone(), f.path.clone());
                            self.manifest.insert(path, copy);
                            self.written += 1;
                        }
                        _ => make.push((f, e, copy)),
                    }
                }
            }
            let compressed = compress_all(&make)?;
            for (c, of, id) in &compressed {
                if let Some(source) = self.paths.get(&c.path) {
                    return Err(compressed_over(&c.path, source.as_deref(), of));
                }
                self.compressed.insert(c.path.clone(), of.clone());
                if let Some(id) = id {
                    self.manifest.insert(c.path.clone(), *id);
                }
            }
            let compressed: Vec<&OutputFile> = compressed.iter().map(|(c, _, _)| c).collect();
            write_tree(&self.tmp, &compressed)?;
            self.written += compressed.len();
            if self.previous.is_some() {
                self.changed
                    .extend(compressed.iter().map(|c| c.path.clone()));
            }
        }
        for (f, id) in files.iter().zip(ids) {
            // None: a copy whose source cannot be read, which write_tree refused.
            if let Some(id) = id {
                self.manifest.insert(f.path.clone(), id);
            }
        }
        Ok(())
    }

    /// Files of the site so far (in update mode, those kept as they were too).
    pub(crate) fn written(&self) -> usize {
        self.written
    }

    /// Files of the site so far that were written (in update mode, those new or
    /// changed; otherwise all).
    pub(crate) fn changed(&self) -> usize {
        match self.previous {
            Some(_) => self.changed.len(),
            None => self.written,
        }
    }

    /// Swaps the written site in place of the output folder (in update mode: moves the
    /// new and changed files in and removes those the site no longer has); gives the
    /// manifest of the output folder as it is left.
    pub(crate) fn commit(mut self) -> Result<Manifest> {
        let marker_id = manifest::of_bytes(MARKER_TEXT.as_bytes());
        let mut manifest = std::mem::take(&mut self.manifest);
        manifest.insert(MARKER.into(), marker_id);
        if let Some(previous) = self.previous.take() {
            if previous.get(MARKER) != Some(&marker_id) {
                let marker = self.tmp.join(MARKER);
                std::fs::write(&marker, MARKER_TEXT)
                    .map_err(|e| Error::io(&marker, "cannot write", e))?;
                self.changed.push(MARKER.into());
            }
            self.committed = true;
            let result = self.update(&previous, &manifest);
            remove_tree(&self.tmp);
            return result.map(|()| manifest);
        }
        let marker = self.tmp.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::io(&marker, "cannot write", e))?;
        self.committed = true;
        let (tmp, dir, parent, name) = (&self.tmp, &self.dir, &self.parent, &self.name);
        if dir.exists() {
            // One atomic step where the OS has it: there is no moment, even if the build
            // is killed, when the output folder is missing or half-written. `tmp` then
            // holds the previous site, which is removed.
            match exchange(tmp, dir) {
                Ok(()) => {
                    remove_tree(tmp);
                    return Ok(manifest);
                }
                Err(e) => log::debug!(
                    "{}: atomic exchange unavailable ({e}); renaming in two steps",
                    dir.display()
                ),
            }
        }
        // Two renames: if the build is killed between them, the previous site is left in
        // `.NAME.waypost-old-PID` and the next build puts it back (see
        // [`clean_leftovers`]) before doing anything else.
        let old = parent.join(format!(".{name}.waypost-old-{}", std::process::id()));
        if dir.exists() {
            std::fs::rename(dir, &old).map_err(|e| {
                let _ = std::fs::remove_dir_all(tmp);
                Error::io(dir, "cannot move the previous output aside", e)
            })?;
        }
        if let Err(e) = std::fs::rename(tmp, dir) {
            // Put the previous site back.
            let _ = std::fs::rename(&old, dir);
            let _ = std::fs::remove_dir_all(tmp);
            return Err(Error::io(dir, "cannot move the new output in place", e));
        }
        remove_tree(&old);
        Ok(manifest)
    }

    /// Update mode's commit: removes the files of `previous` that `now` does not list
    /// (and the folders left empty), then moves each new or changed file in over its
    /// old version (a rename: a reader sees the old file or the new one, never half of
    /// one). Killed half way, the folder no longer matches the last build's record, so
    /// the next build writes it whole.
    fn update(&self, previous: &Manifest, now: &Manifest) -> Result<()> {
        let gone = previous.missing_from(now);
        gone.par_iter().try_for_each(|path| {
            let target = self.dir.join(path);
            match std::fs::remove_file(&target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(
                    &target,
                    "cannot remove a file the site no longer has",
                    e,
                )),
                _ => Ok(()),
            }
        })?;
        let mut emptied: Vec<&Path> = gone
            .iter()
            .flat_map(|p| Path::new(p).ancestors().skip(1))
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        emptied.sort_unstable_by(|a, b| {
            b.components()
                .count()
                .cmp(&a.components().count())
                .then(a.cmp(b))
        });
        emptied.dedup();
        for folder in emptied {
            // Fails while the folder holds anything: then it stays.
            let _ = std::fs::remove_dir(self.dir.join(folder));
        }
        let mut folders: Vec<PathBuf> = self
            .changed
            .iter()
            .filter_map(|p| Path::new(p).parent().map(|p| self.dir.join(p)))
            .collect();
        folders.sort_unstable();
        folders.dedup();
        for d in &folders {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, "cannot create folder", e))?;
        }
        self.changed.par_iter().try_for_each(|path| {
            let target = self.dir.join(path);
            std::fs::rename(self.tmp.join(path), &target)
                .map_err(|e| Error::io(&target, "cannot move the new file in place", e))
        })
    }
}

/// Whether a file is text worth compressing, by its name. Pagefind's index files are
/// compressed already.
pub fn is_compressible(path: &str) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "html"
            | "htm"
            | "css"
            | "js"
            | "mjs"
            | "json"
            | "xml"
            | "txt"
            | "md"
            | "svg"
            | "webmanifest"
    )
}

/// Files smaller than this are not worth a compressed copy (headers outweigh the gain).
const MIN_COMPRESSED_SIZE: usize = 256;

/// The error for a file of the site at `path` (copied from `source`, which names it in
/// the message, when it is one of the site's own) that is also the compressed copy of
/// `of`.
fn compressed_over(path: &str, source: Option<&Path>, of: &str) -> Error {
    Error::one(
        Diagnostic::new(
            source.unwrap_or(Path::new(path)),
            format!(
                "`{path}` is also the compressed copy of `{of}` that `output: {{precompress: …}}` \
                 writes; one would overwrite the other"
            ),
        )
        .hint(
            "remove or rename this file (waypost writes the compressed copies itself), or \
             take its encoding out of `output.precompress` in site.yaml",
        ),
    )
}

/// A compressed copy, the path of the file it is a copy of, and its identity.
type Compressed = (OutputFile, String, Option<Identity>);

/// The compressed copies (`x.gz`, `x.br`) of the text files among `files`, each in
/// the encoding it is paired with, each with the path of the file it is a copy of and
/// the identity it is paired with, made on all cores. Deterministic: gzip without a
/// timestamp or name, fixed levels.
fn compress_all(files: &[(&OutputFile, Encoding, Option<Identity>)]) -> Result<Vec<Compressed>> {
    let made: Vec<Result<Option<Compressed>>> = files
        .par_iter()
        .map(|&(f, e, id)| {
            let bytes = f.bytes_or_error()?;
            if bytes.len() < MIN_COMPRESSED_SIZE {
                return Ok(None);
            }
            let copy = match e {
                Encoding::Gzip => gzip(&bytes),
                Encoding::Br => brotli(&bytes),
            };
            let path = format!("{}.{}", f.path, e.extension());
            Ok(Some((OutputFile::bytes(path, copy), f.path.clone(), id)))
        })
        .collect();
    let mut out = Vec::new();
    for m in made {
        out.extend(m?);
    }
    Ok(out)
}

/// gzip at the best level, no timestamp or file name in the header (reproducible).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Brotli at quality 6. Measured on the benchmark corpus' HTML: quality 6 compresses to
/// 24.8 % at ~33 MB/s a core, 7 to 24.7 % at 28 MB/s, 9 to 24.5 % at 1.6 MB/s, 11 to
/// 21.5 % at 0.8 MB/s; past 6 the time grows far faster than the files shrink.
fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    // Reading from a slice and writing to a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

/// Refuses files to copy whose real location is outside the site (`root_real`, the
/// site's canonical folder): a file can be replaced by a symbolic link between the time
/// the site was read and the time it is copied (or served).
pub(crate) fn check_copies_inside(files: &[OutputFile], root_real: &Path) -> Result<()> {
    for f in files {
        if let Contents::Copy(src) = &f.contents {
            if let Some(d) = crate::paths::link_outside(src, root_real, root_real) {
                return Err(Error::one(d));
            }
        }
    }
    Ok(())
}

/// Removes a folder of an earlier site, making read-only folders in it writable first if
/// that is what stops it (they were the site's, and are ours to remove). What cannot be
/// removed is named in a warning rather than left behind silently.
fn remove_tree(dir: &Path) {
    if remove_dir_all_parallel(dir, 2).is_ok() || !dir.exists() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_dir() {
            if let Ok(meta) = entry.metadata() {
                let mut perms = meta.permissions();
                if perms.readonly() {
                    #[allow(clippy::permissions_set_readonly_false)]
                    perms.set_readonly(false);
                    let _ = std::fs::set_permissions(entry.path(), perms);
                }
            }
        }
    }
    if let Err(e) = std::fs::remove_dir_all(dir) {
        log::warn!(
            "{}: cannot remove the previous site ({e}); remove it yourself",
            dir.display()
        );
    }
}

/// `std::fs::remove_dir_all`, with the entries of the first `levels` levels of folders
/// removed on all cores (a built site is tens of thousands of files in a few folders per
/// language). Links are removed, never followed.
fn remove_dir_all_parallel(dir: &Path, levels: usize) -> std::io::Result<()> {
    // A link (even to a folder) is removed itself: `read_dir` would list its target.
    if !std::fs::symlink_metadata(dir)?.is_dir() {
        return std::fs::remove_file(dir);
    }
    if levels == 0 {
        return std::fs::remove_dir_all(dir);
    }
    let entries: Vec<std::fs::DirEntry> =
        std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.par_iter().try_for_each(|e| {
        if e.file_type()?.is_dir() {
            remove_dir_all_parallel(&e.path(), levels - 1)
        } else {
            std::fs::remove_file(e.path())
        }
    })?;
    std::fs::remove_dir(dir)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Swaps two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let to_c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (to_c(a)?, to_c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call;
    // renameat2 only reads them.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere there is no atomic exchange: the caller renames in two steps.
#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no atomic folder exchange on this system",
    ))
}

/// Cleans up after earlier builds that were interrupted: a previous site left aside by a
/// build killed between its two renames is put back when the output folder is missing;
/// every other temporary folder is removed.
fn clean_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let new_prefix = format!(".{name}.waypost-new-");
    let old_prefix = format!(".{name}.waypost-old-");
    let dir = parent.join(name);
    for e in entries.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        // Only a real folder is a previous site: a link with such a name (planted, or
        // left by something else) is removed itself, never followed nor put in place.
        let real_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if real_dir
            && n.starts_with(&old_prefix)
            && std::fs::symlink_metadata(&dir).is_err()
            && std::fs::rename(e.path(), &dir).is_ok()
        {
            continue;
        }
        if n.starts_with(&new_prefix) || n.starts_with(&old_prefix) {
            remove_tree(&e.path());
        }
    }
}

/// The first line of every server fragment `waypost host` writes: a file that does not
/// start with it is someone's own, and is never replaced.
pub const FRAGMENT_MARK: &str = "# Written by `waypost host";

/// Writes `waypost host`'s configuration fragments (`(file name, text)`) into `dir`,
/// creating it if needed. Each file is written beside its place and renamed over it, so
/// a server reading it never sees half a file; a file of that name that waypost did not
/// write (it does not start with [`FRAGMENT_MARK`]) is refused, and nothing is written.
pub fn write_fragments(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>> {
    for (name, _) in files {
        let target = dir.join(name);
        if let Ok(old) = std::fs::read(&target) {
            if !old.starts_with(FRAGMENT_MARK.as_bytes()) {
                return Err(Error::one(
                    Diagnostic::new(
                        target.display().to_string(),
                        "this file exists and was not written by `waypost host`; it is left as it is",
                    )
                    .hint("choose another folder, or move the file away if it may be replaced"),
                ));
            }
        } else if std::fs::symlink_metadata(&target).is_ok() {
            return Err(Error::one(
                Diagnostic::new(
                    target.display().to_string(),
                    "this is not a file waypost can read and replace; it is left as it is",
                )
                .hint("choose another folder"),
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create folder", e))?;
    let mut written = Vec::new();
    for (name, text) in files {
        let target = dir.join(name);
        let temp = dir.join(format!(".{name}.waypost-new"));
        std::fs::write(&temp, text).map_err(|e| Error::io(&temp, "cannot write", e))?;
        std::fs::rename(&temp, &target).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::io(&target, "cannot replace", e)
        })?;
        written.push(target);
    }
    Ok(written)
}

/// Writes every file under `dir` in parallel.
pub(crate) fn write_tree(dir: &Path, files: &[&OutputFile]) -> Result<()> {
    // The last line of defence: whatever a page asked for and whatever an earlier check
    // missed, nothing is written outside `dir` (`dir.join("/x")` would be `/x`).
    for f in files {
        let inside = Path::new(&f.path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside || f.path.is_empty() {
            return Err(Error::one(
                Diagnostic::new(&f.path, "output path leaves the output folder")
                    .hint("this is a bug in waypost's path checks; please report it"),
            ));
        }
    }
    // Folders first (once each), then files in parallel.
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| dir.join(p)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, "cannot create folder", e))?;
    }
    files.par_iter().try_for_each(|f| {
        let target = dir.join(&f.path);
        match &f.contents {
            Contents::Bytes(b) => {
                std::fs::write(&target, b).map_err(|e| Error::io(&target, "cannot write", e))
            }
            Contents::Copy(src) => std::fs::copy(src, &target).map(|_| ()).map_err(|e| {
                // Name the file that is at fault: the source only if it cannot be read.
                if std::fs::File::open(src).is_ok() {
                    Error::io(&target, "cannot write", e)
                } else {
                    Error::io(src, "cannot copy", e)
                }
            }),
            Contents::Cached(c) => c
                .place(&target)
                .map_err(|e| Error::io(c.path(), "cannot publish the kept page", e)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_in_any_form_is_refused() {
        for bad in [
            "../x",
            "a/../../b",
            "%2e%2e/x",
            "C:/x",
            "a\\b",
            "a\0b",
            "./x",
            "/etc/passwd",
            "%2Fetc",
        ] {
            assert!(check_relative_path(bad).is_err(), "{bad}");
        }
        for ok in ["a", "a/b", "c++", "%", "中文", "a.b"] {
            assert!(check_relative_path(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn nothing_is_written_outside_the_folder_whatever_the_path() {
        let tmp = std::env::temp_dir().join(format!("waypost-write-tree-{}", std::process::id()));
        for bad in ["/tmp/waypost-outside", "../outside", "a/../../outside", ""] {
            let r = write_tree(&tmp, &[&OutputFile::bytes(bad, "x")]);
            assert!(r.is_err(), "{bad}");
        }
        assert!(!Path::new("/tmp/waypost-outside").exists());
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_site_left_aside_by_a_killed_build_is_put_back() {
        let parent = std::env::temp_dir().join(format!("waypost-leftovers-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        std::fs::create_dir_all(parent.join(".public.waypost-old-1")).unwrap();
        std::fs::write(parent.join(".public.waypost-old-1/index.html"), "old").unwrap();
        std::fs::create_dir_all(parent.join(".public.waypost-new-1")).unwrap();
        clean_leftovers(&parent, "public");
        assert_eq!(
            std::fs::read_to_string(parent.join("public/index.html")).unwrap(),
            "old"
        );
        let left: Vec<_> = std::fs::read_dir(&parent).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        let _ = std::fs::remove_dir_all(&parent);
    }
}
