//! The check's report: findings, per-language summary, text and JSON output.
//!
//! Takes the findings and coverage of one check; gives a sorted [`Report`] that prints as
//! text for people (grouped by category, then language) or as JSON for CI (version 1,
//! documented in docs/check.md: fields are only ever added, never renamed). Both are
//! deterministic for the same site, date and answers from git and the network.

use std::fmt::Write as _;

use serde::Serialize;

use super::CheckOptions;
use crate::config::Config;
use crate::site::coverage::{Basis, LanguageCoverage};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the check.
    Error,
    /// Fails the check with `--strict`.
    Warning,
    /// For information (coverage gaps a site may have on purpose).
    Note,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What a finding is about; the report's groups, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Files that do not load or render (front matter, templates).
    Content,
    /// Internal links and anchors.
    Links,
    /// Images that cannot be read, lack alt text or are very large.
    Images,
    /// `http(s)` links (`--external`).
    ExternalLinks,
    /// Missing, outdated and untracked translations.
    Translations,
    /// Facets that differ between languages.
    Facets,
    /// Guides due a review.
    Reviews,
    /// UI strings missing per language.
    UiStrings,
}

impl Category {
    fn title(self) -> &'static str {
        match self {
            Category::Content => "Content",
            Category::Links => "Links and anchors",
            Category::Images => "Images",
            Category::ExternalLinks => "External links",
            Category::Translations => "Translations",
            Category::Facets => "Facets",
            Category::Reviews => "Reviews",
            Category::UiStrings => "UI strings",
        }
    }
}

/// The commit a stamped translation was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Full commit id.
    pub commit: String,
    /// Commit day (UTC), `YYYY-MM-DD`.
    pub date: String,
    /// First line of its message.
    pub subject: String,
}

/// One problem or remark.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// error, warning or note.
    pub severity: Severity,
    /// The group it is reported in.
    pub category: Category,
    /// What kind of finding (stable identifiers, listed in docs/check.md).
    pub kind: &'static str,
    /// The file, relative to the site root, `/`-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The language it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The default-language page a translation is made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The anchor a link points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// An external link's URL as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The HTTP status an external link answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Missing UI-string keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// What told that a translation is outdated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
    /// The `source_hash` a translation was stamped with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamped_hash: Option<String>,
    /// The source body's hash now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_hash: Option<String>,
    /// The commit of the stamped version of the source (git).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamped_commit: Option<CommitInfo>,
    /// The last `reviewed` date of a stale guide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<String>,
    /// What changed in the source since the stamped version (unified diff, file lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Sort key: the language's place in site.yaml.
    #[serde(skip)]
    lang_rank: usize,
}

impl Finding {
    /// A finding with only its kind and message.
    pub fn new(
        severity: Severity,
        category: Category,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            category,
            kind,
            file: None,
            line: None,
            column: None,
            language: None,
            message: message.into(),
            hint: None,
            source: None,
            anchor: None,
            url: None,
            status: None,
            keys: Vec::new(),
            basis: None,
            stamped_hash: None,
            source_hash: None,
            stamped_commit: None,
            reviewed: None,
            diff: None,
            lang_rank: 0,
        }
    }

    /// `file:line: ` or empty.
    fn location(&self) -> String {
        match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
            (Some(f), Some(l), None) => format!("{f}:{l}: "),
            (Some(f), None, _) => format!("{f}: "),
            _ => String::new(),
        }
    }
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

/// One row of the summary table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageSummary {
    /// Language code.
    pub code: String,
    /// Language name.
    pub name: String,
    /// The default (source) language.
    pub default: bool,
    /// Pages and sections written in this language.
    pub pages: usize,
    /// Pages and sections of the default language.
    pub sources: usize,
    /// Of those, translated into this language.
    pub translated: usize,
    /// translated / sources, percent, one decimal, rounded down.
    pub translated_percent: f64,
    /// Source pages not translated.
    pub missing: usize,
    /// Translations behind their source.
    pub outdated: usize,
    /// Translations whose freshness cannot be told.
    pub unknown: usize,
    /// Guides due a review (overdue or never reviewed).
    pub stale: usize,
}

impl From<&LanguageCoverage> for LanguageSummary {
    fn from(c: &LanguageCoverage) -> Self {
        LanguageSummary {
            code: c.code.clone(),
            name: c.name.clone(),
            default: c.default,
            pages: c.pages,
            sources: c.sources,
            translated: c.translated,
            translated_percent: c.percent(),
            missing: c.missing.len(),
            outdated: c.outdated.len(),
            unknown: c.unknown.len(),
            stale: c.stale.len(),
        }
    }
}

