//! Translation coverage and review freshness.
//!
//! Takes a loaded [`Site`], today's date and, optionally, the time of the last commit of
//! each content file; gives, per language, the pages it has, the source pages it lacks,
//! the translations that are behind their source and the guides due a review. Pure (no
//! I/O): `waypost check` passes commit times from git, the build passes none so that the
//! `/<lang>/status/` page and the "outdated" notice never depend on git.
//!
//! The rules, in order, for a translation of a default-language page (its *source*):
//! 1. front matter `source_hash` (written by `waypost stamp`): outdated exactly when it
//!    differs from the source's [`body_hash`](crate::site::body_hash);
//! 2. else the translation's `updated` against the source's `updated` (else `date`):
//!    outdated when older;
//! 3. else the last commit times of the two files (check only): outdated when older;
//! 4. else it cannot tell.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::content::{Date, Kind};
use crate::site::Site;

/// What decided whether a translation is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The stamped `source_hash` against the source's body hash.
    Hash,
    /// Front matter `updated` against the source's `updated`/`date`.
    Updated,
    /// The last commit times of the two files.
    Git,
}

impl Basis {
    /// `hash`, `updated` or `git`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Hash => "hash",
            Basis::Updated => "updated",
            Basis::Git => "git",
        }
    }
}

/// Whether a translation is behind its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Made from the current source.
    Current(Basis),
    /// The source changed after the translation was made.
    Outdated(Basis),
    /// Neither a stamp, nor dates, nor commit times to tell.
    Unknown,
}

/// Where a guide stands with its `reviewed` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Reviewed within `review_after_days`.
    Current(Date),
    /// Reviewed longer ago than `review_after_days`: the date and how many days ago.
    Overdue(Date, i64),
    /// No `reviewed` date.
    Never,
}

/// Last commit time (Unix seconds) per content file, keyed like `content/en/a.md`.
pub(crate) type CommitTimes = HashMap<String, i64>;

/// The coverage of one language.
#[derive(Debug, Clone)]
pub struct LanguageCoverage {
    /// Language code.
    pub code: String,
    /// Language name.
    pub name: String,
    /// Whether this is the default (source) language.
    pub default: bool,
    /// Pages and sections written in this language (files, not fallback copies).
    pub pages: usize,
    /// Pages and sections of the default language, the ones to translate.
    pub sources: usize,
    /// Of those, how many have a translation in this language.
    pub translated: usize,
    /// Source pages without a translation here: (source page, the fallback copy published
    /// in this language if any).
    pub missing: Vec<(usize, Option<usize>)>,
    /// Translations behind their source: (translation, source, basis).
    pub outdated: Vec<(usize, usize, Basis)>,
    /// Translations whose freshness cannot be told: (translation, source).
    pub unknown: Vec<(usize, usize)>,
    /// Pages of this language with no page in the default language.
    pub untracked: Vec<usize>,
    /// Guides due a review: (page, review state), overdue or never reviewed.
    pub stale: Vec<(usize, Review)>,
}

impl LanguageCoverage {
    /// Translated share of the source pages, in percent with one decimal, rounded down so
    /// that an incomplete language never shows 100.
    pub fn percent(&self) -> f64 {
        if self.sources == 0 {
            return 100.0;
        }
        let tenths = (self.translated as u64 * 1000) / self.sources as u64;
        tenths as f64 / 10.0
    }
}

/// Coverage of every language, in configured order.
#[derive(Debug, Clone)]
pub(crate) struct Coverage {
    /// One entry per configured language.
    pub languages: Vec<LanguageCoverage>,
}

/// A page is "translatable" when it has its own file and is not a fallback copy.
fn own(site: &Site, i: usize) -> bool {
    let p = &site.pages[i];
    p.fallback_from.is_none() && p.source.is_some()
}

/// `content/en/a.md` for a page with a file.
pub(crate) fn file_key(site: &Site, i: usize) -> Option<String> {
    site.pages[i]
        .source
        .as_deref()
        .and_then(crate::paths::path_to_slash)
}

/// The default-language page translation `i` is made from, when `i` is a translation
/// (its own file, not in the default language) and that page has a file.
pub(crate) fn source_of(site: &Site, i: usize) -> Option<usize> {
    let default = &site.config.default_language().code;
    if !own(site, i) || &site.pages[i].lang == default {
        return None;
    }
    let s = site.in_language(i, default)?;
    own(site, s).then_some(s)
}

