//! `waypost stamp`: record which version of its source a translation was made from.
//!
//! Takes the site root and translation files (paths from the current folder, or from the
//! site root); writes `source_hash: <hash of the default-language source's body>` into
//! each file's front matter, changing only that one line (replaced, or inserted before
//! the closing `---`) and keeping every other byte; a file without front matter gets a
//! block of its own. Gives what was done per file, and a [`Diagnostic`] per file that
//! could not be stamped (not a translation, no source page…).

use std::path::{Component, Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::site::{BuildOptions, Site};

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// The translation, relative to the site root.
    pub file: String,
    /// Its source page, relative to the site root.
    pub source: String,
    /// The hash written.
    pub hash: String,
    /// False when the file already had this hash (and was left untouched).
    pub changed: bool,
}

/// The result of `waypost stamp`.
#[derive(Debug, Clone, Default)]
pub struct StampReport {
    /// Files stamped or already up to date.
    pub stamped: Vec<Stamped>,
    /// Files that could not be stamped.
    pub errors: Vec<Diagnostic>,
}

/// Stamps `files`. Fails only when the site cannot be loaded at all (no or bad
/// `site.yaml`); problems of single files are in the report.
pub fn stamp(root: &Path, files: &[PathBuf]) -> Result<StampReport> {
    let opts = BuildOptions {
        drafts: true,
        ..BuildOptions::default()
    };
    // A missing or bad site.yaml: stamp could not run at all.
    let config = crate::site::load_config(root, &opts)?;
    let mut report = StampReport::default();
    let site = match crate::pipeline::Pipeline::new(root, &opts, None).load_lenient(config) {
        Ok((site, _)) => site,
        Err(Error::Site(diags)) => {
            report.errors = diags;
            report.errors.push(
                Diagnostic::new("site.yaml", "nothing was stamped: the site does not load")
                    .hint("fix the errors above, then run `waypost stamp` again"),
            );
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    for file in files {
        match stamp_one(&site, file) {
            Ok(s) => report.stamped.push(s),
            Err(d) => report.errors.push(d),
        }
    }
    Ok(report)
}

/// Finds `file` on disk: from the current folder when it is there and inside the site,
/// else from the site root, else from the current folder wherever it is (to say that it
/// is not part of the site).
fn locate(root: &Path, file: &Path) -> Option<PathBuf> {
    let inside = |p: &Path| match (p.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    };
    let from_root = root.join(file);
    [file.to_path_buf(), from_root.clone()]
        .into_iter()
        .find(|p| p.is_file() && inside(p))
        .or_else(|| {
            [file.to_path_buf(), from_root]
                .into_iter()
                .find(|p| p.exists())
        })
}

/// The translation `file` names (as given on the command line): its path, its language
/// and its name from the site's folder (`content/zh/guide.md`); an error that says what
/// to name instead for anything else — a folder, a file outside `content/<lang>/`, a
/// file that is not Markdown, a language the site does not have, or the default
/// language (whose pages are sources, not translations).
fn translation_file(
    site: &Site,
    file: &Path,
) -> std::result::Result<(PathBuf, String, String), Diagnostic> {
    let default = site.config.default_language();
    let path = locate(&site.root, file).ok_or_else(|| {
        Diagnostic::new(file, "no such file").hint("name a translation such as content/zh/guide.md")
    })?;
    if path.is_dir() {
        return Err(Diagnostic::new(file, "is a folder, not a page")
            .hint("name the translations' .md files, e.g. content/zh/guide.md"));
    }
    let (abs, root) = match (path.canonicalize(), site.root.canonicalize()) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(e), _) | (_, Err(e)) => {
            return Err(Diagnostic::new(file, format!("cannot read: {e}")))
        }
    };
    let not_content = || {
        Diagnostic::new(file, format!("is not a page of the site: it is not under {}", root.join("content").join("<lang>").display()))
            .hint("name a translation such as content/zh/guide.md, and pass `--root DIR` for a site elsewhere")
    };
    let rel = abs
        .strip_prefix(root.join("content"))
        .map_err(|_| not_content())?;
    let parts: Vec<&str> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Diagnostic::new(file, "the file name is not valid UTF-8"))?;
    if parts.len() < 2 {
        return Err(not_content());
    }
    let lang = parts[0];
    let page_rel = parts[1..].join("/");
    let display = format!("content/{lang}/{page_rel}");
    if !page_rel.ends_with(".md") {
        return Err(Diagnostic::new(&display, "is not a Markdown page")
            .hint("stamp the .md file of a translation"));
    }
    if site.config.language(lang).is_none() {
        let codes: Vec<&str> = site
            .config
            .languages
            .iter()
            .map(|l| l.code.as_str())
            .collect();
        return Err(
            Diagnostic::new(&display, format!("`{lang}` is not a language of the site")).hint(
                format!("the languages in site.yaml are: {}", codes.join(", ")),
            ),
        );
    }
    if lang == default.code {
        return Err(Diagnostic::new(
            &display,
            format!(
                "is in the default language ({}): only translations are stamped",
                default.code
            ),
        )
        .hint(format!(
            "stamp its translations instead, e.g. content/<lang>/{page_rel}"
        )));
    }
    Ok((path, lang.to_string(), display))
}

