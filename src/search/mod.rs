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

use std::collections::HashMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use pagefind::api::{LanguageIndex, PageRecord};
use pagefind::options::PagefindServiceConfig;

use crate::cache::{Cache, Key, Kind};
use bundle::Bundle;

mod bundle;
use crate::error::{Diagnostic, Error, Result};
use crate::markdown::escape;
use crate::output::OutputFile;
use crate::site::Site;

/// The folder of each language's bundle, under the language's folder.
pub(crate) const BUNDLE_DIR: &str = "pagefind";

/// Which pages go into the index.
pub(crate) struct Selection {
    exclude: GlobSet,
}

impl Selection {
    /// Compiles `search.exclude`.
    pub(crate) fn new(site: &Site) -> Result<Selection> {
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
    pub(crate) fn includes(&self, site: &Site, i: usize) -> bool {
        let p = &site.pages[i];
        site.config.search.enabled
            && p.fallback_from.is_none()
            && p.fm.search != Some(false)
            && (p.source.is_some() || !p.rendered.html.is_empty())
            && !self.exclude.is_match(&p.rel)
    }
}

/// Everything a page's search document is made from: [`write_document`] writes the
/// document from this alone, and [`record_key`] hashes it, so the cache key of a page's
/// record is made without making the document.
struct DocInputs<'s> {
    lang: &'s str,
    title: &'s str,
    /// Pagefind filters, `(name, value)`, as the page's facets' labels.
    filters: Vec<(String, String)>,
    /// The rendered body.
    html: &'s str,
}

fn doc_inputs(site: &Site, i: usize) -> DocInputs<'_> {
    let p = &site.pages[i];
    let label = |group: &str, key: &str| site.i18n.label(&p.lang, group, key).to_string();
    let mut filters = Vec::new();
    for (name, values) in &p.fm.facets {
        let key = label("facet_names", name);
        for v in &values.0 {
            filters.push((key.clone(), label("facet_values", v)));
        }
    }
    DocInputs {
        lang: &p.lang,
        title: &p.title,
        filters,
        html: &p.rendered.html,
    }
}

/// The HTML document Pagefind indexes for page `i`.
pub fn document(site: &Site, i: usize) -> String {
    write_document(&doc_inputs(site, i))
}

/// The document made from `d` (see [`document`]).
fn write_document(d: &DocInputs<'_>) -> String {
    let mut doc = String::with_capacity(d.html.len() + 512);
    doc.push_str(&format!(
        "<html lang=\"{}\"><head><title>{}</title></head><body><main data-pagefind-body>",
        escape(d.lang),
        escape(d.title)
    ));
    // The title key first (see `TITLE_KEY_SENTINEL`), then the title, weighted like a
    // heading of the body (`HEADING_WEIGHTS`): well below the key, so that `git commit`
    // does not rival `git` for `git`.
    let key = title_key(d.title);
    if !key.is_empty() {
        doc.push_str(&format!("<p>{TITLE_KEY_SENTINEL}{} </p>", escape(&key)));
    }
    doc.push_str(&format!(
        "<h1 data-pagefind-meta=\"title\" data-pagefind-weight=\"{}\">{}</h1>",
        HEADING_WEIGHTS[0],
        escape(d.title)
    ));
    for (name, value) in &d.filters {
        // Pagefind splits `key:value` at the first colon; a colon in the key would
        // move the split, so it is replaced.
        doc.push_str(&format!(
            "<span data-pagefind-filter=\"{}:{}\" hidden></span>",
            escape(&name.replace(':', " ")),
            escape(value)
        ));
    }
    // Table cells are separate words: keep them apart in the excerpt.
    let body = if d.html.contains("</t") {
        std::borrow::Cow::Owned(d.html.replace("</td>", " </td>").replace("</th>", " </th>"))
    } else {
        std::borrow::Cow::Borrowed(d.html)
    };
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
/// With a `cache`, a page whose document is unchanged is not parsed again (its record
/// is kept), a language none of whose records changed takes its last bundle as it is,
/// a language of which few pages changed edits its kept index state instead of adding
/// every page again, and an index file whose contents are unchanged is not compressed
/// again.
///
/// Only the languages in `only` are indexed (every language when None): `serve`
/// refreshes only the indexes of the languages an edit touched.
pub(crate) fn index_each(
    site: &Site,
    only: Option<&std::collections::BTreeSet<String>>,
    cache: Option<&Cache>,
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
            let prepared = match cache {
                Some(cache) => add_language_cached(site, lang, &pages, cache),
                None => add_language(site, lang, &pages).map(|index| Prepared::Index {
                    index: Box::new(index),
                    previous: None,
                    inputs: None,
                    store_state: false,
                }),
            }?;
            let adding = started.elapsed();
            if let Some(f) = finishing.take() {
                hand_on(f, &mut each)?;
            }
            let handle = scope.spawn(move || {
                let started = std::time::Instant::now();
                let files = match prepared {
                    Prepared::Done(files) => files,
                    Prepared::Index {
                        index,
                        previous,
                        inputs,
                        store_state,
                    } => finish_language(lang, *index, previous, inputs.zip(cache), store_state)?,
                };
                Ok((files, started.elapsed()))
            });
            finishing = Some((lang, adding, pages.len(), handle));
        }
        match finishing.take() {
            Some(f) => hand_on(f, &mut each),
            None => Ok(()),
        }
    })
}

