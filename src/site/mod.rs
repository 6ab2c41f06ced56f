//! The site model.
//!
//! Takes the site root and [`BuildOptions`]; gives a [`Site`]: every page and section of
//! every language with its URL, rendered Markdown, place in the tree (parent, children,
//! prev/next), translation group and fallback origin, plus the assets to copy and the UI
//! strings — or every problem found, all together.

pub(crate) mod coverage;
pub(crate) mod i18n;
pub(crate) mod incremental;
pub mod links;
mod load;
mod tree;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::content::{FrontMatter, Kind};
use crate::markdown::Rendered;

pub use i18n::I18n;
pub use links::LinkIndex;
pub use load::load;
pub(crate) use load::{body_hash, load_config, load_site};

/// Options of one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Include pages with `draft: true`.
    pub drafts: bool,
    /// Replaces `base_url` from site.yaml (preview deploys, `serve`).
    pub base_url: Option<String>,
    /// Broken links that the link policy lets through with a warning fail the load
    /// (`build --strict`).
    pub strict: bool,
    /// "Today", for review notices; None: see [`BuildOptions::today`].
    pub today: Option<chrono::NaiveDate>,
    /// Give the theme's stylesheet and script content-hashed names
    /// (`waypost.3f9a2c1e.css`) and link pages to those, so a deploy is never mixed with a
    /// cached older copy (`waypost build`; `serve` keeps the plain names, which its CSS
    /// swap reloads in place).
    pub fingerprint_assets: bool,
}

impl BuildOptions {
    /// The date "today" is for review notices: the one given, else `SOURCE_DATE_EPOCH`
    /// when set (reproducible builds), else the system clock.
    pub fn today(&self) -> chrono::NaiveDate {
        if let Some(d) = self.today {
            return d;
        }
        if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
        {
            if let Some(dt) = chrono::DateTime::from_timestamp(secs, 0) {
                return dt.date_naive();
            }
        }
        chrono::Utc::now().date_naive()
    }
}

/// A page or section of one language.
#[derive(Debug, Clone)]
pub struct Page {
    /// Language this page is published under.
    pub lang: String,
    /// Language its text is in: `lang`, or the source's for a fallback page.
    pub content_lang: String,
    /// Page or section.
    pub kind: Kind,
    /// Path under `content/<lang>/` (`esim/in-app.md`; the source's for a fallback).
    pub rel: String,
    /// The file it was made from, relative to the site root; None for a folder without
    /// `_index.md`.
    pub source: Option<PathBuf>,
    /// Front matter.
    pub fm: FrontMatter,
    /// Title: front matter, else first `# Heading`, else the file or folder name.
    pub title: String,
    /// Description: front matter, else the summary.
    pub description: String,
    /// URL path without the base path, unencoded segments joined: `en/esim/in-app`.
    pub path: String,
    /// Site-relative URL with base path, percent-encoded: `/guides/en/esim/in-app/`.
    pub url: String,
    /// Absolute URL.
    pub permalink: String,
    /// Output file relative to the output folder: `en/esim/in-app/index.html`.
    pub output: String,
    /// Rendered body.
    pub rendered: Rendered,
    /// 1-based line where the body starts in the source file.
    pub body_line: usize,
    /// Hash of the Markdown body (for translation tracking).
    pub body_hash: String,
    /// Enclosing section (None for a language's home).
    pub parent: Option<usize>,
    /// For sections: pages, ordered by weight then title.
    pub pages: Vec<usize>,
    /// For sections: subsections, ordered by weight then title.
    pub subsections: Vec<usize>,
    /// Previous page in the section.
    pub prev: Option<usize>,
    /// Next page in the section.
    pub next: Option<usize>,
    /// Translation group.
    pub group: usize,
    /// For a fallback page: the language of the page whose text it shows.
    pub fallback_from: Option<String>,
}

impl Page {
    /// Whether the page is made from the Markdown file `display` (relative to the site's
    /// folder, as discovery and the watcher both spell it). Compared as bytes: `Path`'s
    /// own equality walks both paths component by component, and a serve rebuild asks
    /// this of every page.
    pub(crate) fn is_from(&self, display: &Path) -> bool {
        self.source
            .as_deref()
            .is_some_and(|s| s.as_os_str() == display.as_os_str())
    }

    /// True for `_index.md` pages and folders.
    pub(crate) fn is_section(&self) -> bool {
        self.kind == Kind::Section
    }

