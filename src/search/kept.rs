//! The search index kept in the build cache: record keys, the last bundle, the index
//! state edited by the pages that changed.
//!
//! Takes a language's pages and the cache; gives what `index_each` indexes from —
//! either the last bundle whole (no record changed), the kept index state with the
//! changed pages replaced (`edit_state`, up to `EDIT_RUNS` runs and `EDIT_PAGES` pages),
//! or an index made from every page's kept record, parsing only the pages without one
//! (`add_language_cached`). Every key is hashed from what its result is made of, so a
//! build with the cache gives the same bundle, byte for byte, as one without.

use std::sync::Mutex;

use pagefind::api::{LanguageIndex, PageRecord};
use pagefind::options::PagefindServiceConfig;

use super::bundle::Bundle;
use super::*;
use crate::cache::{Cache, Key, Kind};

/// The build cache as the search stage's memo.
impl IndexMemo for Cache {
    fn prepare<'m>(&'m self, site: &Site, lang: &str, pages: &[usize]) -> Result<Prepared<'m>> {
        add_language_cached(site, lang, pages, self)
    }
}

/// What keeps a language's new index for the next build: its last bundle (whose
/// unchanged files are reused), what the new bundle is built from, and whether the
/// index's state is kept too (not when it was an edited kept state).
pub(crate) struct Keeper<'c> {
    cache: &'c Cache,
    previous: Option<Bundle>,
    /// The last bundle's files by path, as positions in `previous`.
    old: HashMap<String, usize>,
    /// A hash of the records' keys, and the keys: the bundle is kept under the first.
    inputs: (Key, Vec<Key>),
    store_state: bool,
    /// The contents hash of every file of the new bundle, by path.
    hashes: Mutex<HashMap<String, [u8; 32]>>,
}

impl<'c> Keeper<'c> {
    fn new(
        cache: &'c Cache,
        previous: Option<Bundle>,
        inputs: (Key, Vec<Key>),
        store_state: bool,
    ) -> Keeper<'c> {
        let old = previous
            .iter()
            .flat_map(|b| b.files.iter().enumerate())
            .map(|(n, (path, _, _))| (path.clone(), n))
            .collect();
        Keeper {
            cache,
            previous,
            old,
            inputs,
            store_state,
            hashes: Mutex::new(HashMap::new()),
        }
    }

    /// The compressed bytes of the last bundle's file at `path`, if its contents were
    /// `data` (checked by their hash); either way, `data`'s hash is noted for the new
    /// bundle.
    pub(super) fn reuse(&self, path: &std::path::Path, data: &[u8]) -> Option<Vec<u8>> {
        let path = crate::paths::path_to_slash(path)?;
        let hash = crate::cache::content_hash(data);
        let found = self
            .old
            .get(path.as_str())
            .and_then(|&n| self.previous.as_ref()?.files.get(n))
            .filter(|(_, h, _)| h.as_ref() == Some(&hash))
            .map(|(_, _, contents)| contents.clone());
        self.hashes
            .lock()
            .expect("the hashes' lock")
            .insert(path, hash);
        found
    }

    /// Keeps `index`'s state, before it is finished, for the next builds to edit
    /// ([`edit_state`]), if this keeper is to: streamed into the entry a part at a
    /// time, never whole in memory.
    pub(super) fn keep_state(&self, lang: &str, index: &LanguageIndex) {
        if !self.store_state {
            return;
        }
        let started = std::time::Instant::now();
        let cache = self.cache;
        let size = cache.put_streamed(Kind::State, &state_slot(cache, lang), |out| {
            out(&state_head(&self.inputs.1))?;
            index.write_state(out)
        });
        log::debug!(
            "search {lang}: index state of {:.1} MB made and stored in {:.2} s",
            size as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }

    /// Keeps the new bundle, `files` (paths in the bundle and compressed contents).
    pub(super) fn keep_bundle(self: Box<Self>, lang: &str, files: &[(String, Vec<u8>)]) {
        let Keeper {
            cache,
            previous,
            inputs: (inputs, _),
            hashes,
            ..
        } = *self;
        drop(previous);
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
}

/// The cache key of page `i`'s record: its language, its URL and what its document is
/// made from ([`DocInputs`]; the document is a function of them and of the program,
/// whose identity every key holds).
pub(super) fn record_key(site: &Site, cache: &Cache, lang: &str, i: usize) -> Key {
    record_key_of(
        cache,
        lang,
        &bundle_url(site, lang, i),
        &doc_inputs(site, i),
    )
}

/// [`record_key`] of a page at `url` whose document is made from `d`.
pub(super) fn record_key_of(cache: &Cache, lang: &str, url: &str, d: &DocInputs<'_>) -> Key {
    // Taken apart without `..`: a field added to `DocInputs` does not compile until it
    // is part of the key.
    let DocInputs {
        lang: page_lang,
        title,
        description,
        filters,
        html,
    } = d;
    let mut h = cache.hasher(Kind::Record);
    h.field(lang.as_bytes())
        .field(url.as_bytes())
        .field(page_lang.as_bytes())
        .field(title.as_bytes())
        .field(description.as_bytes())
        .field(&(filters.len() as u64).to_le_bytes());
    for (name, value) in filters {
        h.field(name.as_bytes()).field(value.as_bytes());
    }
    h.field(html.as_bytes());
    h.key()
}

/// The record keys of `pages`, in parallel.
pub(super) fn record_keys(site: &Site, cache: &Cache, lang: &str, pages: &[usize]) -> Vec<Key> {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|&i| record_key(site, cache, lang, i))
        .collect()
}

