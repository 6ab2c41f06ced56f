//! Paths: where a build may write, decided before anything is written.
//!
//! Takes the paths a user gives for the output and cache folders (`--output`,
//! `--cache`, `WAYPOST_CACHE`) and the site's folder; returns them resolved the way the
//! operating system will use them — made absolute, `.` dropped, every symbolic link among
//! the existing folders replaced by its target, and `..` applied to what is left — so that
//! the checks made on them (`output::Writer::new`, `cache::Cache::open_for_site`) are
//! checks on the folders that will really be written. A path through a missing folder
//! (`nx/../content`) is the path the OS reaches once the missing folder is made, which is
//! `content`: the guard sees the site's sources there, not a "new folder".
//!
//! Also names the site's sources ([`SOURCES`]), which no output or cache folder may be,
//! hold or be inside; checks that a file entering the site stays inside it through
//! links ([`link_outside`]: content, static files, templates, UI strings, copies) and
//! that a path a page asks for stays inside the output ([`check_relative_path`]); and
//! writes paths with `/` ([`path_to_slash`]); and tells whether a file changed by its
//! metadata alone ([`hash_metadata`], [`RACY`], [`tree_digest`]). The ground floor under
//! every stage that reads or writes files: it depends only on `error`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::error::Diagnostic;

/// The site's sources (and `.git`): never an output or cache folder, nor inside one.
pub(crate) const SOURCES: [&str; 6] = [
    "content",
    "templates",
    "static",
    "i18n",
    "site.yaml",
    ".git",
];

/// Which of the site's sources (at `root_real`, resolved) holds or is `path` (resolved).
pub(crate) fn source_holding(root_real: &Path, path: &Path) -> Option<&'static str> {
    SOURCES
        .into_iter()
        .find(|source| path.starts_with(root_real.join(source)))
}

/// How many symbolic links one path may go through before it is taken as a loop (the
/// limit Linux uses).
const MAX_LINKS: usize = 40;

/// `p` as the OS will use it: absolute, every symbolic link followed (the last
/// component's too), `.` and `..` applied in order. A link that cannot be read, or more
/// than 40 of them (a loop), is kept as a plain folder name: the checks then see a
/// folder that does not exist, and creating it fails.
pub(crate) fn resolve(p: &Path) -> PathBuf {
    walk(p, true)
}

/// [`resolve`], except that a symbolic link as the last component is kept, not
/// followed: the path of the entry itself, to check whether it *is* a link. When the
/// last component is `.` or `..`, the folder it names is resolved whole.
pub(crate) fn resolve_parent(p: &Path) -> PathBuf {
    walk(p, false)
}

fn walk(p: &Path, follow_last: bool) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut queue: VecDeque<Part> = abs.components().map(Part::from).collect();
    let mut out = PathBuf::new();
    let mut links = 0;
    while let Some(part) = queue.pop_front() {
        match part {
            Part::Root(r) => out.push(r),
            Part::Here => {}
            // `out` has no link in it: its parent is the real folder above.
            Part::Up => {
                out.pop();
            }
            Part::Name(name) => {
                out.push(&name);
                let last = queue.is_empty();
                if last && !follow_last {
                    continue;
                }
                let is_link =
                    std::fs::symlink_metadata(&out).is_ok_and(|m| m.file_type().is_symlink());
                if !is_link || links >= MAX_LINKS {
                    continue;
                }
                let Ok(target) = std::fs::read_link(&out) else {
                    continue;
                };
                links += 1;
                out.pop();
                // An absolute target starts again from the root (`push` of an absolute
                // path replaces `out`); a relative one from the link's folder.
                for c in target.components().rev() {
                    queue.push_front(Part::from(c));
                }
            }
        }
    }
    out
}

/// A path component, owned (so a link's target can be queued in its place).
enum Part {
    Root(OsString),
    Here,
    Up,
    Name(OsString),
}

impl From<Component<'_>> for Part {
    fn from(c: Component<'_>) -> Part {
        match c {
            Component::Prefix(_) | Component::RootDir => Part::Root(c.as_os_str().to_owned()),
            Component::CurDir => Part::Here,
            Component::ParentDir => Part::Up,
            Component::Normal(n) => Part::Name(n.to_owned()),
        }
    }
}

