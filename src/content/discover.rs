//! Walks `content/` (walkdir, sorted) and classifies what it finds.
//!
//! Takes the site root and the configured languages; gives [`Discovered`]: Markdown
//! sources and assets per language, in a stable order. Hidden files and editor temp files
//! are skipped; a folder under `content/` that is no configured language, a symlink loop,
//! a symlink that leads outside the site or a file name that is not UTF-8 is a diagnostic.

use std::path::Path;

use super::{Asset, Kind, SourceFile};
use crate::config::Config;
use crate::error::Diagnostic;
use crate::paths::{walk_source, Found};

/// What `content/` holds.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    /// Markdown files, sorted by language order then path.
    pub sources: Vec<SourceFile>,
    /// Other files, sorted the same way.
    pub assets: Vec<Asset>,
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
    let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    // Links are followed, but only to places inside the site: content from an
    // unreviewed contribution must not publish `~/.ssh/id_rsa` through a symlink.
    let (found, mut errors) = walk_source(root, "content");
    for entry in found {
        let display = display_path(root, &entry.path);
        let (lang, rest) = match entry.rel.split_once('/') {
            Some((l, r)) => (l.to_string(), r.to_string()),
            None => (entry.rel.clone(), String::new()),
        };
        if rest.is_empty() {
            if let Some(d) = top_level_problem(config, &codes, &entry, &lang, &display) {
                errors.push(d);
            }
            continue;
        }
        if entry.is_dir && rest.ends_with(".md") {
            // Its pages would be published under `/…/_index.md/`: a folder named like a
            // page is a mistake, not a section.
            errors.push(
                Diagnostic::new(&display, "a folder's name ends in `.md`, like a page's")
                    .hint("rename the folder (without `.md`); a section's landing page is a file named `_index.md` inside it"),
            );
            continue;
        }
        if !codes.contains(&lang.as_str()) || entry.is_dir {
            continue;
        }
        if rest.ends_with(".md") {
            let kind = if rest == "_index.md" || rest.ends_with("/_index.md") {
                Kind::Section
            } else {
                Kind::Page
            };
            out.sources.push(SourceFile {
                path: entry.path,
                display,
                lang,
                rel: rest,
                kind,
            });
        } else {
            out.assets.push(Asset {
                path: entry.path,
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

/// What is wrong with an entry right under `content/`, if anything: a folder that is not
/// a configured language, or a page outside a language folder.
fn top_level_problem(
    config: &Config,
    codes: &[&str],
    entry: &Found,
    lang: &str,
    display: &Path,
) -> Option<Diagnostic> {
    if entry.is_dir {
        (!codes.contains(&lang)).then(|| {
            Diagnostic::new(
                display,
                format!("folder `{lang}` is not a configured language"),
            )
            .hint(format!(
                "the languages in site.yaml are: {}; add `{lang}` there or move the folder",
                codes.join(", ")
            ))
        })
    } else {
        entry.rel.ends_with(".md").then(|| {
            Diagnostic::new(display, "page outside a language folder").hint(format!(
                "move it under content/{}/",
                config.default_language().code
            ))
        })
    }
}

/// `content/en/x.md` relative to the root, for messages.
fn display_path(root: &Path, p: &Path) -> std::path::PathBuf {
    p.strip_prefix(root).unwrap_or(p).to_path_buf()
}