/// Whether translation `i` is behind its source `s` (see the module docs for the rules).
pub(crate) fn freshness(
    site: &Site,
    i: usize,
    s: usize,
    commits: Option<&CommitTimes>,
) -> Freshness {
    let (t, src) = (&site.pages[i], &site.pages[s]);
    if let Some(h) = &t.fm.source_hash {
        return if h.trim().eq_ignore_ascii_case(&src.body_hash) {
            Freshness::Current(Basis::Hash)
        } else {
            Freshness::Outdated(Basis::Hash)
        };
    }
    if let (Some(tu), Some(su)) = (t.fm.updated, src.fm.updated.or(src.fm.date)) {
        return if tu < su {
            Freshness::Outdated(Basis::Updated)
        } else {
            Freshness::Current(Basis::Updated)
        };
    }
    if let Some(times) = commits {
        let tt = file_key(site, i).and_then(|k| times.get(&k).copied());
        let st = file_key(site, s).and_then(|k| times.get(&k).copied());
        if let (Some(tt), Some(st)) = (tt, st) {
            return if tt < st {
                Freshness::Outdated(Basis::Git)
            } else {
                Freshness::Current(Basis::Git)
            };
        }
    }
    Freshness::Unknown
}

/// The source page of `i` when `i` is an outdated translation by its stamp or its dates
/// (never git): what the built site's "outdated" notice links to.
pub(crate) fn outdated_source(site: &Site, i: usize) -> Option<usize> {
    let s = source_of(site, i)?;
    matches!(freshness(site, i, s, None), Freshness::Outdated(_)).then_some(s)
}

/// The review state of page `i` when it is a guide (a page, not a section, with its own
/// file); None otherwise.
pub(crate) fn review(site: &Site, i: usize, today: NaiveDate) -> Option<Review> {
    let p = &site.pages[i];
    if p.kind != Kind::Page || !own(site, i) {
        return None;
    }
    Some(match p.fm.reviewed {
        None => Review::Never,
        Some(d) => {
            let age = (today - d.0).num_days();
            if age > i64::from(site.config.review_after_days) {
                Review::Overdue(d, age)
            } else {
                Review::Current(d)
            }
        }
    })
}

impl Coverage {
    /// Computes the coverage of every language. `commits` adds the git rule.
    pub(crate) fn compute(
        site: &Site,
        today: NaiveDate,
        commits: Option<&CommitTimes>,
    ) -> Coverage {
        let default = site.config.default_language().code.clone();
        // Pages sorted by file path, so that every list below comes out sorted.
        let mut order: Vec<usize> = (0..site.pages.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&site.pages[a], &site.pages[b]);
            (&pa.rel, &pa.lang).cmp(&(&pb.rel, &pb.lang))
        });
        let sources: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| site.pages[i].lang == default && own(site, i))
            .collect();
        let languages = site
            .config
            .languages
            .iter()
            .map(|lang| {
                let is_default = lang.code == default;
                let mut c = LanguageCoverage {
                    code: lang.code.clone(),
                    name: lang.name.clone(),
                    default: is_default,
                    pages: 0,
                    sources: sources.len(),
                    translated: 0,
                    missing: Vec::new(),
                    outdated: Vec::new(),
                    unknown: Vec::new(),
                    untracked: Vec::new(),
                    stale: Vec::new(),
                };
                for &i in &order {
                    let p = &site.pages[i];
                    if p.lang != lang.code || !own(site, i) {
                        continue;
                    }
                    c.pages += 1;
                    if let Some(r @ (Review::Overdue(..) | Review::Never)) = review(site, i, today)
                    {
                        c.stale.push((i, r));
                    }
                    if is_default {
                        continue;
                    }
                    match source_of(site, i) {
                        None => c.untracked.push(i),
                        Some(s) => match freshness(site, i, s, commits) {
                            Freshness::Current(_) => {}
                            Freshness::Outdated(b) => c.outdated.push((i, s, b)),
                            Freshness::Unknown => c.unknown.push((i, s)),
                        },
                    }
                }
                for &s in &sources {
                    match site.in_language(s, &lang.code) {
                        Some(j) if own(site, j) => c.translated += 1,
                        Some(j) => c.missing.push((s, Some(j))),
                        None => c.missing.push((s, None)),
                    }
                }
                c
            })
            .collect();
        Coverage { languages }
    }

    /// The coverage of `lang`.
    pub(crate) fn language(&self, lang: &str) -> Option<&LanguageCoverage> {
        self.languages.iter().find(|l| l.code == lang)
    }
}

