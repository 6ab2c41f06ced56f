//! `waypost check`: what is broken, missing, outdated or stale in a site.
//!
//! Takes the site root and [`CheckOptions`]; loads and renders the site in memory
//! (nothing is written; the search index is not built) and gives a [`Report`]: findings
//! grouped by category, each with its file and line where there is one, and a coverage
//! summary per language. [`check`] fails only when it could not run at all (no
//! `site.yaml`, a bad `site.yaml`, an I/O error): content problems are findings.
//!
//! What is checked:
//! - broken internal links and anchors (errors, as in a build; the rest of the report is
//!   still produced), and links to a heading id that depends on the order of headings
//!   with the same text (warning);
//! - links in a translation to an anchor that its source page has and it lacks (error);
//! - with `--external`, `http(s)` links, over HTTP (`external`);
//! - translations: missing (note), outdated (warning; with the source's git diff since
//!   the stamped version), unknown freshness (note) — rules in `site::coverage`;
//! - facets that differ between a page and its source (warning);
//! - guides whose `reviewed` is older than `review_after_days`, or missing (warning);
//! - UI strings missing per language (warning).
//!
//! Exit status (see [`Report::exit_code`]): 0 clean (notes and warnings allowed), 1 with
//! an error or, with `--strict`, a warning; `waypost` exits 2 when [`check`] fails.

pub(crate) mod diff;
pub(crate) mod external;
pub(crate) mod git;
mod report;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use crate::error::{Diagnostic, Error, Result};
use crate::markdown::headings::slugify;
use crate::site::coverage::{self, Basis, Coverage, Freshness, Review};
use crate::site::{BuildOptions, Site};
pub use external::HttpOptions;
pub use report::{Category, CommitInfo, Counts, Finding, LanguageSummary, Report, Severity};

/// Options of one check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Check `http(s)` links over the network.
    pub external: bool,
    /// Warnings fail the check too.
    pub strict: bool,
    /// "Today", for review dates.
    pub today: NaiveDate,
    /// Ask git for commit times and past versions when the site is in a repository.
    pub git: bool,
    /// How external links are requested.
    pub http: HttpOptions,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            external: false,
            strict: false,
            today: BuildOptions::default().today(),
            git: true,
            http: HttpOptions::default(),
        }
    }
}

/// Lines of diff shown per outdated translation.
const DIFF_LINES: usize = 40;

/// Checks the site at `root`. Fails only when the check could not run.
pub fn check(root: &Path, opts: &CheckOptions) -> Result<Report> {
    // The check's "today" is the build's: review notices and the report agree.
    let load_opts = BuildOptions {
        today: Some(opts.today),
        ..BuildOptions::default()
    };
    // A missing or bad site.yaml: the check could not run at all.
    let config = crate::site::load_config(root, &load_opts)?;
    let (site, link_diags) = match crate::pipeline::Pipeline::new(root, &load_opts, None)
        .load_lenient(config.clone())
    {
        Ok(x) => x,
        Err(Error::Site(diags)) => {
            let mut findings: Vec<Finding> = diags.into_iter().map(finding_of_diagnostic).collect();
            findings.push(Finding::new(
                Severity::Note,
                Category::Content,
                "not-checked",
                "the other checks need a site that loads: fix the errors above, then run `waypost check` again",
            ));
            return Ok(Report::new(&config, opts, findings, &[]));
        }
        Err(e) => return Err(e),
    };
    let mut findings = Vec::new();

    findings.extend(render_problems(&site));

    let files = Files::new(&site);
    let translation_anchors = translation_anchors(&site);
    let suppressed: HashSet<(String, usize, String)> = translation_anchors
        .iter()
        .filter_map(|f| Some((f.file.clone()?, f.line?, f.anchor.clone()?)))
        .collect();
    // What the site's link policy lets a build through is a warning here.
    let link_diags = link_diags
        .errors
        .into_iter()
        .map(|d| (d, Severity::Error))
        .chain(
            link_diags
                .warnings
                .into_iter()
                .chain(link_diags.ignored)
                .map(|d| (d, Severity::Warning)),
        );
    for (d, severity) in link_diags {
        let covered = d
            .link
            .as_ref()
            .and_then(|l| l.anchor.as_ref())
            .is_some_and(|anchor| {
                suppressed.iter().any(|(file, line, a)| {
                    d.path == Path::new(file) && d.line == Some(*line) && a == anchor
                })
            });
        if !covered {
            let mut f = finding_of_diagnostic(d);
            f.severity = severity;
            findings.push(f);
        }
    }
    findings.extend(translation_anchors);
    findings.extend(ambiguous_anchors(&site));
    findings.extend(image_advice(&site));

    let commits = if opts.git && needs_commit_times(&site) {
        match git::commit_times(root) {
            Ok(t) => Some(t),
            Err(e) => {
                log::debug!("no commit times: {e}");
                None
            }
        }
    } else {
        None
    };
    let cov = Coverage::compute(&site, opts.today, commits.as_ref());
    findings.extend(translations(&site, &cov, &files, opts));
    findings.extend(facets(&site, &files));
    findings.extend(ui_strings(&site));
    if opts.external {
        findings.extend(external_links(&site, &opts.http));
    }
    let summaries: Vec<LanguageSummary> = cov.languages.iter().map(LanguageSummary::from).collect();
    Ok(Report::new(&site.config, opts, findings, &summaries))
}

