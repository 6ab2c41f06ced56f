//! Content discovery and loading.
//!
//! Takes the site root and its [`Config`](crate::config::Config); gives the source files
//! under `content/<lang>/` (`SourceFile`: path, language, translation key, kind) with
//! their text split into front matter and body, plus the other files (images, PDFs) that
//! are copied beside the pages (`Asset`).

pub(crate) mod discover;
pub mod front_matter;

use std::path::PathBuf;

pub(crate) use discover::discover;
pub use front_matter::{Date, FacetValue, FrontMatter};

/// Whether a source file is a page or a section's landing page (`_index.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A regular page.
    Page,
    /// `_index.md`: the landing page of its folder.
    Section,
}

/// One Markdown file under `content/<lang>/`.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Where it is on disk.
    pub path: PathBuf,
    /// How errors name it: relative to the site root (`content/en/esim/in-app.md`).
    pub display: PathBuf,
    /// Language code (the folder under `content/`).
    pub lang: String,
    /// Path under `content/<lang>/` with `/` separators (`esim/in-app.md`).
    pub rel: String,
    /// Page or section.
    pub kind: Kind,
}

/// A non-Markdown file under `content/<lang>/`, copied to the same place in the output.
#[derive(Debug, Clone)]
pub(crate) struct Asset {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Language code.
    pub lang: String,
    /// Path under `content/<lang>/` with `/` separators.
    pub rel: String,
}

/// The largest text file read (a page, site.yaml, a template, UI strings): 10 MiB, a
/// hundred times the longest real guide. Rendering and sanitizing take about 90 bytes of
/// memory per byte of Markdown, so this bounds what one hostile file can cost (≈1 GB)
/// instead of letting a 200 MB page exhaust the machine.
pub(crate) const MAX_TEXT_BYTES: u64 = 10 * 1024 * 1024;

/// Reads a file as UTF-8 text (a leading BOM is dropped; NUL characters become U+FFFD,
/// as CommonMark asks, so none reaches a page). A file that is not UTF-8 gets a
/// diagnostic naming the line of the first bad byte; one larger than [`MAX_TEXT_BYTES`]
/// is refused before it is read.
pub(crate) fn read_text(
    path: &std::path::Path,
    display: &std::path::Path,
) -> Result<String, crate::error::Diagnostic> {
    let size = std::fs::metadata(path)
        .map_err(|e| crate::error::Diagnostic::new(display, format!("cannot read: {e}")))?
        .len();
    if size > MAX_TEXT_BYTES {
        return Err(crate::error::Diagnostic::new(
            display,
            format!(
                "the file is {:.1} MB; text files are limited to {} MB",
                size as f64 / (1024.0 * 1024.0),
                MAX_TEXT_BYTES / (1024 * 1024)
            ),
        )
        .hint("split it into several pages"));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| crate::error::Diagnostic::new(display, format!("cannot read: {e}")))?;
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            if s.contains('\0') {
                s = s.replace('\0', "\u{fffd}");
            }
            Ok(s)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(
                crate::error::Diagnostic::new(display, format!("not valid UTF-8 (byte {at})"))
                    .at_line(line)
                    .hint("save the file as UTF-8"),
            )
        }
    }
}
