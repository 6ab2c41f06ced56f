//! Where links go: the URL of every page and file, per language, and the anchor checks.
//!
//! Takes page and asset paths with their URLs; gives [`LinkIndex`], which resolves the
//! relative `.md` and file links of a page written in one language (falling back to the
//! files of the page's source language and the default language for fallback copies),
//! and `check_anchors`, which finds links to headings that do not exist; sorts each
//! file's link problems by the site's link policy (`LinkFindings`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::config::{LinkPolicy, Policy};
use crate::error::{Diagnostic, DiagnosticKind};
use crate::markdown::{AlertLabels, LinkResolver, ProblemKind, Rendered};
use crate::site::I18n;

/// URLs of pages and files per language.
#[derive(Debug, Clone, Default)]
pub struct LinkIndex {
    pages: HashMap<String, HashMap<String, String>>,
    assets: HashMap<String, HashMap<String, String>>,
    default_lang: String,
}

impl LinkIndex {
    /// An empty index for a site whose default language is `default_lang`.
    pub fn new(default_lang: &str) -> Self {
        LinkIndex {
            default_lang: default_lang.to_string(),
            ..Default::default()
        }
    }

    /// Records the URL of the page at `rel` in `lang`.
    pub(crate) fn add_page(&mut self, lang: &str, rel: &str, url: &str) {
        self.pages
            .entry(lang.to_string())
            .or_default()
            .insert(rel.to_string(), url.to_string());
    }

    /// Records the URL of the file at `rel` in `lang`.
    pub(crate) fn add_asset(&mut self, lang: &str, rel: &str, url: &str) {
        self.assets
            .entry(lang.to_string())
            .or_default()
            .insert(rel.to_string(), url.to_string());
    }

    /// The URL of page `rel` in `lang`.
    pub fn page(&self, lang: &str, rel: &str) -> Option<&str> {
        self.pages.get(lang)?.get(rel).map(String::as_str)
    }

    /// A resolver for a page published in `lang` whose text is in `content_lang`.
    pub(crate) fn resolver<'a>(&'a self, lang: &'a str, content_lang: &'a str) -> Resolver<'a> {
        Resolver {
            index: self,
            lang,
            content_lang,
        }
    }
}

/// Resolves links of one page; see [`LinkIndex::resolver`].
pub(crate) struct Resolver<'a> {
    index: &'a LinkIndex,
    lang: &'a str,
    content_lang: &'a str,
}

impl LinkResolver for Resolver<'_> {
    fn page(&self, rel: &str) -> Option<String> {
        self.index.page(self.lang, rel).map(str::to_string)
    }
    fn asset(&self, rel: &str) -> Option<String> {
        [
            self.lang,
            self.content_lang,
            self.index.default_lang.as_str(),
        ]
        .iter()
        .find_map(|l| self.index.assets.get(*l)?.get(rel))
        .cloned()
    }
}

/// The alert labels of `lang` from its UI strings.
pub(crate) fn alert_labels(i18n: &I18n, lang: &str) -> AlertLabels {
    let g = |k: &str| i18n.get(lang, k).to_string();
    AlertLabels {
        labels: [
            g("alerts.note"),
            g("alerts.tip"),
            g("alerts.important"),
            g("alerts.warning"),
            g("alerts.caution"),
        ],
    }
}

/// One file's link problems, sorted by the site's link policy (`links:` in site.yaml).
#[derive(Debug, Default)]
pub(crate) struct LinkFindings {
    /// Problems that fail the build.
    pub errors: Vec<Diagnostic>,
    /// Problems reported without failing it.
    pub warnings: Vec<Diagnostic>,
    /// Problems the site chose to ignore (`waypost check` still reports them).
    pub ignored: Vec<Diagnostic>,
}

impl LinkFindings {
    fn put(&mut self, policy: Policy, d: Diagnostic) {
        match policy {
            Policy::Error => self.errors.push(d),
            Policy::Warn => self.warnings.push(d),
            Policy::Ignore => self.ignored.push(d),
        }
    }

    /// Adds missing-anchor diagnostics (from [`check_anchors`]).
    pub(crate) fn add_anchors(&mut self, policy: &LinkPolicy, anchors: Vec<Diagnostic>) {
        for d in anchors {
            self.put(policy.missing_anchor, d);
        }
    }

    /// Adds what another file's findings hold.
    pub(crate) fn extend(&mut self, other: LinkFindings) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        self.ignored.extend(other.ignored);
    }
}

