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
//! Submodules: `document` (each page's search document, and which pages are indexed),
//! `kept` (the build cache as this stage's [`IndexMemo`]: what it keeps of an index, and
//! how a rebuild uses it), `bundle` (the kept bundle's byte format), `words` (the
//! language's words beside its bundle, for the theme's typo tolerance). This file and
//! `document` do not know the cache: the pipeline hands the stage a memo.
//!
//! Left out: fallback copies (a language's index holds only its own text), pages with
//! `search: false`, pages matching `search.exclude` globs, and the whole thing when
//! `search.enabled` is false. Languages Pagefind has no stemmer for are still indexed
//! (without stemming).

use std::collections::HashMap;

use pagefind::api::LanguageIndex;
use pagefind::options::PagefindServiceConfig;

use crate::error::{Diagnostic, Error, Result};
use crate::html::escape;
use crate::output::OutputFile;
use crate::site::Site;
pub use document::document;
use document::*;
use kept::Keeper;
use words::vocabulary;
pub(crate) use words::WORDS_FILE;

mod bundle;
mod document;
mod kept;
mod words;

pub(crate) use crate::url::SEARCH_BUNDLE_DIR as BUNDLE_DIR;

/// Builds the bundles one language at a time, handing each language's files to `each`
/// as soon as they are made.
///
/// Within a language, documents are made and indexed `BATCH` (256) pages at a time, each
/// batch on all cores (the vendored Pagefind's `LanguageIndex`, see
/// `vendor/README.md`), and folded into the index before the next batch is made. A
/// language's index is finished (sorted, encoded, compressed) on its own thread while
/// the next language's pages are added, so the parts of finishing that run on one core
/// do not leave the others idle; at most two languages' indexes are in memory.
///
/// With a `memo` that keeps indexes (the build cache, through `search::kept`), a page
/// whose document is unchanged is not parsed again (its record is kept), a language
/// none of whose records changed takes its last bundle as it is, a language of which
/// few pages changed edits its kept index state instead of adding every page again,
/// and an index file whose contents are unchanged is not compressed again.
///
/// Only the languages in `only` are indexed (every language when None): `serve`
/// refreshes only the indexes of the languages an edit touched.
pub(crate) fn index_each(
    site: &Site,
    only: Option<&std::collections::BTreeSet<String>>,
    memo: &dyn IndexMemo,
    mut each: impl FnMut(Vec<OutputFile>) -> Result<()>,
) -> Result<()> {
    if !site.config.search.enabled {
        return Ok(());
    }
    let selection = Selection::new(site)?;
    // A language being finished: its code, how long adding its pages took, how many,
    // and the thread finishing it (which says how long that took).
    type Finishing<'s> = (
        &'s str,
        std::time::Duration,
        usize,
        std::thread::ScopedJoinHandle<'s, Result<(Vec<OutputFile>, std::time::Duration)>>,
    );
    let hand_on = |(lang, adding, pages, handle): Finishing<'_>,
                   each: &mut dyn FnMut(Vec<OutputFile>) -> Result<()>|
     -> Result<()> {
        let (files, finishing) = handle
            .join()
            .map_err(|_| search_error(lang, "the indexer failed", None))??;
        log::debug!(
            "search {lang}: {pages} pages indexed in {:.2} s (adding {:.2} s, finishing {:.2} s)",
            (adding + finishing).as_secs_f64(),
            adding.as_secs_f64(),
            finishing.as_secs_f64()
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
            let lang = l.code.as_str();
            let prepared = memo.prepare(site, lang, &pages)?;
            let adding = started.elapsed();
            if let Some(f) = finishing.take() {
                hand_on(f, &mut each)?;
            }
            let count = pages.len();
            let handle = scope.spawn(move || {
                let started = std::time::Instant::now();
                let files = match prepared {
                    Prepared::Done(files) => files,
                    Prepared::Index { index, keeper } => {
                        use rayon::prelude::*;
                        let words = vocabulary(pages.par_iter().map(|&i| doc_inputs(site, i)));
                        finish_language(lang, *index, words, keeper)?
                    }
                };
                Ok((files, started.elapsed()))
            });
            finishing = Some((lang, adding, count, handle));
        }
        match finishing.take() {
            Some(f) => hand_on(f, &mut each),
            None => Ok(()),
        }
    })
}

