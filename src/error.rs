//! Errors of the pipeline.
//!
//! Takes nothing; gives [`Error`] (what failed) and [`Diagnostic`] (one problem in one
//! file, with line and column where there is one, and a hint on what to do). Content
//! errors are collected so that one build reports all of them together.

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem a [`Diagnostic`] is, for tools that sort or filter them
/// (`waypost check`'s JSON `kind`, the link policy) without reading the message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// Anything in the site's files not named below (front matter, site.yaml, names…).
    #[default]
    Content,
    /// A link to a missing page or file, or out of the language folder.
    BrokenLink,
    /// A link to a heading id the target page does not have.
    MissingAnchor,
    /// The same explicit heading id twice on a page.
    DuplicateHeadingId,
    /// A template that does not parse or render.
    Template,
    /// An image file a page shows that cannot be read (truncated, damaged, not an
    /// image).
    BrokenImage,
    /// An image without alt text (`waypost check`).
    ImageAlt,
    /// An image file over 5 MB (`waypost check`).
    LargeImage,
}

impl DiagnosticKind {
    /// The kebab-case name (`broken-link`), as in `waypost check --format json`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::Content => "content",
            DiagnosticKind::BrokenLink => "broken-link",
            DiagnosticKind::MissingAnchor => "missing-anchor",
            DiagnosticKind::DuplicateHeadingId => "duplicate-heading-id",
            DiagnosticKind::Template => "template",
            DiagnosticKind::BrokenImage => "broken-image",
            DiagnosticKind::ImageAlt => "image-alt",
            DiagnosticKind::LargeImage => "large-image",
        }
    }
}

/// One problem found in one input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, as the user would name it (relative to the site root where possible).
    pub path: PathBuf,
    /// 1-based line in that file, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// What kind of problem it is.
    pub kind: DiagnosticKind,
    /// For a broken link or a missing anchor: where the link points, as fields (the
    /// message says the same in words; nothing reads the message to find it).
    pub link: Option<Box<LinkTarget>>,
}

/// Where a broken link points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LinkTarget {
    /// The page linked to (`esim/qr.md`, under the language's folder); None: the page
    /// the link is on.
    pub page: Option<String>,
    /// The heading id linked to (`activate`), if any.
    pub anchor: Option<String>,
}

impl Diagnostic {
    /// A problem in `path` at no particular line.
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
            kind: DiagnosticKind::Content,
            link: None,
        }
    }

    /// Sets where a broken link points.
    pub fn link_target(mut self, page: Option<&str>, anchor: Option<&str>) -> Self {
        self.link = Some(Box::new(LinkTarget {
            page: page.map(str::to_string),
            anchor: anchor.map(str::to_string),
        }));
        self
    }

    /// Sets the kind.
    pub fn kind(mut self, kind: DiagnosticKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the 1-based line.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Adds a hint on what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", printable(&self.path.display().to_string()))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", printable(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {}", printable(hint))?;
        }
        Ok(())
    }
}

/// `s` with control characters other than newline and tab written as escapes (`\0`,
/// `\u{1b}`): messages quote what a page said (slugs, keys, file names), and a NUL or a
/// terminal escape sequence from untrusted content must not reach the terminal as it is.
pub(crate) fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Everything that can stop a build.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in the site's files (content, site.yaml, i18n, templates).
    #[error("{}", format_diagnostics(.0))]
    Site(Vec<Diagnostic>),
    /// A file or folder could not be read or written.
    #[error("{}: {action}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done (`cannot read`, `cannot write`…).
        action: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A command-line option has a value that cannot be used (`--base-url`).
    #[error("{option}: {message}")]
    Option {
        /// The option as typed (`--base-url`).
        option: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// `waypost serve` cannot listen on the address it was given (the port is taken, or
    /// the address is not this machine's).
    #[error("{addr}: {message}\n  help: {hint}")]
    Listen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What failed.
        message: String,
        /// What to do.
        hint: String,
    },
    /// `waypost serve` could not set up its listening socket or its runtime after
    /// binding: a problem of the machine, not of any file.
    #[error("{what}\n  help: {hint}")]
    Server {
        /// What failed (`cannot start the server's runtime`).
        what: &'static str,
        /// What to do.
        hint: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// Pagefind could not build a language's search index: not the fault of any page.
    #[error(
        "search index of `{lang}`: {message}\n  help: this is not a problem of your pages; \
         try again, and if it persists, build without search (`search: {{enabled: false}}` \
         in site.yaml) and report it"
    )]
    Search {
        /// The language whose index failed.
        lang: String,
        /// What failed, with Pagefind's reason.
        message: String,
    },
}