/// A language's pages, added: an index to finish, or (from the cache) its files.
enum Prepared {
    Index {
        index: Box<LanguageIndex>,
        /// The language's last bundle, whose unchanged files are reused.
        previous: Option<Bundle>,
        /// What the bundle is built from (a hash of its records' keys, and the keys), to
        /// keep it in the cache under.
        inputs: Option<(Key, Vec<Key>)>,
        /// Whether to keep the index's state (not when it was an edited kept state).
        store_state: bool,
    },
    Done(Vec<OutputFile>),
}

/// Bundles with no pages, one per language: the search box loads without errors until
/// the first index is ready (`serve`).
pub(crate) fn empty_bundles(site: &Site) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    for l in &site.config.languages {
        let index = add_language(site, &l.code, &[])?;
        files.extend(finish_language(&l.code, index, None, None, false)?);
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

/// The URL Pagefind keeps for a page: relative to the language folder, as Pagefind's
/// script prefixes the bundle's parent folder, so the index works under any base path
/// or host.
fn bundle_url(site: &Site, lang: &str, i: usize) -> String {
    let prefix = crate::url::language_url(&site.config.base_path, lang);
    let url = &site.pages[i].url;
    let rel = url.strip_prefix(&prefix).unwrap_or(url);
    format!("/{rel}")
}

fn new_index(lang: &str) -> Result<LanguageIndex> {
    let config = PagefindServiceConfig::builder().build();
    LanguageIndex::new(Some(config), lang.to_string())
        .map_err(|e| search_error(lang, "setup", Some(e)))
}

/// The `(url, document)` pairs Pagefind parses for `pages` of language `lang`, made in
/// parallel.
fn documents(site: &Site, lang: &str, pages: &[usize]) -> Vec<(String, String)> {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|&i| (bundle_url(site, lang, i), document(site, i)))
        .collect()
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

/// The cache key of page `i`'s record: its language, its URL and what its document is
/// made from ([`DocInputs`]; the document is a function of them and of the program,
/// whose identity every key holds).
fn record_key(site: &Site, cache: &Cache, lang: &str, i: usize) -> Key {
    record_key_of(
        cache,
        lang,
        &bundle_url(site, lang, i),
        &doc_inputs(site, i),
    )
}

/// [`record_key`] of a page at `url` whose document is made from `d`.
fn record_key_of(cache: &Cache, lang: &str, url: &str, d: &DocInputs<'_>) -> Key {
    let mut h = cache.hasher(Kind::Record);
    h.field(lang.as_bytes())
        .field(url.as_bytes())
        .field(d.lang.as_bytes())
        .field(d.title.as_bytes())
        .field(&(d.filters.len() as u64).to_le_bytes());
    for (name, value) in &d.filters {
        h.field(name.as_bytes()).field(value.as_bytes());
    }
    h.field(d.html.as_bytes());
    h.key()
}

/// The record keys of `pages`, in parallel.
fn record_keys(site: &Site, cache: &Cache, lang: &str, pages: &[usize]) -> Vec<Key> {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|&i| record_key(site, cache, lang, i))
        .collect()
}