    /// The page's folder under the language folder (`esim`).
    pub fn dir(&self) -> &str {
        crate::url::dir_of(&self.rel)
    }

    /// The file name to show in messages.
    pub fn display(&self) -> String {
        match &self.source {
            Some(p) => p.display().to_string(),
            None => format!("content/{}/{}", self.lang, self.rel),
        }
    }
}

/// Translations of one page: index of the page per language, in configured order.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// The key (`esim/in-app.md` or a `translation_key`).
    pub key: String,
    /// (language, page index) for every language the page is published in.
    pub members: Vec<(String, usize)>,
}

/// A file copied beside the pages.
#[derive(Debug, Clone)]
pub struct AssetFile {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Output path relative to the output folder.
    pub output: String,
    /// Its URL (site-relative, percent-encoded, with the base path), as pages link it.
    pub url: String,
}

/// The loaded site.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site's folder.
    pub root: PathBuf,
    /// site.yaml (with `--base-url` applied).
    pub config: Config,
    /// UI strings.
    pub i18n: I18n,
    /// All pages and sections of all languages.
    pub pages: Vec<Page>,
    /// Translation groups.
    pub groups: Vec<Group>,
    /// Files to copy from content/.
    pub assets: Vec<AssetFile>,
    /// Index of each language's home section, in configured order.
    pub homes: Vec<(String, usize)>,
    /// The image files the pages show: sizes and resized copies (`images`).
    pub images: crate::images::Catalog,
    /// URLs of pages and files, for resolving links.
    pub links: LinkIndex,
    /// Broken links the link policy lets through with a warning (sorted, each once).
    pub warnings: Vec<crate::error::Diagnostic>,
    /// The options the site was loaded with.
    pub opts: BuildOptions,
}

impl Site {
    /// Whether the build publishes offline reading: site.yaml's `offline` is on and the
    /// theme's files have content-hashed names (which the offline worker keeps without
    /// asking the network; `serve` keeps plain names, and previews must never be kept).
    pub(crate) fn offline_reading(&self) -> bool {
        self.config.offline && self.opts.fingerprint_assets
    }

    /// The home section of `lang`.
    pub fn home(&self, lang: &str) -> Option<usize> {
        self.homes.iter().find(|(l, _)| l == lang).map(|(_, i)| *i)
    }

    /// Translations of page `i` published in other languages (not fallbacks), in
    /// configured order, the page itself included.
    pub fn translations(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.groups[self.pages[i].group]
            .members
            .iter()
            .map(|(_, j)| *j)
            .filter(|j| self.pages[*j].fallback_from.is_none())
    }

    /// The hreflang alternates of page `i`: `(language, permalink)` of every translation
    /// (the page itself included, fallback copies never), then `("x-default", …)` for the
    /// default language's; empty when the page has no translation. The page's `<link
    /// rel="alternate">` tags and the sitemap both list these.
    pub fn alternates(&self, i: usize) -> Vec<(&str, &str)> {
        let translations: Vec<usize> = self.translations(i).collect();
        if translations.len() < 2 {
            return Vec::new();
        }
        let mut out: Vec<(&str, &str)> = translations
            .iter()
            .map(|&t| {
                (
                    self.pages[t].lang.as_str(),
                    self.pages[t].permalink.as_str(),
                )
            })
            .collect();
        let default = &self.config.default_language().code;
        if let Some(&d) = translations
            .iter()
            .find(|&&t| &self.pages[t].lang == default)
        {
            out.push(("x-default", self.pages[d].permalink.as_str()));
        }
        out
    }

    /// The page of the same group in `lang` (translation or fallback).
    pub(crate) fn in_language(&self, i: usize, lang: &str) -> Option<usize> {
        self.groups[self.pages[i].group]
            .members
            .iter()
            .find(|(l, _)| l == lang)
            .map(|(_, j)| *j)
    }

    /// Breadcrumbs of page `i`: its ancestors from the home down, without itself.
    pub(crate) fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.pages[i].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.pages[p].parent;
        }
        out.reverse();
        out
    }

    /// Number of pages and sections that are not fallback copies, over all languages
    /// (folders without `_index.md` and the homes included): the count `build` reports.
    pub fn page_count(&self) -> usize {
        self.pages
            .iter()
            .filter(|p| p.fallback_from.is_none())
            .count()
    }
}