/// The result of `waypost check`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of this JSON shape: 1.
    pub version: u32,
    /// The site's title.
    pub site: String,
    /// The default language's code.
    pub default_language: String,
    /// The day reviews were measured against.
    pub today: String,
    /// Warnings fail the check.
    pub strict: bool,
    /// External links were checked.
    pub external: bool,
    /// The exit status: 0 passed, 1 failed.
    pub exit_code: u8,
    /// Findings per severity.
    pub counts: Counts,
    /// Coverage per language, in site.yaml order (empty when the site does not load).
    pub languages: Vec<LanguageSummary>,
    /// Every finding, sorted by category, language, file, line.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Sorts the findings and works out the counts and the exit status.
    pub fn new(
        config: &Config,
        opts: &CheckOptions,
        mut findings: Vec<Finding>,
        languages: &[LanguageSummary],
    ) -> Report {
        // Site-wide findings first, then by language in site.yaml order; a remark about
        // the whole check (no file, no language) last in its group.
        for f in &mut findings {
            f.lang_rank = match (&f.language, &f.file) {
                (None, None) => usize::MAX,
                (None, Some(_)) => 0,
                (Some(l), _) => config
                    .languages
                    .iter()
                    .position(|x| &x.code == l)
                    .map_or(usize::MAX - 1, |i| i + 1),
            };
        }
        findings.sort_by(|a, b| {
            (
                a.category,
                a.lang_rank,
                &a.file,
                a.line,
                a.severity,
                a.kind,
                &a.message,
                &a.url,
            )
                .cmp(&(
                    b.category,
                    b.lang_rank,
                    &b.file,
                    b.line,
                    b.severity,
                    b.kind,
                    &b.message,
                    &b.url,
                ))
        });
        let mut counts = Counts::default();
        for f in &findings {
            match f.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        let failed = counts.errors > 0 || (opts.strict && counts.warnings > 0);
        Report {
            version: 1,
            site: config.title(&config.default_language().code).to_string(),
            default_language: config.default_language().code.clone(),
            today: opts.today.to_string(),
            strict: opts.strict,
            external: opts.external,
            exit_code: u8::from(failed),
            counts,
            languages: languages.to_vec(),
            findings,
        }
    }

    /// The report as pretty-printed JSON, with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"version\": 1, \"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// The report as text for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut category = None;
        let mut language: Option<&str> = None;
        for f in &self.findings {
            if category != Some(f.category) {
                if category.is_some() {
                    out.push('\n');
                }
                category = Some(f.category);
                language = None;
                let _ = writeln!(out, "{}", f.category.title());
            }
            let grouped = matches!(
                f.category,
                Category::Translations | Category::Reviews | Category::Facets
            );
            if grouped && f.language.as_deref() != language {
                language = f.language.as_deref();
                if let Some(code) = language {
                    let name = self
                        .languages
                        .iter()
                        .find(|l| l.code == code)
                        .map(|l| l.name.as_str())
                        .unwrap_or("");
                    let _ = writeln!(out, "  {code} {name}");
                }
            }
            let indent = if grouped { "    " } else { "  " };
            let _ = writeln!(
                out,
                "{indent}{}: {}{}",
                f.severity.as_str(),
                f.location(),
                f.message
            );
            if let Some(h) = &f.hint {
                let _ = writeln!(out, "{indent}  help: {h}");
            }
            if let Some(d) = &f.diff {
                if !d.is_empty() {
                    let _ = writeln!(out, "{indent}  changed in the source since then:");
                    for line in d.lines() {
                        let _ = writeln!(out, "{indent}  | {line}");
                    }
                }
            }
        }
        self.footer(&mut out);
        out
    }

    /// The report as GitHub Actions workflow commands: each finding an `::error`,
    /// `::warning` or `::notice` annotation on its file and line (`prefix` is the site's
    /// folder relative to the repository, so the annotation lands on the right file), one
    /// collapsible group per category, then the same summary and counts as the text.
    pub fn to_github(&self, prefix: &str) -> String {
        let mut out = String::new();
        let mut category = None;
        for f in &self.findings {
            if category != Some(f.category) {
                if category.is_some() {
                    out.push_str("::endgroup::\n");
                }
                category = Some(f.category);
                let _ = writeln!(out, "::group::{}", f.category.title());
            }
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            let mut props = Vec::new();
            if let Some(file) = &f.file {
                props.push(format!(
                    "file={}",
                    github_property(&format!("{prefix}{file}"))
                ));
                if let Some(l) = f.line {
                    props.push(format!("line={l}"));
                }
                if let Some(c) = f.column {
                    props.push(format!("col={c}"));
                }
            }
            let title = match &f.language {
                Some(l) => format!("waypost {} ({l})", f.kind),
                None => format!("waypost {}", f.kind),
            };
            props.push(format!("title={}", github_property(&title)));
            let mut message = f.message.clone();
            if let Some(h) = &f.hint {
                message.push_str("\nhelp: ");
                message.push_str(h);
            }
            let _ = writeln!(
                out,
                "::{command} {}::{}",
                props.join(","),
                github_data(&message)
            );
        }
        if category.is_some() {
            out.push_str("::endgroup::\n");
        }
        self.footer(&mut out);
        out
    }

    /// The summary table and the counts line that end both text forms.
    fn footer(&self, out: &mut String) {
        if !self.languages.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str("Summary\n");
            out.push_str(&self.table());
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let c = self.counts;
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let _ = writeln!(
            out,
            "{}, {}, {}{}",
            plural(c.errors, "error", "errors"),
            plural(c.warnings, "warning", "warnings"),
            plural(c.notes, "note", "notes"),
            match (self.exit_code, c.errors) {
                (0, _) => ": passed",
                (_, 0) => ": failed (--strict: warnings count)",
                _ => ": failed",
            }
        );
    }

    fn table(&self) -> String {
        let header = [
            "language",
            "pages",
            "translated",
            "missing",
            "outdated",
            "stale",
        ];
        let rows: Vec<[String; 6]> = self
            .languages
            .iter()
            .map(|l| {
                [
                    if l.default {
                        format!("{} (default)", l.code)
                    } else {
                        l.code.clone()
                    },
                    l.pages.to_string(),
                    format!("{}%", l.translated_percent),
                    l.missing.to_string(),
                    if l.default {
                        "-".to_string()
                    } else {
                        l.outdated.to_string()
                    },
                    l.stale.to_string(),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: [&str; 6]| {
            let mut s = String::from("  ");
            for (n, (c, w)) in cells.iter().zip(widths).enumerate() {
                let pad = w - c.chars().count();
                if n == 0 {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str("  ");
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(header);
        for r in &rows {
            line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]);
        }
        out
    }
}

/// A workflow command's message, escaped as the runner reads it back.
fn github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value (also `:` and `,`, which end a property).
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            version: 1,
            site: "Site".into(),
            default_language: "en".into(),
            today: "2026-12-04".into(),
            strict: false,
            external: false,
            exit_code: 1,
            counts: Counts {
                errors: 1,
                warnings: 1,
                notes: 0,
            },
            languages: Vec::new(),
            findings,
        }
    }

    #[test]
    fn github_format_annotates_the_file_and_line_under_the_site_folder() {
        let mut broken = Finding::new(
            Severity::Error,
            Category::Links,
            "broken-link",
            "links to /en/nope/, which is not a page (100% sure)",
        );
        broken.file = Some("content/en/a.md".into());
        broken.line = Some(7);
        broken.column = Some(3);
        broken.hint = Some("fix the link, or remove it".into());
        let mut outdated = Finding::new(
            Severity::Warning,
            Category::Translations,
            "outdated",
            "outdated",
        );
        outdated.file = Some("content/es/a, b.md".into());
        outdated.language = Some("es".into());
        let text = report(vec![broken, outdated]).to_github("docs/");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "::group::Links and anchors");
        assert_eq!(
            lines[1],
            "::error file=docs/content/en/a.md,line=7,col=3,title=waypost broken-link::\
             links to /en/nope/, which is not a page (100%25 sure)%0Ahelp: fix the link, or remove it"
        );
        assert_eq!(lines[2], "::endgroup::");
        assert_eq!(lines[3], "::group::Translations");
        assert_eq!(
            lines[4],
            "::warning file=docs/content/es/a%2C b.md,title=waypost outdated (es)::outdated"
        );
        assert_eq!(lines[5], "::endgroup::");
        assert_eq!(lines.last(), Some(&"1 error, 1 warning, 0 notes: failed"));
    }

    #[test]
    fn github_format_of_a_clean_report_is_only_the_counts() {
        let mut r = report(Vec::new());
        r.counts = Counts::default();
        r.exit_code = 0;
        assert_eq!(r.to_github(""), "0 errors, 0 warnings, 0 notes: passed\n");
    }
}