/// What stops the site from rendering: every page and file but the images' resized
/// copies (encoding them would find nothing the load did not: their files were read and
/// checked then).
fn render_problems(site: &Site) -> Vec<Finding> {
    match crate::render::Renderer::new(&site.root).and_then(|r| r.site(site)) {
        Ok(_) => Vec::new(),
        // Whatever stops rendering is reported as a template problem.
        Err(Error::Site(diags)) => diags
            .into_iter()
            .map(|d| finding_of_diagnostic(d.kind(crate::error::DiagnosticKind::Template)))
            .collect(),
        Err(e) => vec![Finding::new(
            Severity::Error,
            Category::Content,
            "io",
            e.to_string(),
        )],
    }
}

/// Images without alt text and image files over 5 MB (warnings), on each page written in
/// its own language (a fallback copy's images are its source's).
fn image_advice(site: &Site) -> Vec<Finding> {
    let pages = site
        .pages
        .iter()
        .filter(|p| p.fallback_from.is_none())
        .filter_map(|p| Some((p.source.as_deref()?, p.rendered.images.as_slice())));
    // Unreadable images came with the load's errors.
    let (_, warnings) = crate::images::findings(&site.images, pages, true);
    warnings
        .into_iter()
        .map(|d| {
            let mut f = finding_of_diagnostic(d);
            f.severity = Severity::Warning;
            f
        })
        .collect()
}

/// A load diagnostic as a finding: broken links and anchors are "links" errors.
fn finding_of_diagnostic(d: Diagnostic) -> Finding {
    use crate::error::DiagnosticKind as K;
    let category = match d.kind {
        K::BrokenLink | K::MissingAnchor | K::DuplicateHeadingId => Category::Links,
        K::Content | K::Template => Category::Content,
        K::BrokenImage | K::ImageAlt | K::LargeImage => Category::Images,
    };
    let mut f = Finding::new(Severity::Error, category, d.kind.as_str(), d.message);
    f.file = Some(slash(&d.path));
    f.line = d.line;
    f.column = d.column;
    f.hint = d.hint;
    f.language = language_of_file(f.file.as_deref().unwrap_or(""));
    f
}

fn slash(p: &Path) -> String {
    crate::paths::path_to_slash(p).unwrap_or_else(|| p.display().to_string())
}

/// `zh` for `content/zh/a.md`.
fn language_of_file(file: &str) -> Option<String> {
    let rest = file.strip_prefix("content/")?;
    let (lang, _) = rest.split_once('/')?;
    Some(lang.to_string())
}

/// The text of the pages' files, read once, for lines of front-matter keys.
struct Files {
    text: HashMap<usize, String>,
}