/// One row of the status page's summary table.
#[derive(Debug, Serialize)]
pub(crate) struct StatusRow {
    code: String,
    name: String,
    dir: &'static str,
    url: String,
    current: bool,
    default: bool,
    pages: usize,
    sources: usize,
    translated: usize,
    percent: String,
    missing: usize,
    outdated: usize,
    stale: usize,
}

/// A page listed on the status page.
#[derive(Debug, Serialize)]
pub(crate) struct StatusPage {
    title: String,
    url: String,
    /// The file, relative to the site root (`content/zh/a.md`), or where it would go.
    file: String,
    /// The source page's URL (translations).
    source_url: Option<String>,
    /// For stale guides: the ISO date of the last review, if any.
    reviewed: Option<String>,
    /// What told that a translation is outdated (`hash`, `updated`).
    basis: Option<&'static str>,
}

/// What `templates/status.html` gets as `status`.
#[derive(Debug, Serialize)]
pub(crate) struct StatusView {
    code: String,
    default: bool,
    languages: Vec<StatusRow>,
    missing: Vec<StatusPage>,
    outdated: Vec<StatusPage>,
    unknown: Vec<StatusPage>,
    stale: Vec<StatusPage>,
}

impl Coverage {
    /// The view of the status page of `lang`.
    pub(crate) fn status_view(&self, site: &Site, lang: &str) -> StatusView {
        let base = &site.config.base_path;
        let languages = self
            .languages
            .iter()
            .map(|l| StatusRow {
                code: l.code.clone(),
                name: l.name.clone(),
                dir: site
                    .config
                    .language(&l.code)
                    .map_or("ltr", |x| x.direction().as_str()),
                url: format!("{}status/", crate::url::language_url(base, &l.code)),
                current: l.code == lang,
                default: l.default,
                pages: l.pages,
                sources: l.sources,
                translated: l.translated,
                percent: format!("{}%", l.percent()),
                missing: l.missing.len(),
                outdated: l.outdated.len(),
                stale: l.stale.len(),
            })
            .collect();
        let page = |i: usize, source: Option<usize>| {
            let p = &site.pages[i];
            StatusPage {
                title: p.title.clone(),
                url: p.url.clone(),
                file: file_key(site, i).unwrap_or_else(|| p.display()),
                source_url: source.map(|s| site.pages[s].url.clone()),
                reviewed: None,
                basis: None,
            }
        };
        let mut view = StatusView {
            code: lang.to_string(),
            default: false,
            languages,
            missing: Vec::new(),
            outdated: Vec::new(),
            unknown: Vec::new(),
            stale: Vec::new(),
        };
        let Some(c) = self.language(lang) else {
            return view;
        };
        view.default = c.default;
        view.missing = c
            .missing
            .iter()
            .map(|&(s, fallback)| {
                let sp = &site.pages[s];
                StatusPage {
                    title: sp.title.clone(),
                    url: fallback.map_or_else(|| sp.url.clone(), |f| site.pages[f].url.clone()),
                    file: format!("content/{lang}/{}", sp.rel),
                    source_url: Some(sp.url.clone()),
                    reviewed: None,
                    basis: None,
                }
            })
            .collect();
        view.outdated = c
            .outdated
            .iter()
            .map(|&(i, s, b)| StatusPage {
                basis: Some(b.as_str()),
                ..page(i, Some(s))
            })
            .collect();
        view.unknown = c.unknown.iter().map(|&(i, s)| page(i, Some(s))).collect();
        view.stale = c
            .stale
            .iter()
            .map(|&(i, r)| StatusPage {
                reviewed: match r {
                    Review::Overdue(d, _) | Review::Current(d) => Some(d.to_string()),
                    Review::Never => None,
                },
                ..page(i, None)
            })
            .collect();
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cov(translated: usize, sources: usize) -> LanguageCoverage {
        LanguageCoverage {
            code: "zh".into(),
            name: "中文".into(),
            default: false,
            pages: translated,
            sources,
            translated,
            missing: Vec::new(),
            outdated: Vec::new(),
            unknown: Vec::new(),
            untracked: Vec::new(),
            stale: Vec::new(),
        }
    }

    #[test]
    fn percent_rounds_down_and_never_shows_a_gap_as_complete() {
        assert_eq!(cov(7, 22).percent(), 31.8);
        assert_eq!(cov(999, 1000).percent(), 99.9);
        assert_eq!(cov(1999, 2000).percent(), 99.9);
        assert_eq!(cov(3, 3).percent(), 100.0);
        assert_eq!(cov(0, 0).percent(), 100.0);
    }
}
