//! Search: Pagefind as a library, fed from memory.
//!
//! Takes the loaded [`Site`]; gives the [`OutputFile`]s of one Pagefind bundle per
//! language, at `/<lang>/pagefind/`. Each page is handed to Pagefind as a small HTML
//! document made from the page itself (title, facets as filters, body with heading ids
//! for sub-results) — no second pass over files on disk, and no site chrome to exclude.
//! For ranking, the document also carries the page's title key (its whole title as one
//! word, at the highest weight) and weighs body text low: a query that is a page's
//! whole title puts that page first (`BODY_WEIGHT`, `TITLE_KEY_SENTINEL`; the theme's
//! ranking options in `static/waypost.js` go with them).
//! Languages are indexed one after another, each on all cores and a batch of pages at
//! a time; a bundle's files are handed on as soon as its language is done, and the
//! index is dropped.
//!
//! Departure from the original design, which used the registry's `pagefind` crate: it
//! is a patched copy in `vendor/pagefind`
//! (`[patch.crates-io]`), whose `LanguageIndex` takes pages in batches on all cores;
//! the registry crate's API indexed one page at a time and held every page's words until
//! the end (`vendor/README.md` says what changed and what it measured).
//!
//! Left out: fallback copies (a language's index holds only its own text), pages with
//! `search: false`, pages matching `search.exclude` globs, and the whole thing when
//! `search.enabled` is false. Languages Pagefind has no stemmer for are still indexed
//! (without stemming).

use globset::{Glob, GlobSet, GlobSetBuilder};
use pagefind::api::LanguageIndex;
use pagefind::options::PagefindServiceConfig;

use crate::error::{Diagnostic, Error, Result};
use crate::markdown::escape;
use crate::output::OutputFile;
use crate::site::Site;

/// The folder of each language's bundle, under the language's folder.
pub const BUNDLE_DIR: &str = "pagefind";

/// Which pages go into the index.
pub struct Selection {
    exclude: GlobSet,
}

impl Selection {
    /// Compiles `search.exclude`.
    pub fn new(site: &Site) -> Result<Selection> {
        let mut b = GlobSetBuilder::new();
        for g in &site.config.search.exclude {
            let glob = Glob::new(g).map_err(|e| {
                Error::one(
                    Diagnostic::new("site.yaml", format!("search.exclude: bad glob `{g}`: {e}"))
                        .hint("globs are relative to content/<lang>/, e.g. `legal/**`"),
                )
            })?;
            b.add(glob);
        }
        let exclude = b.build().map_err(|e| {
            Error::one(Diagnostic::new("site.yaml", format!("search.exclude: {e}")))
        })?;
        Ok(Selection { exclude })
    }

    /// Whether page `i` is indexed.
    pub fn includes(&self, site: &Site, i: usize) -> bool {
        let p = &site.pages[i];
        site.config.search.enabled
            && p.fallback_from.is_none()
            && p.fm.search != Some(false)
            && (p.source.is_some() || !p.rendered.html.is_empty())
            && !self.exclude.is_match(&p.rel)
    }
}