/// What the search stage asks of the pipeline's memo for each language: the
/// language's pages added to an index (from what an earlier build kept of it, where
/// that still holds), or the language's files whole when nothing changed. The build
/// cache is one (`search::kept`); `()` keeps nothing and adds every page.
pub(crate) trait IndexMemo: Sync {
    /// The pages `pages` (all of language `lang`, in order) added: see the trait docs.
    fn prepare<'m>(&'m self, site: &Site, lang: &str, pages: &[usize]) -> Result<Prepared<'m>>;
}

/// No memo: every page is parsed and added, nothing is kept.
impl IndexMemo for () {
    fn prepare<'m>(&'m self, site: &Site, lang: &str, pages: &[usize]) -> Result<Prepared<'m>> {
        Ok(Prepared::Index {
            index: Box::new(add_language(site, lang, pages)?),
            keeper: None,
        })
    }
}

/// A language's pages, added: an index to finish (with what keeps its results, if
/// anything does), or its files whole.
pub(crate) enum Prepared<'m> {
    Index {
        index: Box<LanguageIndex>,
        keeper: Option<Box<Keeper<'m>>>,
    },
    Done(Vec<OutputFile>),
}

/// Bundles with no pages, one per language: the search box loads without errors until
/// the first index is ready (`serve`).
pub(crate) fn empty_bundles(site: &Site) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    for l in &site.config.languages {
        let index = add_language(site, &l.code, &[])?;
        files.extend(finish_language(&l.code, index, Vec::new(), None)?);
    }
    Ok(files)
}

/// Pages per batch: enough to keep every core busy, few enough that a batch's documents
/// and parsed words stay small next to the index.
const BATCH: usize = 256;

/// gzip level of the index files. Pagefind's own writer uses 9; on this data 6 makes
/// the files about 1 % larger and compresses several times faster.
const GZIP_LEVEL: u32 = 6;

fn search_error(lang: &str, what: &str, e: Option<anyhow::Error>) -> Error {
    Error::Search {
        lang: lang.to_string(),
        message: match e {
            Some(e) => format!("{what}: {e:#}"),
            None => what.to_string(),
        },
    }
}

fn new_index(lang: &str) -> Result<LanguageIndex> {
    let config = PagefindServiceConfig::builder().build();
    LanguageIndex::new(Some(config), lang.to_string())
        .map_err(|e| search_error(lang, "setup", Some(e)))
}

/// Adds `pages` (all of language `lang`) to a new index of that language.
fn add_language(site: &Site, lang: &str, pages: &[usize]) -> Result<LanguageIndex> {
    let mut index = new_index(lang)?;
    for batch in pages.chunks(BATCH) {
        index
            .add_html_files(documents(site, lang, batch))
            .map_err(|e| search_error(lang, "adding pages", Some(e)))?;
    }
    Ok(index)
}

/// Builds the index into the files of the language's bundle, with `words` (the
/// language's [`WORDS_FILE`]) beside them. Pagefind's API is async, its work is not (it
/// runs on rayon): a small runtime drives it.
///
/// With a `keeper` (the memo's, for this language), an index file unchanged since the
/// last bundle takes its compressed bytes from there, the index's state before it is
/// finished is kept when the keeper asks for it (first, on this thread), and the new
/// bundle is kept for the next build.
fn finish_language(
    lang: &str,
    index: LanguageIndex,
    words: Vec<u8>,
    keeper: Option<Box<Keeper<'_>>>,
) -> Result<Vec<OutputFile>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(lang, "cannot start the indexer", Some(e.into())))?;
    if let Some(keeper) = &keeper {
        keeper.keep_state(lang, &index);
    }
    let reuse = |path: &std::path::Path, data: &[u8]| -> Option<Vec<u8>> {
        keeper.as_ref()?.reuse(path, data)
    };
    let files = runtime
        .block_on(index.into_files_reusing(GZIP_LEVEL, &reuse))
        .map_err(|e| search_error(lang, "building", Some(e)))?;
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|f| {
            let rel = crate::paths::path_to_slash(&f.filename)
                .unwrap_or_else(|| f.filename.to_string_lossy().into_owned());
            (rel, f.contents)
        })
        .chain([(WORDS_FILE.to_string(), words)])
        .collect();
    if let Some(keeper) = keeper {
        keeper.keep_bundle(lang, &files);
    }
    Ok(files
        .into_iter()
        .map(|(rel, contents)| OutputFile::bytes(format!("{lang}/{BUNDLE_DIR}/{rel}"), contents))
        .collect())
}

#[cfg(test)]
mod tests;