/// The error for a file at `path` that resolves outside `root_real` (the site's canonical
/// folder) through a symbolic link, or whose link cannot be followed; None when it stays
/// inside. Named relative to `shown_from` (the site root). The one check behind every
/// way a file enters the site: content, static files, templates, UI strings, and the
/// copy made by a build or `serve`.
pub(crate) fn link_outside(path: &Path, shown_from: &Path, root_real: &Path) -> Option<Diagnostic> {
    let msg = match path.canonicalize() {
        Ok(target) if target.starts_with(root_real) => return None,
        Ok(target) => format!(
            "symbolic link to {} points outside the site",
            target.display()
        ),
        Err(e) => format!("cannot follow the symbolic link: {e}"),
    };
    Some(
        Diagnostic::new(path.strip_prefix(shown_from).unwrap_or(path), msg)
            .hint("copy the file into the site, or remove the link"),
    )
}

/// A relative path with `/` separators, or None if a component is not UTF-8.
pub(crate) fn path_to_slash(p: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in p.components() {
        parts.push(c.as_os_str().to_str()?);
    }
    Some(parts.join("/"))
}

/// Checks a relative output path a page or file name asked for: no `..`, no absolute
/// path (leading `/`) or drive letter, no NUL or control characters, no backslash, also
/// after percent-decoding.
pub fn check_relative_path(p: &str) -> std::result::Result<(), String> {
    let decoded = percent_encoding::percent_decode_str(p).decode_utf8_lossy();
    for s in [p, decoded.as_ref()] {
        if s.chars().any(|c| c == '\0' || c.is_control()) {
            return Err("contains a control character".into());
        }
        if s.contains('\\') {
            return Err("contains a backslash".into());
        }
        // Joined onto the output folder, an absolute path would replace it.
        if s.starts_with('/') {
            return Err("is an absolute path".into());
        }
        if s.len() >= 2 && s.as_bytes()[1] == b':' && s.as_bytes()[0].is_ascii_alphabetic() {
            return Err("looks like a drive letter".into());
        }
        if s.split('/').any(|seg| seg == ".." || seg == ".") {
            return Err("contains `.` or `..`".into());
        }
    }
    Ok(())
}

/// True for names that editors and OSes leave behind: `.x`, `x~`, `#x#`, `.#x`, `x.swp`,
/// `x.tmp`, vim's `4913` probe. Never read as a source, nor watched.
pub(crate) fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name == "4913"
        || name == "Thumbs.db"
}

/// One entry found by [`walk_source`].
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Its path (under the site's folder, as walked: links not resolved).
    pub path: PathBuf,
    /// Its path from the source folder, with `/` (`en/esim/qr.md`).
    pub rel: String,
    /// A folder (or a link to one), not a file.
    pub is_dir: bool,
}

/// The one walk of a source folder (`content`, `templates`, `static`, `i18n`) of the site
/// at `root`: every entry below `root/folder`, sorted by name, with names editors leave
/// behind left out ([`is_ignored_name`]), and symbolic links followed only to places
/// inside the site ([`link_outside`]). The problems found — a link out of the site or
/// that cannot be followed, a link loop, an entry that cannot be read, a name that is not
/// UTF-8 — are returned beside what was found, each naming the entry (from the site's
/// folder) and what to do. A folder that does not exist holds nothing.
pub(crate) fn walk_source(root: &Path, folder: &str) -> (Vec<Found>, Vec<Diagnostic>) {
    let dir = root.join(folder);
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    if !dir.is_dir() {
        return (found, errors);
    }
    let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker = walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_str();
            if name == Some(".md") && folder == "content" {
                // Hidden like every dot file, but plainly meant as a page.
                log::warn!(
                    "{}: a page needs a name before `.md`; this file is skipped (rename it, e.g. `index.md`)",
                    shown(e.path()).display()
                );
            }
            e.depth() == 0 || !name.is_some_and(is_ignored_name)
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(walk_error(&e, &shown, folder));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        if entry.path_is_symlink() {
            if let Some(d) = link_outside(entry.path(), root, &root_real) {
                errors.push(d);
                continue;
            }
        }
        let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
        let Some(rel) = path_to_slash(rel) else {
            errors.push(
                Diagnostic::new(shown(entry.path()), "file name is not valid UTF-8")
                    .hint("rename it using UTF-8 characters"),
            );
            continue;
        };
        found.push(Found {
            path: entry.path().to_path_buf(),
            rel,
            is_dir: entry.file_type().is_dir(),
        });
    }
    (found, errors)
}