impl Files {
    fn new(site: &Site) -> Files {
        let text = site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.fallback_from.is_none())
            .filter_map(|(i, p)| {
                let src = p.source.as_ref()?;
                let t = crate::content::read_text(&site.root.join(src), src).ok()?;
                Some((i, t))
            })
            .collect();
        Files { text }
    }

    /// The line of top-level front-matter `key` in page `i`'s file.
    fn key_line(&self, i: usize, key: &str) -> Option<usize> {
        front_matter_line(self.text.get(&i)?, key, None)
    }

    /// The line of `key:` → `sub:` (one level down) in page `i`'s file.
    fn sub_key_line(&self, i: usize, key: &str, sub: &str) -> Option<usize> {
        let t = self.text.get(&i)?;
        front_matter_line(t, key, Some(sub)).or_else(|| front_matter_line(t, key, None))
    }
}

/// The front matter's YAML lines of `text` with their 1-based file lines, if it has any.
fn front_matter_lines(text: &str) -> Vec<(usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match crate::content::front_matter::fences(text) {
        Ok(Some(f)) => text[f.yaml]
            .lines()
            .enumerate()
            .map(|(n, l)| (n + 2, l))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_key(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|r| r.trim_start().starts_with(':'))
}

/// The line of a top-level key, or of `sub` nested under it.
fn front_matter_line(text: &str, key: &str, sub: Option<&str>) -> Option<usize> {
    let lines = front_matter_lines(text);
    let at = lines.iter().position(|(_, l)| is_key(l, key))?;
    let Some(sub) = sub else {
        return Some(lines[at].0);
    };
    lines[at + 1..]
        .iter()
        .take_while(|(_, l)| l.starts_with([' ', '\t']) || l.trim().is_empty())
        .find(|(_, l)| is_key(l.trim_start(), sub))
        .map(|(n, _)| *n)
}

/// The Markdown body of a page's text and the 1-based line it starts on: what follows
/// the front matter, split as `content::front_matter` does but without parsing the YAML
/// (old versions from git may have other keys). An unclosed block counts as no block.
pub(crate) fn body_of(text: &str) -> (&str, usize) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match crate::content::front_matter::fences(text) {
        Ok(Some(f)) => (&text[f.body_start..], f.body_line),
        _ => (text, 1),
    }
}

/// Page index by (language, path under the language folder).
fn page_index(site: &Site) -> HashMap<(&str, &str), usize> {
    site.pages
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.lang.as_str(), p.rel.as_str()), i))
        .collect()
}

/// The page an anchor link of page `i` (in `lang`) points at: itself, or the page at the
/// link's path in the same language; None when that page does not exist.
fn link_target(
    index: &HashMap<(&str, &str), usize>,
    i: usize,
    lang: &str,
    link: &crate::markdown::AnchorLink,
) -> Option<usize> {
    match &link.page {
        None => Some(i),
        Some(rel) => index.get(&(lang, rel.as_str())).copied(),
    }
}

/// Links in a translation to an anchor its target lacks but the target's source has.
fn translation_anchors(site: &Site) -> Vec<Finding> {
    let default = &site.config.default_language().code;
    let index = page_index(site);
    let mut out = Vec::new();
    for (i, p) in site.pages.iter().enumerate() {
        if &p.lang == default || p.fallback_from.is_some() || p.source.is_none() {
            continue;
        }
        for link in &p.rendered.anchor_links {
            let Some(t) = link_target(&index, i, &p.lang, link) else {
                continue;
            };
            if site.pages[t].rendered.has_id(&link.anchor) {
                continue;
            }
            let Some(s) = site.in_language(t, default) else {
                continue;
            };
            if !site.pages[s].rendered.has_id(&link.anchor) {
                continue;
            }
            let target = site.pages[t].display();
            let source = site.pages[s].display();
            let heading = site.pages[s]
                .rendered
                .headings
                .iter()
                .find(|h| h.id == link.anchor)
                .map(|h| format!(" (“{}”)", h.text))
                .unwrap_or_default();
            let mut f = Finding::new(
                Severity::Error,
                Category::Links,
                "translation-anchor",
                format!(
                    "link to `#{}`: the source page {source} has this heading{heading}, but {} does not",
                    link.anchor,
                    if t == i { "this translation".to_string() } else { format!("its translation {target}") }
                ),
            );
            f.file = Some(slash(p.source.as_deref().unwrap_or(Path::new(""))));
            f.line = Some(link.line);
            f.language = Some(p.lang.clone());
            f.source = Some(source);
            f.anchor = Some(link.anchor.clone());
            f.hint = Some(format!(
                "keep the source's heading ids in translations: write `{{#{}}}` after the translated heading in {target}",
                link.anchor
            ));
            out.push(f);
        }
    }
    out
}