impl Error {
    /// A failure of `waypost serve`'s socket or runtime (see [`Error::Server`]).
    pub fn server(what: &'static str, source: std::io::Error) -> Self {
        Error::Server {
            what,
            hint: "try again; if it keeps failing, restart with `--port 0` to pick another port",
            source,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    /// A single diagnostic as an error.
    pub fn one(d: Diagnostic) -> Self {
        Error::Site(vec![d])
    }

    /// The error as the text of a warning, for a failure that the command goes on
    /// without (an unusable default build cache): `then` says what it does instead. The
    /// logger writes `warning: ` before it, so a diagnostic is shown without its
    /// `error: ` (which [`Error::Site`]'s `Display` gives it), `then` after its message
    /// and before its hint; another error with its operating system's reason.
    pub fn as_warning(&self, then: &str) -> String {
        match self {
            Error::Site(diags) => diags
                .iter()
                .map(|d| {
                    let mut d = d.clone();
                    d.message = format!("{}; {then}", d.message);
                    d.to_string()
                })
                .collect::<Vec<_>>()
                .join("\nwarning: "),
            e => match std::error::Error::source(e) {
                Some(why) => format!("{e} ({why}); {then}"),
                None => format!("{e}; {then}"),
            },
        }
    }

    /// The diagnostics this error carries (empty for the errors that do not come from
    /// the site's files).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Site(d) => d,
            _ => &[],
        }
    }
}

fn format_diagnostics(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("error: ");
        out.push_str(&d.to_string());
    }
    if diags.len() > 1 {
        out.push_str(&format!("\n{} errors", diags.len()));
    }
    out
}

/// Result with the pipeline's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_messages_are_shown_as_escapes() {
        let d =
            Diagnostic::new("content/en/a\u{1b}.md", "slug `a\0b\u{1b}[2J` is bad").hint("x\u{7}");
        let shown = d.to_string();
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(shown.contains("a\\0b\\u{1b}[2J"), "{shown}");
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
    }

    #[test]
    fn an_error_shown_as_a_warning_does_not_also_say_error() {
        let e = Error::one(
            Diagnostic::new(".waypost-cache", "cannot create the build cache")
                .hint("pass `--cache DIR`"),
        );
        assert_eq!(
            e.as_warning("building without the cache"),
            ".waypost-cache: cannot create the build cache; building without the cache\n  help: pass `--cache DIR`"
        );
        let e = Error::io(
            Path::new(".waypost-cache"),
            "cannot create",
            std::io::Error::other("read-only file system"),
        );
        assert_eq!(
            e.as_warning("building without the cache"),
            ".waypost-cache: cannot create (read-only file system); building without the cache"
        );
    }

    #[test]
    fn errors_that_do_not_come_from_a_file_say_what_failed_and_what_to_do() {
        let e = Error::Search {
            lang: "en".into(),
            message: "building: out of memory".into(),
        };
        let shown = e.to_string();
        assert!(
            shown.starts_with("search index of `en`: building: out of memory\n  help: "),
            "{shown}"
        );
        assert!(shown.contains("`search: {enabled: false}`"), "{shown}");
        let e = Error::server(
            "cannot start the server's runtime",
            std::io::Error::other("x"),
        );
        assert!(e.to_string().contains("--port 0"), "{e}");
        assert!(e.diagnostics().is_empty());
        let e = Error::Option {
            option: "--base-url",
            message: "must start with http:// or https://".into(),
        };
        assert_eq!(
            e.to_string(),
            "--base-url: must start with http:// or https://"
        );
    }
}