/// The problem of an entry the walk could not read: a link loop, a broken link, or an
/// entry to make readable.
fn walk_error(e: &walkdir::Error, shown: &dyn Fn(&Path) -> PathBuf, folder: &str) -> Diagnostic {
    let p = e.path().map(shown).unwrap_or_else(|| folder.into());
    let is_link = e
        .path()
        .and_then(|p| std::fs::symlink_metadata(p).ok())
        .is_some_and(|m| m.file_type().is_symlink());
    let denied = e
        .io_error()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied);
    if e.loop_ancestor().is_some() {
        return Diagnostic::new(
            p,
            "symbolic link loop: this link points to one of its own parent folders",
        )
        .hint("remove or fix the link");
    }
    let why = e
        .io_error()
        .map_or_else(|| e.to_string(), |io| io.to_string());
    Diagnostic::new(p, format!("cannot read: {why}")).hint(unreadable_hint(is_link, denied, folder))
}

/// What to do about an entry of `folder` that cannot be read: a link to fix, or a file
/// or folder to make readable.
fn unreadable_hint(is_link: bool, permission_denied: bool, folder: &str) -> String {
    if is_link {
        "remove or fix the link".to_string()
    } else if permission_denied {
        format!("make it readable for the user running waypost (`chmod u+rx` on a folder, `chmod u+r` on a file), or move it out of {folder}/")
    } else {
        format!("check that the file or folder is readable, or move it out of {folder}/")
    }
}

/// A file changed this close to the moment its metadata is taken is not known by that
/// metadata: an edit in the same tick of the file system's clock can leave it as it was
/// (Git's "racily clean" entries).
pub(crate) const RACY: std::time::Duration = std::time::Duration::from_secs(2);

/// Hashes into `h` what says whether a file changed, reading none of it: its size,
/// modification and change times, inode, device and mode (the change time is the one
/// `touch -r` cannot set back). Gives the newer of its modification and change times.
pub(crate) fn hash_metadata(
    m: &std::fs::Metadata,
    h: &mut blake3::Hasher,
) -> std::time::SystemTime {
    use std::os::unix::fs::MetadataExt;
    use std::time::{Duration, SystemTime};
    for n in [
        m.len() as i64,
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.ino() as i64,
        m.dev() as i64,
        i64::from(m.mode()),
    ] {
        h.update(&n.to_le_bytes());
    }
    let changed = SystemTime::UNIX_EPOCH
        + Duration::new(
            u64::try_from(m.ctime()).unwrap_or(0),
            u32::try_from(m.ctime_nsec()).unwrap_or(0),
        );
    m.modified().map_or(changed, |t| t.max(changed))
}