fn stamp_one(site: &Site, file: &Path) -> std::result::Result<Stamped, Diagnostic> {
    let default = site.config.default_language();
    let (path, lang, display) = translation_file(site, file)?;
    let lang = lang.as_str();
    let i = site
        .pages
        .iter()
        .position(|p| {
            p.fallback_from.is_none()
                && p.lang == lang
                && p.source
                    .as_deref()
                    .and_then(crate::paths::path_to_slash)
                    .as_deref()
                    == Some(display.as_str())
        })
        .ok_or_else(|| {
            Diagnostic::new(
                &display,
                "is not a page of the site (an ignored file name?)",
            )
        })?;
    let s = crate::site::coverage::source_of(site, i).ok_or_else(|| {
        let key = site.groups[site.pages[i].group].key.clone();
        Diagnostic::new(
            &display,
            format!(
                "has no source page: content/{}/{key} does not exist",
                default.code
            ),
        )
        .at_line(1)
        .hint("write the source page first, or set `translation_key` to the path of its source")
    })?;
    let src = &site.pages[s];
    let hash = src.body_hash.clone();
    let bytes =
        std::fs::read(&path).map_err(|e| Diagnostic::new(&display, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Diagnostic::new(&display, "not valid UTF-8").hint("save the file as UTF-8"))?;
    let new = set_source_hash(&text, &hash).map_err(|m| Diagnostic::new(&display, m).at_line(1))?;
    let changed = new.is_some();
    if let Some(new) = new {
        std::fs::write(&path, new)
            .map_err(|e| Diagnostic::new(&display, format!("cannot write: {e}")))?;
    }
    Ok(Stamped {
        file: display,
        source: src.display(),
        hash,
        changed,
    })
}

/// The text with its front matter's `source_hash:` line set to `hash`; None when it is
/// already. Every other byte is kept; line endings follow the file's.
pub(crate) fn set_source_hash(
    text: &str,
    hash: &str,
) -> std::result::Result<Option<String>, String> {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let body = &text[bom..];
    let first_end = body.find('\n').unwrap_or(body.len());
    let first = &body[..first_end];
    let line = format!("source_hash: {hash}");
    if first.trim_end() != "---" {
        let eol = if first.ends_with('\r') { "\r\n" } else { "\n" };
        return Ok(Some(format!(
            "{}---{eol}{line}{eol}---{eol}{body}",
            &text[..bom]
        )));
    }
    let eol = if first.ends_with('\r') { "\r\n" } else { "\n" };
    let Ok(Some(fences)) = crate::content::front_matter::fences(body) else {
        return Err(
            "the front matter opened on line 1 is never closed: add a line with only `---` after it"
                .into(),
        );
    };
    let mut pos = fences.yaml.start;
    for l in body[fences.yaml.clone()].split_inclusive('\n') {
        let content = l.strip_suffix('\n').unwrap_or(l);
        let content = content.strip_suffix('\r').unwrap_or(content);
        if content
            .strip_prefix("source_hash")
            .is_some_and(|r| r.trim_start().starts_with(':'))
        {
            let value = content
                .split_once(':')
                .map_or("", |(_, v)| v)
                .trim()
                .trim_matches(['"', '\'']);
            if value == hash && content == line {
                return Ok(None);
            }
            let (a, b) = (bom + pos, bom + pos + content.len());
            return Ok(Some(format!("{}{line}{}", &text[..a], &text[b..])));
        }
        pos += l.len();
    }
    let at = bom + fences.yaml.end;
    Ok(Some(format!("{}{line}{eol}{}", &text[..at], &text[at..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef";

    #[test]
    fn an_existing_line_is_replaced_and_nothing_else_changes() {
        let text = "---\ntitle: A  # keep\nsource_hash: old\nweight: 2\n---\nBody\n";
        assert_eq!(
            set_source_hash(text, H).unwrap().unwrap(),
            "---\ntitle: A  # keep\nsource_hash: 0123456789abcdef\nweight: 2\n---\nBody\n"
        );
    }

    #[test]
    fn a_line_is_inserted_before_the_closing_fence_with_the_file_line_endings() {
        let text = "\u{feff}---\r\ntitle: A\r\n---\r\nBody\r\n";
        assert_eq!(
            set_source_hash(text, H).unwrap().unwrap(),
            "\u{feff}---\r\ntitle: A\r\nsource_hash: 0123456789abcdef\r\n---\r\nBody\r\n"
        );
        assert_eq!(
            set_source_hash("---\n---\nB", H).unwrap().unwrap(),
            "---\nsource_hash: 0123456789abcdef\n---\nB"
        );
    }

    #[test]
    fn a_file_without_front_matter_gets_a_block() {
        assert_eq!(
            set_source_hash("# Title\n\nText", H).unwrap().unwrap(),
            "---\nsource_hash: 0123456789abcdef\n---\n# Title\n\nText"
        );
        assert_eq!(
            set_source_hash("", H).unwrap().unwrap(),
            "---\nsource_hash: 0123456789abcdef\n---\n"
        );
    }

    #[test]
    fn the_same_stamp_is_left_alone_and_crlf_lines_keep_their_ending() {
        let text = "---\nsource_hash: 0123456789abcdef\n---\n";
        assert_eq!(set_source_hash(text, H).unwrap(), None);
        let crlf = "---\r\nsource_hash: x\r\n---\r\n";
        assert_eq!(
            set_source_hash(crlf, H).unwrap().unwrap(),
            "---\r\nsource_hash: 0123456789abcdef\r\n---\r\n"
        );
    }

    #[test]
    fn nested_keys_and_the_body_are_not_mistaken_for_the_line() {
        let text = "---\nextra:\n  source_hash: nested\n---\nsource_hash: body\n";
        assert_eq!(
            set_source_hash(text, H).unwrap().unwrap(),
            "---\nextra:\n  source_hash: nested\nsource_hash: 0123456789abcdef\n---\nsource_hash: body\n"
        );
    }

    #[test]
    fn unclosed_front_matter_is_refused() {
        assert!(set_source_hash("---\ntitle: A\n", H).is_err());
    }
}