/// Links to a generated heading id shared (up to its `-1`, `-2` suffix) by headings with
/// the same text: the id changes when those headings are reordered.
fn ambiguous_anchors(site: &Site) -> Vec<Finding> {
    let index = page_index(site);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, p) in site.pages.iter().enumerate() {
        if p.fallback_from.is_some() || p.source.is_none() {
            continue;
        }
        for link in &p.rendered.anchor_links {
            let Some(t) = link_target(&index, i, &p.lang, link) else {
                continue;
            };
            let headings = &site.pages[t].rendered.headings;
            let Some(h) = headings.iter().find(|h| h.id == link.anchor) else {
                continue;
            };
            if h.explicit {
                continue;
            }
            let slug = slugify(&h.text);
            let same = headings
                .iter()
                .filter(|o| !o.explicit && slugify(&o.text) == slug)
                .count();
            if same < 2 || !seen.insert((i, link.line, link.anchor.clone())) {
                continue;
            }
            let mut f = Finding::new(
                Severity::Warning,
                Category::Links,
                "ambiguous-anchor",
                format!(
                    "link to `#{}` {}: {same} headings there are titled “{}”, and which one this id names depends on their order",
                    link.anchor,
                    if t == i { "on this page".to_string() } else { format!("in {}", site.pages[t].display()) },
                    h.text
                ),
            );
            f.file = Some(slash(p.source.as_deref().unwrap_or(Path::new(""))));
            f.line = Some(link.line);
            f.language = Some(p.lang.clone());
            f.anchor = Some(link.anchor.clone());
            f.hint = Some(
                "give the heading an explicit id (`## Steps {#renew-steps}`) and link to that"
                    .into(),
            );
            out.push(f);
        }
    }
    out
}

/// Whether some translation can only be dated by git (so that the one `git log` for the
/// whole site is worth running).
fn needs_commit_times(site: &Site) -> bool {
    (0..site.pages.len()).any(|i| {
        coverage::source_of(site, i)
            .is_some_and(|s| coverage::freshness(site, i, s, None) == Freshness::Unknown)
    })
}

fn date_of(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map_or_else(|| unix.to_string(), |d| d.date_naive().to_string())
}

/// Missing, outdated and untracked translations, and guides due a review.
fn translations(site: &Site, cov: &Coverage, files: &Files, opts: &CheckOptions) -> Vec<Finding> {
    let default = site.config.default_language();
    let mut out = Vec::new();
    // Git is asked once per outdated file at most, and not again once it said no.
    let mut git_ok = opts.git;
    for lc in &cov.languages {
        for &(s, fallback) in &lc.missing {
            let sp = &site.pages[s];
            let mut f = Finding::new(
                Severity::Note,
                Category::Translations,
                "missing-translation",
                match fallback {
                    Some(_) => format!(
                        "not translated yet: {} is published here in {}",
                        sp.display(),
                        default.name
                    ),
                    None => format!(
                        "not translated yet: {} is not published in this language",
                        sp.display()
                    ),
                },
            );
            f.file = Some(format!("content/{}/{}", lc.code, sp.rel));
            f.language = Some(lc.code.clone());
            f.source = Some(sp.display());
            out.push(f);
        }
        for &(i, s, basis) in &lc.outdated {
            out.push(outdated(site, files, i, s, basis, &mut git_ok));
        }
        for &(i, s) in &lc.unknown {
            let mut f = Finding::new(
                Severity::Note,
                Category::Translations,
                "freshness-unknown",
                format!(
                    "cannot tell whether this translation of {} is up to date: no `source_hash`, no `updated` dates to compare, no commit times",
                    site.pages[s].display()
                ),
            );
            f.file = Some(site.pages[i].display());
            f.language = Some(lc.code.clone());
            f.source = Some(site.pages[s].display());
            f.hint = Some(format!(
                "once it matches its source, run `waypost stamp {}`",
                site.pages[i].display()
            ));
            out.push(f);
        }
        for &i in &lc.untracked {
            let mut f = Finding::new(
                Severity::Note,
                Category::Translations,
                "no-source",
                format!("has no page in the default language ({}), so it is not tracked as a translation", default.code),
            );
            f.file = Some(site.pages[i].display());
            f.language = Some(lc.code.clone());
            f.hint =
                Some("give it the path of its source page, or the same `translation_key`".into());
            out.push(f);
        }
        for &(i, r) in &lc.stale {
            let mut f = stale(site, files, i, r);
            f.file = Some(site.pages[i].display());
            f.language = Some(lc.code.clone());
            out.push(f);
        }
    }
    out
}