/// The `(url, document)` pairs of `pages` and their record keys, each page's
/// [`DocInputs`] gathered once (a cold build makes every document and every key).
fn documents_and_keys(
    site: &Site,
    cache: &Cache,
    lang: &str,
    pages: &[usize],
) -> (Vec<(String, String)>, Vec<Key>) {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|&i| {
            let (url, d) = (bundle_url(site, lang, i), doc_inputs(site, i));
            let key = record_key_of(cache, lang, &url, &d);
            ((url, write_document(&d)), key)
        })
        .unzip()
}

/// The cache key of what a language's bundle is built from: the records' keys in order.
fn bundle_inputs(cache: &Cache, lang: &str, keys: &[Key]) -> Key {
    let mut inputs = cache.hasher(Kind::Bundle);
    inputs
        .field(lang.as_bytes())
        .field(&GZIP_LEVEL.to_le_bytes());
    for k in keys {
        inputs.field(&k.0);
    }
    inputs.key()
}

/// The key under which a language's index state is kept ([`Kind::State`]): one slot
/// per language, like its bundle. The entry holds the keys of the records the state
/// was made from, in order, then the state's bytes ([`state_head`]).
fn state_slot(cache: &Cache, lang: &str) -> Key {
    cache.hasher(Kind::State).field(lang.as_bytes()).key()
}

/// The first part of a state entry: the number of records (u64 LE) and their keys; the
/// state's parts follow.
fn state_head(keys: &[Key]) -> Vec<u8> {
    let mut head = Vec::with_capacity(8 + 32 * keys.len());
    head.extend_from_slice(&(keys.len() as u64).to_le_bytes());
    for k in keys {
        head.extend_from_slice(&k.0);
    }
    head
}

/// Most pages a rebuild may remove from, and add to, a language's kept index state
/// (counted together, over every changed run of pages), and most runs of changed
/// pages; with more, the index is made again from the records (and its state kept
/// instead). Reading the state and replacing a few pages takes a fraction of adding
/// 5,000 records.
const EDIT_PAGES: usize = 64;
const EDIT_RUNS: usize = 8;