/// The `(url, document)` pairs of `pages` and their record keys, each page's
/// [`DocInputs`] gathered once (a cold build makes every document and every key).
pub(super) fn documents_and_keys(
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
pub(super) fn bundle_inputs(cache: &Cache, lang: &str, keys: &[Key]) -> Key {
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
pub(super) fn state_slot(cache: &Cache, lang: &str) -> Key {
    cache.hasher(Kind::State).field(lang.as_bytes()).key()
}

/// The first part of a state entry: the number of records (u64 LE) and their keys; the
/// state's parts follow.
pub(super) fn state_head(keys: &[Key]) -> Vec<u8> {
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
pub(super) const EDIT_PAGES: usize = 64;

pub(super) const EDIT_RUNS: usize = 8;

/// [`add_language`] through the cache (the [`IndexMemo`] of the cache).
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
/// The state is stored (by the [`Keeper`], as the index is finished) only when it
/// was not used: an edited
/// state is not written again (that would take longer than editing it), so later
/// rebuilds replace, in the same state, the pages changed since it was made, until they
/// are too many.
pub(super) fn add_language_cached<'c>(
    site: &Site,
    lang: &str,
    pages: &[usize],
    cache: &'c Cache,
) -> Result<Prepared<'c>> {
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
        let inputs = (bundle_inputs(cache, lang, &keys), keys);
        return Ok(Prepared::Index {
            index: Box::new(index),
            keeper: Some(Box::new(Keeper::new(cache, None, inputs, true))),
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
        keeper: Some(Box::new(Keeper::new(
            cache,
            Some(previous),
            (inputs, keys),
            store_state,
        ))),
    })
}

/// A run of positions in a list.
pub(super) type Run = std::ops::Range<usize>;

/// How to turn the list `old` into `new`: runs `(in old, in new)`, in order, each
/// replacing the items of `old` in the first by those of `new` in the second, the items
/// between runs being equal. None if that takes more than `EDIT_RUNS` runs or
/// `EDIT_PAGES` items (removed and added), or if `new` has an item twice.
pub(super) fn edit_runs(old: &[Key], new: &[Key]) -> Option<Vec<(Run, Run)>> {
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
pub(super) fn edit_state(
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
pub(super) fn index_from_records(
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
pub(super) fn add_batch(
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
pub(super) fn batch_records(
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
