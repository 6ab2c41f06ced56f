//! Walks `content/` (walkdir, sorted) and classifies what it finds.
//!
//! Takes the site root and the configured languages; gives [`Discovered`]: Markdown
//! sources and assets per language, in a stable order. Hidden files and editor temp files
//! are skipped; a folder under `content/` that is no configured language, a symlink loop,
//! a symlink that leads outside the site or a file name that is not UTF-8 is a diagnostic.

use std::path::Path;

use walkdir::WalkDir;

use super::{Asset, Kind, SourceFile};
use crate::config::Config;
use crate::error::Diagnostic;
use crate::paths::{link_outside, path_to_slash};

/// What `content/` holds.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    /// Markdown files, sorted by language order then path.
    pub sources: Vec<SourceFile>,
    /// Other files, sorted the same way.
    pub assets: Vec<Asset>,
}

/// True for names that editors and OSes leave behind: `.x`, `x~`, `#x#`, `.#x`, `x.swp`,
/// `x.tmp`, vim's `4913` probe.
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

/// Walks `root/content`.
pub(crate) fn discover(root: &Path, config: &Config) -> Result<Discovered, Vec<Diagnostic>> {
    let content = root.join("content");
    if !content.is_dir() {
        return Err(vec![Diagnostic::new(
            "content",
            "the site has no `content/` folder",
        )
        .hint(format!(
            "create content/{}/_index.md, or run `waypost init DIR` for a starter site",
            config.default_language().code
        ))]);
    }
    let mut out = Discovered::default();
    let mut errors = Vec::new();
    let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();

    // Links are followed, but only to places inside the site: content from an
    // unreviewed contribution must not publish `~/.ssh/id_rsa` through a symlink.
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker = WalkDir::new(&content)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_str();
            if name == Some(".md") {
                // Hidden like every dot file, but plainly meant as a page.
                log::warn!(
                    "{}: a page needs a name before `.md`; this file is skipped (rename it, e.g. `index.md`)",
                    display_path(root, e.path()).display()
                );
            }
            e.depth() == 0 || !name.is_some_and(is_ignored_name)
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let p = e
                    .path()
                    .map(|p| display_path(root, p))
                    .unwrap_or_else(|| "content".into());
                let is_link = e
                    .path()
                    .and_then(|p| std::fs::symlink_metadata(p).ok())
                    .is_some_and(|m| m.file_type().is_symlink());
                let denied = e
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied);
                let (msg, hint) = if e.loop_ancestor().is_some() {
                    (
                        "symbolic link loop: this link points to one of its own parent folders"
                            .to_string(),
                        "remove or fix the link",
                    )
                } else {
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), |io| io.to_string());
                    (
                        format!("cannot read: {why}"),
                        unreadable_hint(is_link, denied),
                    )
                };
                errors.push(Diagnostic::new(p, msg).hint(hint));
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
        let rel_to_content = entry.path().strip_prefix(&content).unwrap_or(entry.path());
        let display = display_path(root, entry.path());
        let Some(rel_str) = path_to_slash(rel_to_content) else {
            errors.push(
                Diagnostic::new(&display, "file name is not valid UTF-8")
                    .hint("rename it using UTF-8 characters"),
            );
            continue;
        };
        let (lang, rest) = match rel_str.split_once('/') {
            Some((l, r)) => (l.to_string(), r.to_string()),
            None => (rel_str.clone(), String::new()),
        };
        if entry.depth() == 1 {
            if entry.file_type().is_dir() {
                if !codes.contains(&lang.as_str()) {
                    errors.push(
                        Diagnostic::new(&display, format!("folder `{lang}` is not a configured language"))
                            .hint(format!(
                                "the languages in site.yaml are: {}; add `{lang}` there or move the folder",
                                codes.join(", ")
                            )),
                    );
                }
            } else if rel_str.ends_with(".md") {
                errors.push(
                    Diagnostic::new(&display, "page outside a language folder").hint(format!(
                        "move it under content/{}/",
                        config.default_language().code
                    )),
                );
            }
            continue;
        }
        if entry.file_type().is_dir() && rest.ends_with(".md") {
            // Its pages would be published under `/…/_index.md/`: a folder named like a
            // page is a mistake, not a section.
            errors.push(
                Diagnostic::new(&display, "a folder's name ends in `.md`, like a page's")
                    .hint("rename the folder (without `.md`); a section's landing page is a file named `_index.md` inside it"),
            );
            continue;
        }
        if !codes.contains(&lang.as_str()) || entry.file_type().is_dir() {
            continue;
        }
        if rest.ends_with(".md") {
            let kind = if rest == "_index.md" || rest.ends_with("/_index.md") {
                Kind::Section
            } else {
                Kind::Page
            };
            out.sources.push(SourceFile {
                path: entry.path().to_path_buf(),
                display,
                lang,
                rel: rest,
                kind,
            });
        } else {
            out.assets.push(Asset {
                path: entry.path().to_path_buf(),
                lang,
                rel: rest,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let order = |l: &str| codes.iter().position(|c| *c == l).unwrap_or(usize::MAX);
    out.sources
        .sort_by(|a, b| (order(&a.lang), &a.rel).cmp(&(order(&b.lang), &b.rel)));
    out.assets
        .sort_by(|a, b| (order(&a.lang), &a.rel).cmp(&(order(&b.lang), &b.rel)));
    Ok(out)
}

/// What to do about an entry of `content/` that cannot be read: a link to fix, or a
/// file or folder to make readable.
fn unreadable_hint(is_link: bool, permission_denied: bool) -> &'static str {
    if is_link {
        "remove or fix the link"
    } else if permission_denied {
        "make it readable for the user running waypost (`chmod u+rx` on a folder, `chmod u+r` on a file), or move it out of content/"
    } else {
        "check that the file or folder is readable, or move it out of content/"
    }
}

/// `content/en/x.md` relative to the root, for messages.
fn display_path(root: &Path, p: &Path) -> std::path::PathBuf {
    p.strip_prefix(root).unwrap_or(p).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_folder_is_not_called_a_link() {
        assert!(unreadable_hint(false, true).contains("chmod"));
        assert!(!unreadable_hint(false, true).contains("link"));
        assert!(!unreadable_hint(false, false).contains("link"));
        assert!(unreadable_hint(true, false).contains("link"));
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
}