/// [`add_language`] through the cache.
///
/// Without a bundle from the last build, pages are taken a batch at a time: their
/// documents are made, their record keys too, and each page is added from its kept
/// record or parsed (and its record kept), so a cold build makes each document once.
///
/// With one, every page's record key is made first, from what its document is made of
/// (no document is made). If the keys are those the bundle was built from, in
/// order, the bundle is the result. Otherwise, if the language's kept index state was
/// made from nearly the same records ([`edit_state`]), only the pages that differ are
/// replaced in it; else the index is made from every page's kept record, parsing only
/// pages without one. So a rebuild after an edit parses only the edited pages, and
/// usually adds only them.
///
/// The state is stored by [`finish_language`] only when it was not used: an edited
/// state is not written again (that would take longer than editing it), so later
/// rebuilds replace, in the same state, the pages changed since it was made, until they
/// are too many.
fn add_language_cached(
    site: &Site,
    lang: &str,
    pages: &[usize],
    cache: &Cache,
) -> Result<Prepared> {
    let slot = cache.bundle_slot(lang);
    let previous = cache.recall(Kind::Bundle, &slot, |bytes| {
        Bundle::decode(&bytes).ok_or_else(|| "not a search bundle".to_string())
    });
    let Some(previous) = previous else {
        let mut index = new_index(lang)?;
        let mut keys: Vec<Key> = Vec::with_capacity(pages.len());
        for batch in pages.chunks(BATCH) {
            let (docs, batch_keys) = documents_and_keys(site, cache, lang, batch);
            add_batch(
                site,
                lang,
                cache,
                &mut index,
                batch,
                &batch_keys,
                Some(docs),
            )?;
            keys.extend(batch_keys);
        }
        return Ok(Prepared::Index {
            index: Box::new(index),
            previous: None,
            inputs: Some((bundle_inputs(cache, lang, &keys), keys)),
            store_state: true,
        });
    };
    // Keys only: no document is made for a page whose record is kept.
    let keys = record_keys(site, cache, lang, pages);
    let inputs = bundle_inputs(cache, lang, &keys);
    // Whatever the path, the records are this build's: keep them for the next.
    for k in &keys {
        cache.keep(Kind::Record, k);
    }
    if previous.inputs == inputs {
        cache.keep(Kind::State, &state_slot(cache, lang));
        return Ok(Prepared::Done(
            previous
                .files
                .into_iter()
                .map(|(path, _, contents)| {
                    OutputFile::bytes(format!("{lang}/{BUNDLE_DIR}/{path}"), contents)
                })
                .collect(),
        ));
    }
    let (index, store_state) = match edit_state(site, lang, cache, pages, &keys)? {
        Some(index) => (index, false),
        None => (index_from_records(site, lang, cache, pages, &keys)?, true),
    };
    Ok(Prepared::Index {
        index: Box::new(index),
        previous: Some(previous),
        inputs: Some((inputs, keys)),
        store_state,
    })
}

/// A run of positions in a list.
type Run = std::ops::Range<usize>;

/// How to turn the list `old` into `new`: runs `(in old, in new)`, in order, each
/// replacing the items of `old` in the first by those of `new` in the second, the items
/// between runs being equal. None if that takes more than `EDIT_RUNS` runs or
/// `EDIT_PAGES` items (removed and added), or if `new` has an item twice.
fn edit_runs(old: &[Key], new: &[Key]) -> Option<Vec<(Run, Run)>> {
    let mut at: HashMap<&Key, usize> = HashMap::with_capacity(new.len());
    for (n, k) in new.iter().enumerate() {
        if at.insert(k, n).is_some() {
            return None;
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut runs = Vec::new();
    let mut changed = 0;
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            i += 1;
            j += 1;
            continue;
        }
        // The run ends at the next old item found in `new` from `j` on.
        let mut i2 = i;
        let j2 = loop {
            if i2 == old.len() {
                break new.len();
            }
            if let Some(&j2) = at.get(&old[i2]).filter(|&&j2| j2 >= j) {
                break j2;
            }
            i2 += 1;
            if i2 - i > EDIT_PAGES {
                return None;
            }
        };
        changed += (i2 - i) + (j2 - j);
        runs.push((i..i2, j..j2));
        if changed > EDIT_PAGES || runs.len() > EDIT_RUNS {
            return None;
        }
        (i, j) = (i2, j2);
    }
    Some(runs)
}

