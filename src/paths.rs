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
//! writes paths with `/` ([`path_to_slash`]). The ground floor under every stage that
//! reads or writes files: it depends only on `error`.

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