/// A guide due a review (page `i`, whose review is `r`): overdue, or never reviewed.
fn stale(site: &Site, files: &Files, i: usize, r: Review) -> Finding {
    match r {
        Review::Overdue(d, days) => {
            let mut f = Finding::new(
                Severity::Warning,
                Category::Reviews,
                "stale-review",
                format!(
                    "steps last reviewed on {d}, {days} days ago (review_after_days: {})",
                    site.config.review_after_days
                ),
            );
            f.line = files.key_line(i, "reviewed");
            f.reviewed = Some(d.to_string());
            f.hint = Some("check the steps against the operator's current rules, then set `reviewed:` to that day".into());
            f
        }
        Review::Never | Review::Current(_) => {
            let mut f = Finding::new(
                Severity::Warning,
                Category::Reviews,
                "not-reviewed",
                "no `reviewed` date: the steps have never been checked",
            );
            f.hint =
                Some("check the steps, then add `reviewed: YYYY-MM-DD` to the front matter".into());
            f
        }
    }
}

/// One outdated translation, with what changed in its source when git knows.
fn outdated(
    site: &Site,
    files: &Files,
    i: usize,
    s: usize,
    basis: Basis,
    git_ok: &mut bool,
) -> Finding {
    let (t, src) = (&site.pages[i], &site.pages[s]);
    let file = t.display();
    let source = src.display();
    let mut f = Finding::new(
        Severity::Warning,
        Category::Translations,
        "outdated-translation",
        String::new(),
    );
    f.file = Some(file.clone());
    f.language = Some(t.lang.clone());
    f.source = Some(source.clone());
    f.basis = Some(basis);
    f.hint = Some(format!(
        "bring it up to date with {source}, then run `waypost stamp {file}`"
    ));
    match basis {
        Basis::Hash => {
            let stamped =
                t.fm.source_hash
                    .clone()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
            f.line = files.key_line(i, "source_hash");
            f.message = format!("outdated: {source} changed since this translation was stamped");
            f.stamped_hash = Some(stamped.clone());
            f.source_hash = Some(src.body_hash.clone());
            if *git_ok {
                match history_since(site, s, &stamped) {
                    Ok(Some((info, diff))) => {
                        f.message.push_str(&format!(
                            " (stamped version: commit {} of {}, “{}”)",
                            short(&info.commit),
                            info.date,
                            info.subject
                        ));
                        f.stamped_commit = Some(info);
                        f.diff = Some(diff);
                    }
                    Ok(None) => f.message.push_str(&format!(
                        " (the stamped version is not in the git history of {source})"
                    )),
                    Err(e) => {
                        log::debug!("no history for {source}: {e}");
                        if matches!(
                            e,
                            git::GitError::NotARepository | git::GitError::NotInstalled
                        ) {
                            *git_ok = false;
                        }
                    }
                }
            }
        }
        Basis::Updated => {
            let su = src
                .fm
                .updated
                .or(src.fm.date)
                .map(|d| d.to_string())
                .unwrap_or_default();
            let tu = t.fm.updated.map(|d| d.to_string()).unwrap_or_default();
            f.line = files.key_line(i, "updated");
            f.message = format!("outdated: {source} was updated on {su}, this translation on {tu}");
        }
        Basis::Git => {
            f.message = format!(
                "outdated: {source} was committed after this translation was last committed"
            );
        }
    }
    f
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

/// The commit whose version of source page `s` has body hash `stamped`, and the diff of
/// the body from that version to the file as it is now. `Ok(None)`: not in the history.
fn history_since(
    site: &Site,
    s: usize,
    stamped: &str,
) -> std::result::Result<Option<(CommitInfo, String)>, git::GitError> {
    let src = &site.pages[s];
    let Some(path) = &src.source else {
        return Ok(None);
    };
    let versions = git::history(&site.root, &slash(path))?;
    let Some(v) = versions
        .iter()
        .find(|v| crate::site::body_hash(body_of(&v.text).0) == stamped)
    else {
        return Ok(None);
    };
    let now = crate::content::read_text(&site.root.join(path), path).unwrap_or_default();
    let (old_body, old_line) = body_of(&v.text);
    let (new_body, new_line) = body_of(&now);
    let diff = diff::unified(old_body, old_line, new_body, new_line, 2, DIFF_LINES);
    Ok(Some((
        CommitInfo {
            commit: v.commit.clone(),
            date: date_of(v.time),
            subject: v.subject.clone(),
        },
        diff,
    )))
}

/// Facets of a translation that differ from its source's.
fn facets(site: &Site, files: &Files) -> Vec<Finding> {
    let mut out = Vec::new();
    for i in 0..site.pages.len() {
        let Some(s) = coverage::source_of(site, i) else {
            continue;
        };
        let (t, src) = (&site.pages[i].fm.facets, &site.pages[s].fm.facets);
        let norm = |v: Option<&crate::content::FacetValue>| -> Option<Vec<String>> {
            v.map(|v| {
                let mut x = v.0.clone();
                x.sort();
                x.dedup();
                x
            })
        };
        let names: BTreeSet<&String> = t.keys().chain(src.keys()).collect();
        let mut diffs = Vec::new();
        let mut first = None;
        for name in names {
            let (a, b) = (norm(t.get(name)), norm(src.get(name)));
            if a == b {
                continue;
            }
            first.get_or_insert(name.clone());
            let show = |v: &Option<Vec<String>>| match v {
                Some(v) => format!("`{}`", v.join(", ")),
                None => "nothing".to_string(),
            };
            diffs.push(format!(
                "{name}: {} here, {} in the source",
                show(&a),
                show(&b)
            ));
        }
        if diffs.is_empty() {
            continue;
        }
        let p = &site.pages[i];
        let mut f = Finding::new(
            Severity::Warning,
            Category::Facets,
            "facet-mismatch",
            format!(
                "facets differ from {}: {}",
                site.pages[s].display(),
                diffs.join("; ")
            ),
        );
        f.file = Some(p.display());
        f.line = first.and_then(|n| files.sub_key_line(i, "facets", &n));
        f.language = Some(p.lang.clone());
        f.source = Some(site.pages[s].display());
        f.hint = Some("facets name the same things in every language (`channel: store`); translate their labels in i18n/<lang>.yaml, not the values".into());
        out.push(f);
    }
    out
}

/// UI-string keys each language's file lacks.
fn ui_strings(site: &Site) -> Vec<Finding> {
    let mut out = Vec::new();
    for lang in &site.config.languages {
        let Some(keys) = site.i18n.missing.get(&lang.code) else {
            continue;
        };
        if keys.is_empty() {
            continue;
        }
        let mut keys = keys.clone();
        keys.sort();
        let shown: Vec<&str> = keys.iter().take(10).map(String::as_str).collect();
        let more = if keys.len() > shown.len() {
            format!(" and {} more", keys.len() - shown.len())
        } else {
            String::new()
        };
        let mut f = Finding::new(
            Severity::Warning,
            Category::UiStrings,
            "missing-ui-strings",
            format!(
                "{} UI string{} missing in `{}` (shown in a fallback language): {}{more}",
                keys.len(),
                if keys.len() == 1 { " is" } else { "s are" },
                lang.code,
                shown.join(", ")
            ),
        );
        f.file = Some(format!("i18n/{}.yaml", lang.code));
        f.language = Some(lang.code.clone());
        f.keys = keys;
        f.hint = Some(format!(
            "add the keys to i18n/{}.yaml; i18n/en.yaml of waypost lists them all",
            lang.code
        ));
        out.push(f);
    }
    out
}

/// `http(s)` links checked over the network.
fn external_links(site: &Site, http: &HttpOptions) -> Vec<Finding> {
    let links = external::collect(site);
    let outcomes = external::check_urls(&links, http);
    let mut out = Vec::new();
    for l in links {
        let Some(outcome) = outcomes.get(external::request_url(&l.url)) else {
            continue;
        };
        let (severity, status, message) = match outcome {
            external::Outcome::Ok(_) => continue,
            external::Outcome::Status(code) => {
                let reason = ureq::http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default();
                // Logins, bot walls and rate limits say nothing about the page itself.
                let severity = if matches!(code, 401 | 403 | 429) {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                (
                    severity,
                    Some(*code),
                    format!("external link `{}` answered {code}{reason}", l.url),
                )
            }
            external::Outcome::Failed(why) => (
                Severity::Warning,
                None,
                format!("external link `{}` could not be reached: {why}", l.url),
            ),
        };
        let mut f = Finding::new(severity, Category::ExternalLinks, "external-link", message);
        f.file = Some(l.file);
        f.line = Some(l.line);
        f.language = Some(l.lang);
        f.url = Some(l.url);
        f.status = status;
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_of_skips_front_matter_without_parsing_it() {
        assert_eq!(body_of("---\nunknown: [\n---\nBody\n"), ("Body\n", 4));
        assert_eq!(body_of("No front matter\n"), ("No front matter\n", 1));
        assert_eq!(body_of("\u{feff}---\r\na: 1\r\n...\r\nB"), ("B", 4));
        assert_eq!(body_of("---\nnever closed\n"), ("---\nnever closed\n", 1));
    }

    #[test]
    fn front_matter_lines_find_keys_and_nested_keys() {
        let text = "---\ntitle: A\nfacets:\n  channel: online\n  cost: free\nreviewed: 2026-01-01\n---\nreviewed: not this\n";
        assert_eq!(front_matter_line(text, "reviewed", None), Some(6));
        assert_eq!(front_matter_line(text, "facets", Some("cost")), Some(5));
        assert_eq!(front_matter_line(text, "facets", Some("time")), None);
        assert_eq!(front_matter_line(text, "updated", None), None);
        assert_eq!(front_matter_line("reviewed: x\n", "reviewed", None), None);
    }

    #[test]
    fn load_diagnostics_are_classified_by_their_kind_not_their_text() {
        use crate::error::DiagnosticKind;
        let f = finding_of_diagnostic(
            Diagnostic::new("content/zh/a.md", "any wording")
                .kind(DiagnosticKind::MissingAnchor)
                .at_line(3),
        );
        assert_eq!(
            (f.category, f.kind, f.line),
            (Category::Links, "missing-anchor", Some(3))
        );
        assert_eq!(f.language.as_deref(), Some("zh"));
        let f = finding_of_diagnostic(
            Diagnostic::new("content/en/a.md", "any wording").kind(DiagnosticKind::BrokenLink),
        );
        assert_eq!(f.kind, "broken-link");
        let f = finding_of_diagnostic(
            Diagnostic::new("content/en/a.md", "any wording")
                .kind(DiagnosticKind::DuplicateHeadingId),
        );
        assert_eq!(
            (f.category, f.kind),
            (Category::Links, "duplicate-heading-id")
        );
        let f = finding_of_diagnostic(Diagnostic::new(
            "content/en/a.md",
            "link to a missing page (text alone decides nothing)",
        ));
        assert_eq!((f.category, f.kind), (Category::Content, "content"));
    }
}