/// The language's kept index state, with the pages that differ between the records it
/// was made from and `pages` (record keys `keys`) replaced ([`edit_runs`]). None if
/// there is no state or too much differs; a state that cannot be read is reported and
/// deleted.
fn edit_state(
    site: &Site,
    lang: &str,
    cache: &Cache,
    pages: &[usize],
    keys: &[Key],
) -> Result<Option<LanguageIndex>> {
    let slot = state_slot(cache, lang);
    let Some(bytes) = cache.get(Kind::State, &slot) else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let old: Option<Vec<Key>> = (|| {
        let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
        let end = n.checked_mul(32)?.checked_add(8)?;
        let keys = bytes.get(8..end)?.chunks_exact(32);
        Some(keys.map(|k| Key(k.try_into().expect("32 bytes"))).collect())
    })();
    let Some(old) = old else {
        cache.discard(Kind::State, &slot, "not a search index state");
        return Ok(None);
    };
    let Some(runs) = edit_runs(&old, keys) else {
        return Ok(None);
    };
    let config = PagefindServiceConfig::builder().build();
    let state = &bytes[8 + 32 * old.len()..];
    let index =
        LanguageIndex::from_state(Some(config), lang.to_string(), state).and_then(|index| {
            match index.record_count() == old.len() {
                true => Ok(index),
                false => Err(anyhow::anyhow!(
                    "{} records, and {} keys",
                    index.record_count(),
                    old.len()
                )),
            }
        });
    drop(bytes);
    let mut index = match index {
        Ok(index) => index,
        Err(e) => {
            cache.discard(
                Kind::State,
                &slot,
                &format!("not a search index state: {e:#}"),
            );
            return Ok(None);
        }
    };
    let read = started.elapsed();
    // The new pages' records, then the runs replaced from the last (so that the
    // earlier runs' positions hold).
    let new: Vec<usize> = runs.iter().flat_map(|(_, new)| new.clone()).collect();
    let new_pages: Vec<usize> = new.iter().map(|&n| pages[n]).collect();
    let new_keys: Vec<Key> = new.iter().map(|&n| keys[n]).collect();
    let mut records = batch_records(site, lang, cache, &index, &new_pages, &new_keys, None)?;
    let (mut removed, added) = (0, records.len());
    for (old, new) in runs.iter().rev() {
        removed += old.len();
        let run = records.split_off(records.len() - new.len());
        index
            .replace_records(old.clone(), run)
            .map_err(|e| search_error(lang, "editing the index", Some(e)))?;
    }
    log::debug!(
        "search {lang}: index state read in {:.2} s, {removed} pages replaced by {added} \
         ({} runs) in {:.2} s",
        read.as_secs_f64(),
        runs.len(),
        (started.elapsed() - read).as_secs_f64()
    );
    Ok(Some(index))
}

/// A new index of `pages` (record keys `keys`), from their kept records (a page without
/// one is parsed).
fn index_from_records(
    site: &Site,
    lang: &str,
    cache: &Cache,
    pages: &[usize],
    keys: &[Key],
) -> Result<LanguageIndex> {
    let mut index = new_index(lang)?;
    for (batch, batch_keys) in pages.chunks(BATCH).zip(keys.chunks(BATCH)) {
        add_batch(site, lang, cache, &mut index, batch, batch_keys, None)?;
    }
    Ok(index)
}

/// Adds the pages `batch` (record keys `keys`) to `index`: each from its kept record,
/// or parsed from its document (from `docs`, or made again) and kept.
fn add_batch(
    site: &Site,
    lang: &str,
    cache: &Cache,
    index: &mut LanguageIndex,
    batch: &[usize],
    keys: &[Key],
    docs: Option<Vec<(String, String)>>,
) -> Result<()> {
    let records = batch_records(site, lang, cache, index, batch, keys, docs)?;
    index.add_records(records);
    Ok(())
}