/// A digest of the folder tree at `dir` by metadata, reading no file: each entry's path,
/// type, size, modification time and inode, and with `changes` its change time and mode
/// too. Links are not followed. Top-level entries named in `skip` are left out; the
/// others are walked on all cores (a built site is a few large folders, one a
/// language). None if the tree cannot be read whole.
pub(crate) fn tree_digest(dir: &Path, skip: &[&str], changes: bool) -> Option<[u8; 32]> {
    use rayon::prelude::*;
    use std::os::unix::fs::MetadataExt;
    let mut top: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .ok()?
        .collect::<std::io::Result<_>>()
        .ok()?;
    top.retain(|e| !skip.iter().any(|s| e.file_name() == **s));
    top.sort_by_key(std::fs::DirEntry::file_name);
    let parts: Vec<Option<[u8; 32]>> = top
        .par_iter()
        .map(|top| {
            let mut h = blake3::Hasher::new();
            for entry in walkdir::WalkDir::new(top.path()).sort_by_file_name() {
                let e = entry.ok()?;
                let m = e.metadata().ok()?;
                h.update(e.path().as_os_str().as_encoded_bytes());
                h.update(&[u8::from(m.is_dir()), u8::from(m.file_type().is_symlink())]);
                let mut numbers = vec![m.len() as i64, m.mtime(), m.mtime_nsec(), m.ino() as i64];
                if changes {
                    numbers.extend([m.ctime(), m.ctime_nsec(), i64::from(m.mode())]);
                }
                for n in numbers {
                    h.update(&n.to_le_bytes());
                }
            }
            Some(*h.finalize().as_bytes())
        })
        .collect();
    let mut h = blake3::Hasher::new();
    h.update(dir.as_os_str().as_encoded_bytes());
    for part in parts {
        h.update(&part?);
    }
    Some(*h.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_through_a_missing_folder_is_the_folder_the_os_reaches() {
        let dir = tempfile::tempdir().unwrap();
        let root = resolve(dir.path());
        std::fs::create_dir(root.join("content")).unwrap();
        for (given, expected) in [
            ("nx/../content", "content"),
            ("a/b/../../content", "content"),
            ("nx/../site.yaml", "site.yaml"),
            ("content/./en/..", "content"),
            ("nx/..", ""),
            ("nx/sub/../../nx2/x", "nx2/x"),
        ] {
            let want = if expected.is_empty() {
                root.clone()
            } else {
                root.join(expected)
            };
            assert_eq!(resolve(&root.join(given)), want, "{given}");
            assert_eq!(resolve_parent(&root.join(given)), want, "{given}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn links_are_followed_before_dot_dot_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        let root = resolve(dir.path());
        std::fs::create_dir_all(root.join("site/content")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere/deep")).unwrap();
        std::os::unix::fs::symlink(root.join("elsewhere/deep"), root.join("site/link")).unwrap();
        std::os::unix::fs::symlink("content", root.join("site/rel")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("site/loop")).unwrap();
        // `link/..` is the folder above the link's target, as the OS goes.
        assert_eq!(resolve(&root.join("site/link/..")), root.join("elsewhere"));
        assert_eq!(
            resolve(&root.join("site/link/nx/../../x")),
            root.join("elsewhere/x")
        );
        assert_eq!(resolve(&root.join("site/rel")), root.join("site/content"));
        assert_eq!(
            resolve_parent(&root.join("site/rel")),
            root.join("site/rel")
        );
        assert_eq!(
            resolve_parent(&root.join("nx/../site/rel/../rel")),
            root.join("site/rel")
        );
        // A loop ends as a plain name, not a hang.
        assert!(resolve(&root.join("site/loop/x")).ends_with("loop/x"));
    }

    #[test]
    fn editor_temp_files_are_ignored() {
        for n in [
            ".hidden", "a.md~", "#a.md#", ".#a.md", "a.md.swp", "4913", "x.tmp",
        ] {
            assert!(is_ignored_name(n), "{n}");
        }
        for n in ["a.md", "_index.md", "c++.md", "%.md", "中文.md"] {
            assert!(!is_ignored_name(n), "{n}");
        }
    }

    #[test]
    fn an_unreadable_folder_is_not_called_a_link() {
        assert!(unreadable_hint(false, true, "content").contains("chmod"));
        assert!(!unreadable_hint(false, true, "content").contains("link"));
        assert!(!unreadable_hint(false, false, "static").contains("link"));
        assert!(unreadable_hint(true, false, "content").contains("link"));
    }

    #[test]
    fn every_source_and_what_is_inside_it_is_named() {
        let root = Path::new("/site");
        assert_eq!(
            source_holding(root, Path::new("/site/content/en")),
            Some("content")
        );
        assert_eq!(
            source_holding(root, Path::new("/site/site.yaml")),
            Some("site.yaml")
        );
        assert_eq!(
            source_holding(root, Path::new("/site/.git/x")),
            Some(".git")
        );
        assert_eq!(source_holding(root, Path::new("/site/public")), None);
        assert_eq!(source_holding(root, Path::new("/site/contents")), None);
    }
}