/// Problems found while rendering `r` (the page in file `display`), sorted by `policy`:
/// a missing page or file follows the policy; anything else is an error.
pub(crate) fn render_problems(display: &Path, r: &Rendered, policy: &LinkPolicy) -> LinkFindings {
    let mut out = LinkFindings::default();
    for p in &r.problems {
        let d = Diagnostic::new(display, p.message.clone()).at_line(p.line);
        let d = match &p.hint {
            Some(h) => d.hint(h.clone()),
            None => d,
        };
        let (policy, kind) = match p.kind {
            ProblemKind::MissingPage => (policy.missing_page, DiagnosticKind::BrokenLink),
            ProblemKind::MissingFile => (policy.missing_file, DiagnosticKind::BrokenLink),
            ProblemKind::BadLink => (Policy::Error, DiagnosticKind::BrokenLink),
            ProblemKind::DuplicateId => (Policy::Error, DiagnosticKind::DuplicateHeadingId),
            ProblemKind::Other => (Policy::Error, DiagnosticKind::Content),
        };
        out.put(policy, d.kind(kind));
    }
    out
}

/// How many warnings are printed one per line; the rest are counted.
pub(crate) const WARNINGS_SHOWN: usize = 20;

/// The text of a build's link warnings, each once, grouped under one heading and cut
/// after `WARNINGS_SHOWN` with a count of the rest.
pub fn format_warnings(warnings: &[Diagnostic]) -> String {
    let mut out = format!(
        "{} broken link{} rendered as plain text (site.yaml `links:` says warn):",
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    );
    for d in warnings.iter().take(WARNINGS_SHOWN) {
        let mut head = crate::error::printable(&d.path.display().to_string()).into_owned();
        if let Some(line) = d.line {
            head.push_str(&format!(":{line}"));
        }
        out.push_str(&format!(
            "\n  {head}: {}",
            crate::error::printable(&d.message)
        ));
    }
    if warnings.len() > WARNINGS_SHOWN {
        out.push_str(&format!(
            "\n  … and {} more (`waypost check` lists every one)",
            warnings.len() - WARNINGS_SHOWN
        ));
    }
    out
}

/// How many missing anchors of one file get a "did you mean" suggestion: each compares
/// the anchor with every heading of the target, which a hostile page with a million of
/// both would turn into hours.
const SUGGESTIONS_PER_FILE: usize = 100;

/// Links of `own` (in file `display`) to headings that do not exist. `lookup` finds the
/// rendered target page by its path in the same language.
pub(crate) fn check_anchors<'a>(
    display: &Path,
    own: &'a Rendered,
    lookup: impl Fn(&str) -> Option<&'a Rendered>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // The ids of each target page, as sets: one lookup per link instead of a scan.
    let mut id_sets: HashMap<Option<&str>, Option<(&'a Rendered, HashSet<&'a str>)>> =
        HashMap::new();
    for link in &own.anchor_links {
        let entry = id_sets.entry(link.page.as_deref()).or_insert_with(|| {
            let target = match &link.page {
                None => Some(own),
                Some(rel) => lookup(rel),
            };
            target.map(|t| {
                let ids = t
                    .headings
                    .iter()
                    .map(|h| h.id.as_str())
                    .chain(t.other_ids.iter().map(String::as_str))
                    .collect();
                (t, ids)
            })
        });
        let Some((t, ids)) = entry else { continue };
        if ids.contains(link.anchor.as_str()) {
            continue;
        }
        let where_ = match &link.page {
            None => "on this page".to_string(),
            Some(rel) => format!("in `{rel}`"),
        };
        let suggestion = if out.len() < SUGGESTIONS_PER_FILE {
            let heading_ids: Vec<&str> = t.headings.iter().map(|h| h.id.as_str()).collect();
            closest(&link.anchor, &heading_ids)
        } else {
            None
        };
        let hint = match suggestion {
            Some(c) => format!("did you mean `#{c}`?"),
            None => {
                "link to one of the page's headings, or give the heading an explicit `{#id}`".into()
            }
        };
        out.push(
            Diagnostic::new(
                display,
                format!("link to a missing heading `#{}` {where_}", link.anchor),
            )
            .kind(DiagnosticKind::MissingAnchor)
            .link_target(link.page.as_deref(), Some(&link.anchor))
            .at_line(link.line)
            .hint(hint),
        );
    }
    out
}

fn closest<'a>(want: &str, ids: &[&'a str]) -> Option<&'a str> {
    ids.iter()
        .map(|id| (strsim::jaro_winkler(want, id), *id))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}