/// The HTML document Pagefind indexes for page `i`.
pub fn document(site: &Site, i: usize) -> String {
    let p = &site.pages[i];
    let t = site.i18n.strings(&p.lang);
    let label = |group: &str, key: &str| -> String {
        t.get(group)
            .and_then(|g| g.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or(key)
            .to_string()
    };
    let mut doc = String::with_capacity(p.rendered.html.len() + 512);
    doc.push_str(&format!(
        "<html lang=\"{}\"><head><title>{}</title></head><body><main data-pagefind-body>",
        escape(&p.lang),
        escape(&p.title)
    ));
    // The title key first (see `TITLE_KEY_SENTINEL`), then the title, weighted like a
    // heading of the body (`HEADING_WEIGHTS`): well below the key, so that `git commit`
    // does not rival `git` for `git`.
    let key = title_key(&p.title);
    if !key.is_empty() {
        doc.push_str(&format!("<p>{TITLE_KEY_SENTINEL}{} </p>", escape(&key)));
    }
    doc.push_str(&format!(
        "<h1 data-pagefind-meta=\"title\" data-pagefind-weight=\"{}\">{}</h1>",
        HEADING_WEIGHTS[0],
        escape(&p.title)
    ));
    for (name, values) in &p.fm.facets {
        let key = label("facet_names", name);
        for v in &values.0 {
            // Pagefind splits `key:value` at the first colon; a colon in the key would
            // move the split, so it is replaced.
            doc.push_str(&format!(
                "<span data-pagefind-filter=\"{}:{}\" hidden></span>",
                escape(&key.replace(':', " ")),
                escape(&label("facet_values", v))
            ));
        }
    }
    // Table cells are separate words: keep them apart in the excerpt.
    let body = p
        .rendered
        .html
        .replace("</td>", " </td>")
        .replace("</th>", " </th>");
    doc.push_str(&format!("<div data-pagefind-weight=\"{BODY_WEIGHT}\">"));
    doc.push_str(&weigh_headings(&body));
    doc.push_str("</div>");
    doc.push_str("</main></body></html>");
    doc
}

/// Weight of body text (Pagefind's `data-pagefind-weight`): 1/24 of Pagefind's own, the
/// smallest it encodes. Pagefind scores a word by BM25, which saturates: with body words
/// at its default weight, a short page that names `git` ten times scores as high for
/// `git` as the page titled `git`, whatever the title's weight. At this weight body
/// words stay below saturation, and the title key (weight 10, the most Pagefind
/// encodes) decides. Headings keep Pagefind's ratios to body text (`HEADING_WEIGHTS`).
const BODY_WEIGHT: &str = "0.05";

/// Weights of `h1`…`h6`: Pagefind's own (7 to 2) scaled like `BODY_WEIGHT`. Inside an
/// element with an explicit weight Pagefind does not weigh headings itself.
const HEADING_WEIGHTS: [&str; 6] = ["0.3", "0.25", "0.21", "0.17", "0.13", "0.09"];

/// `html` with every heading tag given its weight from `HEADING_WEIGHTS`.
fn weigh_headings(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("<h") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let b = rest.as_bytes();
        let level = b.get(2).filter(|c| (b'1'..=b'6').contains(c));
        let boundary = b
            .get(3)
            .is_some_and(|c| *c == b'>' || c.is_ascii_whitespace());
        match level {
            Some(l) if boundary => {
                out.push_str(&rest[..3]);
                out.push_str(&format!(
                    " data-pagefind-weight=\"{}\"",
                    HEADING_WEIGHTS[usize::from(l - b'1')]
                ));
                rest = &rest[3..];
            }
            _ => {
                out.push_str("<h");
                rest = &rest[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Marks the title key in a document: the vendored Pagefind indexes the word after it
/// (`waypost patch` in `vendor/pagefind/src/fossick/mod.rs`, `TITLE_KEY_SENTINEL`).
const TITLE_KEY_SENTINEL: &str = "___WAYPOST_TITLE_KEY___";

/// A page's title as one word: its letters and digits, lower-cased.
fn title_key(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Builds every language's bundle.
pub fn index(site: &Site) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    index_each(site, |bundle| {
        files.extend(bundle);
        Ok(())
    })?;
    Ok(files)
}

/// Builds the bundles one language at a time, handing each language's files to `each`
/// as soon as they are made.
///
/// Within a language, documents are made and indexed `BATCH` (256) pages at a time, each
/// batch on all cores (the vendored Pagefind's `LanguageIndex`, see
/// `vendor/README.md`), and folded into the index before the next batch is made. A
/// language's index is finished (sorted, encoded, compressed) on its own thread while
/// the next language's pages are added, so the parts of finishing that run on one core
/// do not leave the others idle; at most two languages' indexes are in memory.
pub fn index_each(site: &Site, each: impl FnMut(Vec<OutputFile>) -> Result<()>) -> Result<()> {
    index_languages(site, None, each)
}

/// [`index_each`] for the languages in `only` (every language when None): `serve`
/// refreshes only the indexes of the languages an edit touched.
pub fn index_languages(
    site: &Site,
    only: Option<&std::collections::BTreeSet<String>>,
    mut each: impl FnMut(Vec<OutputFile>) -> Result<()>,
) -> Result<()> {
    if !site.config.search.enabled {
        return Ok(());
    }
    let selection = Selection::new(site)?;
    type Finishing<'s> = (
        &'s str,
        std::time::Instant,
        usize,
        std::thread::ScopedJoinHandle<'s, std::result::Result<Vec<OutputFile>, Diagnostic>>,
    );
    let hand_on = |(lang, started, pages, handle): Finishing<'_>,
                   each: &mut dyn FnMut(Vec<OutputFile>) -> Result<()>|
     -> Result<()> {
        let files = handle
            .join()
            .map_err(|_| {
                Error::one(Diagnostic::new(
                    format!("content/{lang}"),
                    "search index: the indexer failed",
                ))
            })?
            .map_err(Error::one)?;
        log::debug!(
            "search {lang}: {pages} pages indexed in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        each(files)
    };
    std::thread::scope(|scope| {
        let mut finishing: Option<Finishing<'_>> = None;
        for l in &site.config.languages {
            if only.is_some_and(|only| !only.contains(&l.code)) {
                continue;
            }
            let started = std::time::Instant::now();
            let pages: Vec<usize> = (0..site.pages.len())
                .filter(|&i| site.pages[i].lang == l.code && selection.includes(site, i))
                .collect();
            let index = add_language(site, &l.code, &pages).map_err(Error::one)?;
            if let Some(f) = finishing.take() {
                hand_on(f, &mut each)?;
            }
            let lang = l.code.as_str();
            let handle = scope.spawn(move || finish_language(lang, index));
            finishing = Some((lang, started, pages.len(), handle));
        }
        match finishing.take() {
            Some(f) => hand_on(f, &mut each),
            None => Ok(()),
        }
    })
}

/// Bundles with no pages, one per language: the search box loads without errors until
/// the first index is ready (`serve`).
pub fn empty_bundles(site: &Site) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    for l in &site.config.languages {
        let index = add_language(site, &l.code, &[]).map_err(Error::one)?;
        files.extend(finish_language(&l.code, index).map_err(Error::one)?);
    }
    Ok(files)
}

/// Pages per batch: enough to keep every core busy, few enough that a batch's documents
/// and parsed words stay small next to the index.
const BATCH: usize = 256;

/// gzip level of the index files. Pagefind's own writer uses 9; on this data 6 makes
/// the files about 1 % larger and compresses several times faster.
const GZIP_LEVEL: u32 = 6;

fn search_error(lang: &str, what: &str, e: anyhow::Error) -> Diagnostic {
    Diagnostic::new(
        format!("content/{lang}"),
        format!("search index: {what}: {e:#}"),
    )
}

/// Adds `pages` (all of language `lang`) to a new index of that language.
fn add_language(
    site: &Site,
    lang: &str,
    pages: &[usize],
) -> std::result::Result<LanguageIndex, Diagnostic> {
    use rayon::prelude::*;
    let config = PagefindServiceConfig::builder().build();
    let mut index = LanguageIndex::new(Some(config), lang.to_string())
        .map_err(|e| search_error(lang, "setup", e))?;
    // URL relative to the language folder: Pagefind's script prefixes the bundle's
    // parent folder, so the index works under any base path or host.
    let prefix = format!(
        "{}/{}/",
        site.config.base_path,
        crate::markdown::links::encode_segment(lang)
    );
    for batch in pages.chunks(BATCH) {
        let docs: Vec<(String, String)> = batch
            .par_iter()
            .map(|&i| {
                let url = &site.pages[i].url;
                let rel = url.strip_prefix(&prefix).unwrap_or(url);
                (format!("/{rel}"), document(site, i))
            })
            .collect();
        index
            .add_html_files(docs)
            .map_err(|e| search_error(lang, "adding pages", e))?;
    }
    Ok(index)
}

/// Builds the index into the files of the language's bundle. Pagefind's API is async,
/// its work is not (it runs on rayon): a small runtime drives it.
fn finish_language(
    lang: &str,
    index: LanguageIndex,
) -> std::result::Result<Vec<OutputFile>, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(lang, "cannot start the indexer", e.into()))?;
    let files = runtime
        .block_on(index.into_files(GZIP_LEVEL))
        .map_err(|e| search_error(lang, "building", e))?;
    Ok(files
        .into_iter()
        .map(|f| {
            let rel = crate::content::discover::path_to_slash(&f.filename)
                .unwrap_or_else(|| f.filename.to_string_lossy().into_owned());
            OutputFile::bytes(format!("{lang}/{BUNDLE_DIR}/{rel}"), f.contents)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_key_is_the_whole_title_as_one_lower_case_word() {
        assert_eq!(title_key("git"), "git");
        assert_eq!(title_key("git-clean"), "gitclean");
        assert_eq!(title_key("Get an eSIM"), "getanesim");
        assert_eq!(title_key("Ádb"), "ádb");
        assert_eq!(title_key("携号转网，保留原号码"), "携号转网保留原号码");
        assert_eq!(title_key("—"), "");
    }

    #[test]
    fn headings_keep_pagefinds_ratios_inside_the_low_weight_body() {
        assert_eq!(
            weigh_headings("<h2 id=\"a\">A</h2><p>x</p><h3>B</h3><hr><h7>"),
            "<h2 data-pagefind-weight=\"0.25\" id=\"a\">A</h2><p>x</p>\
             <h3 data-pagefind-weight=\"0.21\">B</h3><hr><h7>"
        );
    }
}
