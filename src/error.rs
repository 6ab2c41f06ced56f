//! Errors of the pipeline.
//!
//! Takes nothing; gives [`Error`] (what failed) and [`Diagnostic`] (one problem in one
//! file, with line and column where there is one, and a hint on what to do). Content
//! errors are collected so that one build reports all of them together.

use std::fmt;
use std::path::{Path, PathBuf};

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
        }
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
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
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
}

impl Error {
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

    /// The diagnostics this error carries (empty for I/O errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Site(d) => d,
            Error::Io { .. } => &[],
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