/// The records of the pages `batch` (record keys `keys`): each kept one, or parsed
/// (by `parser`) from its document (from `docs`, or made again) and kept.
fn batch_records(
    site: &Site,
    lang: &str,
    cache: &Cache,
    parser: &LanguageIndex,
    batch: &[usize],
    keys: &[Key],
    docs: Option<Vec<(String, String)>>,
) -> Result<Vec<PageRecord>> {
    use rayon::prelude::*;
    let found: Vec<Option<PageRecord>> = keys
        .par_iter()
        .map(|k| {
            cache.recall(Kind::Record, k, |bytes| {
                PageRecord::from_bytes(&bytes).map_err(|e| format!("not a page record: {e}"))
            })
        })
        .collect();
    let missing: Vec<usize> = (0..batch.len()).filter(|&n| found[n].is_none()).collect();
    let to_parse: Vec<(String, String)> = match docs {
        Some(mut docs) => missing
            .iter()
            .map(|&n| std::mem::take(&mut docs[n]))
            .collect(),
        None => {
            let pages: Vec<usize> = missing.iter().map(|&n| batch[n]).collect();
            documents(site, lang, &pages)
        }
    };
    let parsed = parser
        .parse_html_files(to_parse)
        .map_err(|e| search_error(lang, "adding pages", Some(e)))?;
    parsed
        .par_iter()
        .zip(missing.par_iter())
        .for_each(|(record, &n)| cache.put(Kind::Record, &keys[n], &record.to_bytes()));
    let mut parsed = parsed.into_iter();
    Ok(found
        .into_iter()
        .map(|r| r.unwrap_or_else(|| parsed.next().expect("one record per missing page")))
        .collect())
}

/// Builds the index into the files of the language's bundle. Pagefind's API is async,
/// its work is not (it runs on rayon): a small runtime drives it.
///
/// With `previous` (the language's last bundle), an index file whose path (a hash of
/// its contents) and contents (checked by their own hash) are unchanged takes its
/// compressed bytes from there. With `keep`, the new bundle is stored for the next build,
/// and with `store_state` too, the index's state before it is finished (for
/// [`edit_state`]), first, on this thread.
fn finish_language(
    lang: &str,
    index: LanguageIndex,
    previous: Option<Bundle>,
    keep: Option<((Key, Vec<Key>), &Cache)>,
    store_state: bool,
) -> Result<Vec<OutputFile>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(lang, "cannot start the indexer", Some(e.into())))?;
    let old: std::collections::HashMap<&str, (&[u8; 32], &[u8])> = previous
        .as_ref()
        .map(|b| {
            b.files
                .iter()
                .filter_map(|(path, hash, contents)| {
                    Some((path.as_str(), (hash.as_ref()?, contents.as_slice())))
                })
                .collect()
        })
        .unwrap_or_default();
    let hashes = std::sync::Mutex::new(std::collections::HashMap::new());
    let keeping = keep.is_some();
    let reuse = |path: &std::path::Path, data: &[u8]| -> Option<Vec<u8>> {
        if !keeping {
            return None;
        }
        let path = crate::paths::path_to_slash(path)?;
        let hash = crate::cache::content_hash(data);
        let found = old
            .get(path.as_str())
            .filter(|(h, _)| **h == hash)
            .map(|(_, contents)| contents.to_vec());
        hashes.lock().expect("the hashes' lock").insert(path, hash);
        found
    };
    if let Some(((_, records), cache)) = keep.as_ref().filter(|_| store_state) {
        // The index before it is finished, for the next builds to edit
        // (`add_language_cached`): written here, on the finishing thread.
        // Streamed into the entry a part at a time: never whole in memory.
        let started = std::time::Instant::now();
        let size = cache.put_streamed(Kind::State, &state_slot(cache, lang), |out| {
            out(&state_head(records))?;
            index.write_state(out)
        });
        log::debug!(
            "search {lang}: index state of {:.1} MB made and stored in {:.2} s",
            size as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
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
        .collect();
    drop(previous);
    if let Some(((inputs, _), cache)) = keep {
        let hashes = hashes.into_inner().expect("the hashes' lock");
        let heads = Bundle::heads(
            &inputs,
            files
                .iter()
                .map(|(path, contents)| (path.as_str(), hashes.get(path), contents.len())),
        );
        let parts = Bundle::parts(&heads, files.iter().map(|f| f.1.as_slice()));
        cache.put_parts(Kind::Bundle, &cache.bundle_slot(lang), &parts);
    }
    Ok(files
        .into_iter()
        .map(|(rel, contents)| OutputFile::bytes(format!("{lang}/{BUNDLE_DIR}/{rel}"), contents))
        .collect())
}

#[cfg(test)]
mod tests;
