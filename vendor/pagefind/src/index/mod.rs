use hashbrown::HashMap;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use crate::{
    fossick::{FossickedData, FossickedWord, MetaFossickedWord},
    index::index_metadata::MetaFilter,
    // waypost patch: the byte form of page records, also the index state's.
    service::api::record::{Reader, Writer},
    utils::full_hash,
    SearchOptions,
};
use anyhow::{bail, Result};
use index_filter::{FilterIndex, PackedValue};
use index_metadata::{MetaChunk, MetaIndex, MetaPage};
use index_words::{PackedPage, PackedVariant, PackedWord, WordIndex};

use self::index_metadata::MetaSort;

mod index_filter;
mod index_metadata;
mod index_words;

pub struct PagefindIndexes {
    pub word_indexes: HashMap<String, Vec<u8>>,
    pub filter_indexes: HashMap<String, Vec<u8>>,
    pub meta_index: (String, Vec<u8>),
    pub fragments: Vec<(String, String)>,
    pub sorts: Vec<String>,
    pub language: String,
    pub word_count: usize,
    pub page_count: usize,
}

#[derive(Clone)]
struct IntermediaryPageData {
    full_hash: String,
    encoded_data: String,
    word_count: usize,
    page_number: usize,
}

#[derive(Debug)]
enum SortType {
    String,
    Number,
}

/// Results from processing a single page in parallel.
/// Contains the word map, filter entries, and encoded page data for one page.
struct PageProcessingResult {
    /// The page's words, split by [`shard_of`] (waypost patch: merged shard by shard,
    /// in parallel).
    word_shards: Vec<Vec<(String, PackedWord)>>,
    filter_entries: Vec<(String, String, usize)>, // (filter, value, page_number)
    encoded_page: IntermediaryPageData,
    /// The page's meta field names, in the order of the field ids its `meta_locs` use.
    meta_keys: Vec<String>,
    sort: BTreeMap<String, String>,
}

pub async fn build_indexes(
    pages: Vec<FossickedData>,
    language: String,
    options: &SearchOptions,
) -> Result<PagefindIndexes> {
    let mut builder = IndexBuilder::new(language);
    builder.add_pages(pages);
    builder.finish(options)
}

/// waypost patch: the index of one language, built a batch of pages at a time, and
/// editable: pages can be replaced, inserted and removed anywhere
/// ([`IndexBuilder::replace_pages`]), and the state kept as bytes between builds
/// ([`IndexBuilder::to_bytes`], [`IndexBuilder::from_bytes`]).
///
/// Upstream builds an index from every page's fossicked data at once, so all of it
/// (word positions, ~200 KB a page for Chinese) is in memory together, and then again
/// as per-page word maps. The builder folds each batch into the index's word map as it
/// comes: only the batch being added and the index itself are held. Pages are numbered
/// in order. Meta fields are numbered per page while adding and renumbered into the
/// index's sorted list of fields by [`IndexBuilder::finish`]; both lists are sorted, so
/// the renumbering keeps the order `meta_locs` are encoded in.
///
/// Nothing in the state depends on the order pages were added in, only on their
/// numbers: every page list (of a word, a variant, a filter value, the sorts) is kept
/// sorted by page number, and what upstream decides in the order pages come (the order
/// of a word's variants, the short hashes of fragments) is decided by `finish`, in page
/// order. So an edited state finishes into the same bytes as a full build of the same
/// pages.
pub struct IndexBuilder {
    language: String,
    next_page: usize,
    /// The index's words, split by [`shard_of`] so batches merge on all cores. Each
    /// page list is sorted by page number.
    word_shards: Vec<HashMap<String, PackedWord>>,
    /// filter → value → pages (sorted).
    filter_map: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Each page's fragment, by page number (short hashes are given by `finish`).
    page_fragments: Vec<IntermediaryPageData>,
    /// Meta field names of each page, by page number.
    page_meta_keys: Vec<Vec<String>>,
    /// Sort values of the pages that have any: (page number, values), by page number.
    page_sorts: Vec<(usize, BTreeMap<String, String>)>,
}

impl IndexBuilder {
    pub fn new(language: String) -> Self {
        Self {
            language,
            next_page: 0,
            word_shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
            filter_map: HashMap::new(),
            page_fragments: Vec::new(),
            page_meta_keys: Vec::new(),
            page_sorts: Vec::new(),
        }
    }

    /// Pages in the index.
    pub fn page_count(&self) -> usize {
        self.next_page
    }

    /// Adds a batch of pages (numbered from the pages already added, in order), each
    /// processed on all cores, then merged into the index (waypost patch: as
    /// [`IndexBuilder::replace_pages`] of no pages at the end).
    pub fn add_pages(&mut self, pages: Vec<FossickedData>) {
        let end = self.next_page;
        self.replace_pages(end..end, pages);
    }

    /// waypost patch: replaces the pages numbered `range` by `pages` (numbered from
    /// `range.start`, in order); the pages after them are renumbered. Removing the
    /// old pages takes one pass over the index; the new ones are processed on all
    /// cores and merged in, as [`IndexBuilder::add_pages`] does.
    pub fn replace_pages(&mut self, range: std::ops::Range<usize>, mut pages: Vec<FossickedData>) {
        assert!(
            range.start <= range.end && range.end <= self.next_page,
            "pages {range:?} of an index of {}",
            self.next_page
        );
        let (start, end, added) = (range.start, range.end, pages.len());
        if start < self.next_page {
            self.remove_pages(start, end, added);
        }
        for (n, page) in pages.iter_mut().enumerate() {
            page.fragment.page_number = start + n;
        }
        self.next_page = self.next_page - (end - start) + added;
        let language_ref = &self.language;

        // Process pages in parallel - each page builds its own word map
        let page_results: Vec<PageProcessingResult> = pages
            .into_par_iter()
            .map(|page| process_page(page, language_ref))
            .collect();

        // Words: each shard of the index takes its part of every page, in page order,
        // shards in parallel.
        let mut by_shard: Vec<Vec<Vec<(String, PackedWord)>>> = (0..SHARDS)
            .map(|_| Vec::with_capacity(page_results.len()))
            .collect();
        let rest: Vec<PageRest> = page_results
            .into_iter()
            .map(|result| {
                for (shard, words) in by_shard.iter_mut().zip(result.word_shards) {
                    shard.push(words);
                }
                PageRest {
                    filter_entries: result.filter_entries,
                    encoded_page: result.encoded_page,
                    meta_keys: result.meta_keys,
                    sort: result.sort,
                }
            })
            .collect();
        self.word_shards
            .par_iter_mut()
            .zip(by_shard.into_par_iter())
            .for_each(|(map, pages)| {
                for words in pages {
                    merge_words(map, words);
                }
            });

        // The rest sequentially, in page order
        let mut fragments = Vec::with_capacity(added);
        let mut meta_keys = Vec::with_capacity(added);
        let mut sorts = Vec::new();
        for result in rest {
            let page_number = result.encoded_page.page_number;
            for (filter, value, page_number) in result.filter_entries {
                insert_sorted_number(
                    self.filter_map
                        .entry(filter)
                        .or_default()
                        .entry(value)
                        .or_default(),
                    page_number,
                );
            }
            meta_keys.push(result.meta_keys);
            if !result.sort.is_empty() {
                sorts.push((page_number, result.sort));
            }
            fragments.push(result.encoded_page);
        }
        self.page_meta_keys.splice(start..end, meta_keys);
        self.page_fragments.splice(start..end, fragments);
        let at = self.page_sorts.partition_point(|(p, _)| *p < start);
        self.page_sorts.splice(at..at, sorts);
        debug_assert_eq!(self.page_meta_keys.len(), self.next_page);
        debug_assert_eq!(self.page_fragments.len(), self.next_page);
    }

    /// waypost patch: removes pages `start..end` from the words, filters, sorts and
    /// fragments, and renumbers the later pages as if `added` pages took their place
    /// (the page lists stay sorted). Words, variants, filter values and filters left
    /// without pages are dropped, as a full build never makes them.
    fn remove_pages(&mut self, start: usize, end: usize, added: usize) {
        let renumber = |n: usize| n - end + start + added;
        self.word_shards.par_iter_mut().for_each(|map| {
            map.retain(|_, word| {
                remove_postings(&mut word.pages, start, end, added);
                word.additional_variants.retain_mut(|v| {
                    remove_postings(&mut v.pages, start, end, added);
                    !v.pages.is_empty()
                });
                !word.pages.is_empty() || !word.additional_variants.is_empty()
            });
        });
        self.filter_map.retain(|_, values| {
            values.retain(|_, pages| {
                let a = pages.partition_point(|&p| p < start);
                let b = pages.partition_point(|&p| p < end);
                pages.drain(a..b);
                for p in &mut pages[a..] {
                    *p = renumber(*p);
                }
                !pages.is_empty()
            });
            !values.is_empty()
        });
        let a = self.page_sorts.partition_point(|(p, _)| *p < start);
        let b = self.page_sorts.partition_point(|(p, _)| *p < end);
        self.page_sorts.drain(a..b);
        for (p, _) in &mut self.page_sorts[a..] {
            *p = renumber(*p);
        }
        for fragment in &mut self.page_fragments[end..] {
            fragment.page_number = renumber(fragment.page_number);
        }
    }

    /// Builds the index files' contents from the pages added.
    pub fn finish(self, options: &SearchOptions) -> Result<PagefindIndexes> {
        let IndexBuilder {
            language,
            next_page: _,
            word_shards,
            filter_map,
            page_fragments,
            page_meta_keys,
            page_sorts,
        } = self;

        // waypost patch: fragments' short hashes, given in page order (upstream gave
        // them as pages were added, which was page order too), so that they do not
        // depend on the order an edited index's pages were added in.
        let mut fragment_hashes: HashMap<String, IntermediaryPageData> = HashMap::new();
        let mut fragments: Vec<(usize, (String, IntermediaryPageData))> = Vec::new();
        for encoded_page in page_fragments {
            let mut short_hash = &encoded_page.full_hash[0..=(language.len() + 7)];

            // If we hit a collision, extend one until we stop colliding
            // TODO: There are some collision issues here.
            // If two builds match a collision in different orders the hashes will swap,
            // which could return incorrect data due to files being cached.
            while let Some(collision) = fragment_hashes.get(short_hash) {
                if collision.full_hash == encoded_page.full_hash {
                    // These pages are identical. Add both under the same hash.
                    fragments.push((
                        collision.word_count,
                        (collision.full_hash.clone(), collision.clone()),
                    ));
                } else {
                    let new_length = short_hash.len();
                    short_hash = &encoded_page.full_hash[0..=new_length];
                }
            }
            fragment_hashes.insert(short_hash.to_string(), encoded_page);
        }

        let mut meta = MetaIndex {
            version: options.version.into(),
            pages: Vec::new(),
            index_chunks: Vec::new(),
            filters: Vec::new(),
            sorts: Vec::new(),
            meta_fields: Vec::new(),
        };

        // Get all possible sort keys
        let mut sorts: Vec<_> = page_sorts
            .iter()
            .flat_map(|(_, sort)| sort.keys().cloned())
            .collect();
        sorts.sort_unstable();
        sorts.dedup();

        // Determine the best sorting parser that fits all available values for each given key
        let mut sort_types: BTreeMap<String, SortType> = BTreeMap::new();
        for sort in sorts.iter() {
            let mut sort_values = page_sorts.iter().flat_map(|(_, s)| s.get(sort));
            sort_types.insert(
                sort.clone(),
                if sort_values.all(|v| parse_int_sort(v).is_some() || parse_float_sort(v).is_some())
                {
                    SortType::Number
                } else {
                    SortType::String
                },
            );
        }

        for (sort_key, sort_type) in sort_types {
            let mut page_values: Vec<_> = page_sorts
                .iter()
                .flat_map(|(page_number, sort)| sort.get(&sort_key).map(|v| (v, *page_number)))
                .collect();
            options.logger.v_info(format!(
                "Prebuilding sort order for {sort_key}, processed as type: {sort_type:#?}"
            ));
            match sort_type {
                SortType::String => page_values.sort_by_key(|p| p.0),
                SortType::Number => page_values.sort_by(|p1, p2| {
                    let p1 = parse_int_sort(p1.0)
                        .map(|i| i as f32)
                        .unwrap_or_else(|| parse_float_sort(p1.0).unwrap_or_default());
                    let p2 = parse_int_sort(p2.0)
                        .map(|i| i as f32)
                        .unwrap_or_else(|| parse_float_sort(p2.0).unwrap_or_default());

                    p1.total_cmp(&p2)
                }),
            }
            meta.sorts.push(MetaSort {
                sort: sort_key,
                pages: page_values.into_iter().map(|p| p.1).collect(),
            });
        }

        let mut words: Vec<PackedWord> = word_shards
            .into_iter()
            .flat_map(|shard| shard.into_values())
            .collect();
        meta.meta_fields = renumber_meta_fields(&mut words, page_meta_keys);
        // Sort pages within each word by page_number to maintain correct order after parallel processing
        words.par_iter_mut().for_each(|packed_word| {
            packed_word.pages.sort_by_key(|p| p.page_number);
            for variant in &mut packed_word.additional_variants {
                variant.pages.sort_by_key(|p| p.page_number);
            }
            // waypost patch: variants in full-build order, however pages were added.
            sort_variants(&mut packed_word.additional_variants);
        });

        fragments.extend(
            fragment_hashes
                .into_iter()
                .map(|(hash, frag)| (frag.word_count, (hash, frag))),
        );
        fragments.sort_by_cached_key(|(_, (_, fragment))| fragment.page_number);

        let page_count = fragments.len();
        let mut final_fragments = Vec::new();

        if let Some(max_fragments) = options
            .max_fragments
            .filter(|&m| m > 0 && (m as usize) < fragments.len())
        {
            let group_size = (fragments.len() as f32 / max_fragments as f32).ceil() as usize;
            options.logger.info(format!(
                "Bundling {} fragments into groups of {}, resulting in {} files",
                fragments.len(),
                group_size,
                fragments.chunks(group_size).len()
            ));
            let mut group_hashes: BTreeSet<String> = BTreeSet::new();
            for chunk in fragments.chunks(group_size) {
                let mut group_map = BTreeMap::new();
                for (_, (hash, frag)) in chunk {
                    let val: serde_json::Value = serde_json::from_str(&frag.encoded_data).unwrap();
                    group_map.insert(hash.clone(), val);
                }
                let group_json = serde_json::to_string(&group_map).unwrap();
                let prefix = format!("{language}_group_");
                let group_hash = format!("{prefix}{}", full_hash(group_json.as_bytes()));

                // If we hit a collision, extend one hash until we stop colliding
                let mut hash_length = 7;
                let mut short_group_hash = &group_hash[..prefix.len() + hash_length];
                while group_hashes.contains(short_group_hash) && hash_length < 40 {
                    hash_length += 1;
                    short_group_hash = &group_hash[..prefix.len() + hash_length];
                }
                group_hashes.insert(short_group_hash.to_string());

                final_fragments.push((short_group_hash.to_string(), group_json));

                for (word_count, (hash, _)) in chunk {
                    meta.pages.push(MetaPage {
                        hash: hash.clone(),
                        word_count: *word_count as u32,
                        group_hash: short_group_hash.to_string(),
                    });
                }
            }
        } else {
            for (word_count, (hash, frag)) in fragments {
                final_fragments.push((hash.clone(), frag.encoded_data));
                meta.pages.push(MetaPage {
                    hash: hash.clone(),
                    word_count: word_count as u32,
                    group_hash: "".into(),
                });
            }
        }

        // Encode filter indexes in parallel
        // Accumulate into HashMap for O(1) inserts, then sort once before encoding
        // to produce a stable hash without paying BTreeMap's per-insert overhead.
        let mut filter_map_vec: Vec<_> = filter_map.into_iter().collect();
        filter_map_vec.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        let encoded_filters: Vec<(String, Vec<u8>, String)> = filter_map_vec
            .into_par_iter()
            .map(|(filter, values)| {
                let mut sorted_values: Vec<_> = values.into_iter().collect();
                sorted_values.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
                let mut filter_index: Vec<u8> = Vec::new();
                let _ = minicbor::encode::<FilterIndex, &mut Vec<u8>>(
                    FilterIndex {
                        filter: filter.clone(),
                        values: sorted_values
                            .into_iter()
                            .map(|(value, pages)| PackedValue { value, pages })
                            .collect(),
                    },
                    filter_index.as_mut(),
                );
                let hash = format!("{}_{}", language, full_hash(&filter_index));
                (filter, filter_index, hash)
            })
            .collect();

        // Handle hash collisions sequentially (required for correctness)
        let mut filter_indexes = HashMap::new();
        for (filter, filter_index, hash) in encoded_filters {
            let mut short_hash = &hash[0..=(language.len() + 7)];

            // If we hit a collision, extend one hash until we stop colliding
            // TODO: DRY
            while filter_indexes.contains_key(short_hash) {
                let new_length = short_hash.len() + 1;
                short_hash = &hash[0..=new_length];

                if short_hash.len() == hash.len() {
                    break;
                }
            }
            filter_indexes.insert(short_hash.to_string(), filter_index);
            meta.filters.push(MetaFilter {
                filter,
                hash: short_hash.to_string(),
            })
        }

        if TryInto::<u32>::try_into(meta.pages.len()).is_err() {
            options.logger.error(format!(
                "Language {} has too many documents to index, must be < {}",
                language,
                u32::MAX
            ));
            bail!(
                "Language {language} has too many documents to index, must be < {}",
                u32::MAX
            );
        }

        // TODO: Parameterize these chunk sizes via byte size rather than word count
        let word_count = words.len();
        let chunks = chunk_words(words, options.index_chunk_size);
        meta.index_chunks = chunk_meta(&chunks);

        // Encode word index chunks in parallel (delta encoding + CBOR serialization)
        let encoded_chunks: Vec<(usize, Vec<u8>, String)> = chunks
            .into_par_iter()
            .enumerate()
            .map(|(i, chunk)| {
                // Delta-encode page numbers within each word's page list
                let delta_chunk: Vec<PackedWord> = chunk
                    .into_iter()
                    .map(|mut word| {
                        let mut last_page: usize = 0;
                        for page in &mut word.pages {
                            let delta = page.page_number - last_page;
                            last_page = page.page_number;
                            page.page_number = delta;
                        }
                        // Also handle additional_variants
                        for variant in &mut word.additional_variants {
                            let mut last_page: usize = 0;
                            for page in &mut variant.pages {
                                let delta = page.page_number - last_page;
                                last_page = page.page_number;
                                page.page_number = delta;
                            }
                        }
                        word
                    })
                    .collect();

                let mut word_index: Vec<u8> = Vec::new();
                let _ = minicbor::encode::<WordIndex, &mut Vec<u8>>(
                    WordIndex { words: delta_chunk },
                    word_index.as_mut(),
                );

                let hash = format!("{}_{}", language, full_hash(&word_index));
                (i, word_index, hash)
            })
            .collect();

        // Handle hash collisions sequentially (required for correctness)
        let mut word_indexes: HashMap<String, Vec<u8>> = HashMap::new();
        for (i, word_index, hash) in encoded_chunks {
            let mut short_hash = &hash[0..=(language.len() + 7)];

            // If we hit a collision, extend one hash until we stop colliding
            while word_indexes.contains_key(short_hash) {
                let new_length = short_hash.len() + 1;
                short_hash = &hash[0..=new_length];

                if short_hash.len() == hash.len() {
                    break;
                }
            }
            word_indexes.insert(short_hash.to_string(), word_index);
            meta.index_chunks[i].hash = short_hash.into();
        }

        let mut meta_index: Vec<u8> = Vec::new();
        let _ = minicbor::encode::<MetaIndex, &mut Vec<u8>>(meta, meta_index.as_mut());

        let meta_hash = format!(
            "{}_{}",
            language,
            &full_hash(&meta_index)[0..=(language.len() + 7)]
        );

        Ok(PagefindIndexes {
            word_indexes,
            filter_indexes,
            sorts,
            meta_index: (meta_hash, meta_index),
            fragments: final_fragments,
            language,
            word_count,
            page_count,
        })
    }
}

/// waypost patch: the builder's state as bytes, to edit and finish in a later build
/// instead of adding every page again. A compact form (lengths and numbers LEB128,
/// locations zigzag, page numbers as differences): the pages first, then the words
/// shard by shard, each shard after its length, so that shards are written out one at
/// a time and read back on all cores.
impl IndexBuilder {
    /// The state as bytes ([`IndexBuilder::from_bytes`] reads it back).
    #[cfg(test)]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write_state(&mut |part| {
            bytes.extend_from_slice(part);
            Ok(())
        })
        .expect("writing to memory cannot fail");
        bytes
    }

    /// [`IndexBuilder::to_bytes`] handed to `out` a part at a time (at most a shard of
    /// the words, or about a megabyte of the rest), so that the state, tens of
    /// megabytes, is never whole in memory while it is written out.
    pub fn write_state(
        &self,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        const PART: usize = 1 << 20;
        let mut w = Writer(Vec::with_capacity(2 * PART));
        fn flush(
            out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
            w: &mut Writer,
            at_least: usize,
        ) -> std::io::Result<()> {
            if w.0.len() >= at_least {
                out(&w.0)?;
                w.0.clear();
            }
            Ok(())
        }
        w.bytes(STATE_MAGIC);
        w.str(&self.language);
        w.num(self.next_page as u64);
        for keys in &self.page_meta_keys {
            w.num(keys.len() as u64);
            for k in keys {
                w.str(k);
            }
            flush(out, &mut w, PART)?;
        }
        for f in &self.page_fragments {
            w.str(&f.full_hash);
            w.str(&f.encoded_data);
            w.num(f.word_count as u64);
            flush(out, &mut w, PART)?;
        }
        w.num(self.page_sorts.len() as u64);
        let mut last = 0;
        for (page, sort) in &self.page_sorts {
            w.num((page - last) as u64);
            last = *page;
            w.pairs(sort);
            flush(out, &mut w, PART)?;
        }
        w.num(self.filter_map.len() as u64);
        for (filter, values) in &self.filter_map {
            w.str(filter);
            w.num(values.len() as u64);
            for (value, pages) in values {
                w.str(value);
                w.num(pages.len() as u64);
                let mut last = 0;
                for page in pages {
                    w.num((page - last) as u64);
                    last = *page;
                }
                flush(out, &mut w, PART)?;
            }
        }
        flush(out, &mut w, 1)?;
        // The words, a shard at a time, each after its length (a reader finds the
        // shards by their lengths and reads them back on all cores).
        let mut shard = Writer(Vec::new());
        for map in &self.word_shards {
            shard.0.clear();
            shard.num(map.len() as u64);
            for word in map.values() {
                shard.str(&word.word);
                write_postings(&mut shard, &word.pages);
                shard.num(word.additional_variants.len() as u64);
                for v in &word.additional_variants {
                    shard.str(&v.form);
                    write_postings(&mut shard, &v.pages);
                }
            }
            w.num(shard.0.len() as u64);
            flush(out, &mut w, 1)?;
            out(&shard.0)?;
        }
        Ok(())
    }

    /// A builder from [`IndexBuilder::to_bytes`] (of the same Pagefind build); an error
    /// if the bytes are not one, or not one of `language`.
    pub fn from_bytes(bytes: &[u8], language: &str) -> Result<Self> {
        let mut r = Reader(bytes);
        if r.take(STATE_MAGIC.len())? != STATE_MAGIC {
            bail!("not an index state");
        }
        if r.string()? != language {
            bail!("the index state of another language");
        }
        let next_page = r.count()?;
        let page_meta_keys = (0..next_page)
            .map(|_| (0..r.count()?).map(|_| r.string()).collect())
            .collect::<Result<Vec<Vec<String>>>>()?;
        let min_hash_len = language.len() + 21;
        let page_fragments = (0..next_page)
            .map(|page_number| {
                let full_hash = r.string()?;
                // (`full_hash` leaves out leading zeros: its length varies.)
                if full_hash.len() < min_hash_len || !full_hash.is_ascii() {
                    bail!("an index state with a bad fragment hash");
                }
                Ok(IntermediaryPageData {
                    full_hash,
                    encoded_data: r.string()?,
                    word_count: r.num()? as usize,
                    page_number,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut page_sorts = Vec::new();
        let mut last = 0;
        for n in 0..r.count()? {
            let page = last + r.num()? as usize;
            if page >= next_page || (n > 0 && page == last) {
                bail!("an index state with a bad sort page");
            }
            last = page;
            page_sorts.push((page, r.pairs()?));
        }
        let mut filter_map: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for _ in 0..r.count()? {
            let filter = r.string()?;
            let count = r.count()?;
            let mut values = HashMap::with_capacity(count);
            for _ in 0..count {
                let value = r.string()?;
                let mut last = 0;
                let pages = (0..r.count()?)
                    .map(|_| {
                        last += r.num()? as usize;
                        if last >= next_page {
                            bail!("an index state with a bad filter page");
                        }
                        Ok(last)
                    })
                    .collect::<Result<Vec<usize>>>()?;
                values.insert(value, pages);
            }
            filter_map.insert(filter, values);
        }
        let mut shards = Vec::with_capacity(SHARDS);
        for _ in 0..SHARDS {
            let len = r.count()?;
            shards.push(r.take(len)?);
        }
        if !r.0.is_empty() {
            bail!("an index state with bytes after its end");
        }
        let check = Check {
            next_page,
            page_meta_keys: &page_meta_keys,
        };
        let word_shards = shards
            .into_par_iter()
            .enumerate()
            .map(|(shard, bytes)| {
                let mut r = Reader(bytes);
                let count = r.count()?;
                let mut map = HashMap::with_capacity(count);
                for _ in 0..count {
                    let word = r.string()?;
                    if shard_of(&word) != shard {
                        bail!("an index state with a word in the wrong shard");
                    }
                    let pages = read_postings(&mut r, &check)?;
                    let additional_variants = (0..r.count()?)
                        .map(|_| {
                            Ok(PackedVariant {
                                form: r.string()?,
                                pages: read_postings(&mut r, &check)?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    if pages.is_empty() && additional_variants.is_empty() {
                        bail!("an index state with a word on no page");
                    }
                    map.insert(
                        word.clone(),
                        PackedWord {
                            word,
                            pages,
                            additional_variants,
                        },
                    );
                }
                if !r.0.is_empty() {
                    bail!("an index state with bytes after a shard's end");
                }
                Ok(map)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(IndexBuilder {
            language: language.to_string(),
            next_page,
            word_shards,
            filter_map,
            page_fragments,
            page_meta_keys,
            page_sorts,
        })
    }
}

/// waypost patch: the first bytes of an index state (and its format's version).
const STATE_MAGIC: &[u8] = b"pfstate1";

/// waypost patch: what a state's postings are checked against as they are read: page
/// numbers in the index, and meta field ids in their page's fields (`finish` relies
/// on both).
struct Check<'a> {
    next_page: usize,
    page_meta_keys: &'a [Vec<String>],
}

/// waypost patch: a page list of a word or variant, in the state's bytes.
fn write_postings(w: &mut Writer, pages: &[PackedPage]) {
    w.num(pages.len() as u64);
    let mut last = 0;
    for p in pages {
        w.num((p.page_number - last) as u64);
        last = p.page_number;
        w.num(p.locs.len() as u64);
        for &l in &p.locs {
            w.signed(l);
        }
        w.num(p.meta_locs.len() as u64);
        for &l in &p.meta_locs {
            w.signed(l);
        }
    }
}

/// waypost patch: a page list written by [`write_postings`], checked.
fn read_postings(r: &mut Reader, check: &Check) -> Result<Vec<PackedPage>> {
    let count = r.count()?;
    let mut pages = Vec::with_capacity(count);
    let mut last = 0;
    for n in 0..count {
        let page_number = last + r.num()? as usize;
        if page_number >= check.next_page || (n > 0 && page_number == last) {
            bail!("an index state with a bad page number");
        }
        last = page_number;
        let n = r.count()?;
        let mut locs = Vec::with_capacity(n);
        for _ in 0..n {
            locs.push(r.signed()?);
        }
        let n = r.count()?;
        let mut meta_locs = Vec::with_capacity(n);
        let fields = check.page_meta_keys[page_number].len() as i32;
        for _ in 0..n {
            let l = r.signed()?;
            if l < -fields {
                bail!("an index state with a bad meta field");
            }
            meta_locs.push(l);
        }
        pages.push(PackedPage {
            page_number,
            locs,
            meta_locs,
        });
    }
    Ok(pages)
}

/// waypost patch: how many parts the word map is split into, so batches merge in
/// parallel; a few per core keeps the parts even.
const SHARDS: usize = 16;

/// The part of the word map a word belongs to (FNV-1a of its bytes).
fn shard_of(word: &str) -> usize {
    let mut h: u32 = 0x811c9dc5;
    for b in word.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    h as usize % SHARDS
}

/// A page's results other than its words, merged in page order.
struct PageRest {
    filter_entries: Vec<(String, String, usize)>,
    encoded_page: IntermediaryPageData,
    meta_keys: Vec<String>,
    sort: BTreeMap<String, String>,
}

/// Merges one page's words into (a shard of) the word map.
/// waypost patch: each page goes in at its place by page number (at the end, when
/// pages are added in order), so page lists stay sorted.
fn merge_words(word_map: &mut HashMap<String, PackedWord>, words: Vec<(String, PackedWord)>) {
    // Merge word maps using Entry API to avoid unnecessary clones
    for (word, packed) in words {
        match word_map.entry(word) {
            hashbrown::hash_map::Entry::Occupied(mut entry) => {
                let existing = entry.get_mut();
                insert_postings(&mut existing.pages, packed.pages);
                // Merge additional_variants
                for variant in packed.additional_variants {
                    if let Some(existing_variant) = existing
                        .additional_variants
                        .iter_mut()
                        .find(|v| v.form == variant.form)
                    {
                        insert_postings(&mut existing_variant.pages, variant.pages);
                    } else {
                        existing.additional_variants.push(variant);
                    }
                }
            }
            hashbrown::hash_map::Entry::Vacant(entry) => {
                entry.insert(packed);
            }
        }
    }
}

/// waypost patch: puts `new` (one page's postings) into `pages` (sorted by page
/// number) at their place: at the end, unless pages after them are there already.
fn insert_postings(pages: &mut Vec<PackedPage>, new: Vec<PackedPage>) {
    for page in new {
        match pages.last() {
            Some(last) if last.page_number > page.page_number => {
                let at = pages.partition_point(|p| p.page_number < page.page_number);
                pages.insert(at, page);
            }
            _ => pages.push(page),
        }
    }
}

/// waypost patch: [`insert_postings`] for a filter value's page list (a page is
/// there once for each time it names the value).
fn insert_sorted_number(pages: &mut Vec<usize>, page: usize) {
    match pages.last() {
        Some(&last) if last > page => {
            let at = pages.partition_point(|&p| p <= page);
            pages.insert(at, page);
        }
        _ => pages.push(page),
    }
}

/// waypost patch: removes the postings of pages `start..end` from `pages` (sorted by
/// page number) and renumbers the later ones as if `added` pages took their place.
fn remove_postings(pages: &mut Vec<PackedPage>, start: usize, end: usize, added: usize) {
    let a = pages.partition_point(|p| p.page_number < start);
    let b = pages.partition_point(|p| p.page_number < end);
    pages.drain(a..b);
    if end != start + added {
        for p in &mut pages[a..] {
            p.page_number = p.page_number - end + start + added;
        }
    }
}

/// waypost patch: a word's variants in the order a full build adds them, whatever
/// order they were added in: by the first page each appears on; on one page, the
/// forms in the body (whose posting has locations) before those only in meta
/// fields, each group by form (`process_page` adds them so, and pages are merged in
/// order). For a full build this is the order they are in already.
fn sort_variants(variants: &mut [PackedVariant]) {
    fn key(v: &PackedVariant) -> (usize, bool, &str) {
        let first = v.pages.iter().min_by_key(|p| p.page_number);
        (
            first.map_or(usize::MAX, |p| p.page_number),
            first.is_some_and(|p| p.locs.is_empty()),
            &v.form,
        )
    }
    if variants.len() > 1 {
        variants.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// waypost patch: the index's meta fields (every page's, sorted), with each page's
/// `meta_locs` renumbered from the page's own field ids (`page_meta_keys[page]`, its
/// sorted meta keys) to the index's. Both lists are sorted, so the renumbering keeps
/// the order the locations are encoded in.
fn renumber_meta_fields(words: &mut [PackedWord], page_meta_keys: Vec<Vec<String>>) -> Vec<String> {
    let mut meta_fields_set: BTreeSet<&String> = BTreeSet::new();
    for keys in page_meta_keys.iter() {
        meta_fields_set.extend(keys.iter());
    }
    let meta_fields: Vec<String> = meta_fields_set.into_iter().cloned().collect();

    let field_id_maps: Vec<Vec<i32>> = page_meta_keys
        .iter()
        .map(|keys| {
            keys.iter()
                .map(|name| meta_fields.binary_search(name).unwrap() as i32)
                .collect()
        })
        .collect();
    let identity = field_id_maps
        .iter()
        .all(|m| m.iter().enumerate().all(|(i, g)| i as i32 == *g));
    if !identity {
        let remap = |page: &mut PackedPage| {
            let map = &field_id_maps[page.page_number];
            for loc in page.meta_locs.iter_mut().filter(|l| **l < 0) {
                *loc = -(map[(-*loc - 1) as usize] + 1);
            }
        };
        for word in words.iter_mut() {
            word.pages.iter_mut().for_each(remap);
            for variant in word.additional_variants.iter_mut() {
                variant.pages.iter_mut().for_each(remap);
            }
        }
    }
    meta_fields
}

/// Processes one page into its own word map, filter entries and encoded fragment.
fn process_page(page: FossickedData, language: &str) -> PageProcessingResult {
    let mut local_word_map: HashMap<String, PackedWord> = HashMap::new();

    // Meta field IDs are the page's own here (its sorted meta keys); they are
    // remapped to the index's meta_fields order by `IndexBuilder::finish`.
    let meta_keys: Vec<String> = page.fragment.data.meta.keys().cloned().collect();

    for (word, positions) in page.word_data {
        // Group positions by original_word for this page
        let mut normalized_positions: Vec<FossickedWord> = Vec::new();
        let mut variant_positions: BTreeMap<String, Vec<FossickedWord>> = BTreeMap::new();

        for fossicked in positions {
            if fossicked.original_word.is_none() {
                // No diacritics - original matches normalized form
                normalized_positions.push(fossicked);
            } else {
                // Original form differs (has diacritics) - stored instead in additional_variants
                variant_positions
                    .entry(fossicked.original_word.clone().unwrap())
                    .or_default()
                    .push(fossicked);
            }
        }

        let packed_word = local_word_map
            .entry(word.clone())
            .or_insert_with(|| PackedWord {
                word: word.clone(),
                pages: Vec::new(),
                additional_variants: Vec::new(),
            });

        if !normalized_positions.is_empty() {
            packed_word.pages.push(positions_to_packed_page(
                normalized_positions,
                page.fragment.page_number,
            ));
        }

        for (variant_form, variant_pos) in variant_positions {
            let variant_page = positions_to_packed_page(variant_pos, page.fragment.page_number);

            if let Some(existing_variant) = packed_word
                .additional_variants
                .iter_mut()
                .find(|v| v.form == variant_form)
            {
                existing_variant.pages.push(variant_page);
            } else {
                packed_word.additional_variants.push(PackedVariant {
                    form: variant_form,
                    pages: vec![variant_page],
                });
            }
        }
    }

    for (word, meta_positions) in page.meta_word_data {
        let mut normalized_meta_positions: Vec<MetaFossickedWord> = Vec::new();
        let mut variant_meta_positions: BTreeMap<String, Vec<MetaFossickedWord>> = BTreeMap::new();

        for meta_fossicked in meta_positions {
            if let Some(original) = meta_fossicked.original_word.clone() {
                variant_meta_positions
                    .entry(original)
                    .or_default()
                    .push(meta_fossicked);
            } else {
                normalized_meta_positions.push(meta_fossicked);
            }
        }

        let packed_word = local_word_map
            .entry(word.clone())
            .or_insert_with(|| PackedWord {
                word: word.clone(),
                pages: Vec::new(),
                additional_variants: Vec::new(),
            });

        if !normalized_meta_positions.is_empty() {
            let meta_locs = meta_positions_to_packed(normalized_meta_positions);

            if let Some(existing_page) = packed_word
                .pages
                .iter_mut()
                .find(|p| p.page_number == page.fragment.page_number)
            {
                existing_page.meta_locs = meta_locs;
            } else {
                packed_word.pages.push(PackedPage {
                    page_number: page.fragment.page_number,
                    locs: vec![],
                    meta_locs,
                });
            }
        }

        // Handle diacritic variants in meta
        for (variant_form, variant_pos) in variant_meta_positions {
            let meta_locs = meta_positions_to_packed(variant_pos);

            if let Some(existing_variant) = packed_word
                .additional_variants
                .iter_mut()
                .find(|v| v.form == variant_form)
            {
                if let Some(existing_page) = existing_variant
                    .pages
                    .iter_mut()
                    .find(|p| p.page_number == page.fragment.page_number)
                {
                    existing_page.meta_locs = meta_locs;
                } else {
                    existing_variant.pages.push(PackedPage {
                        page_number: page.fragment.page_number,
                        locs: vec![],
                        meta_locs,
                    });
                }
            } else {
                packed_word.additional_variants.push(PackedVariant {
                    form: variant_form,
                    pages: vec![PackedPage {
                        page_number: page.fragment.page_number,
                        locs: vec![],
                        meta_locs,
                    }],
                });
            }
        }
    }

    // Collect filter entries for this page
    let filter_entries: Vec<(String, String, usize)> = page
        .fragment
        .data
        .filters
        .iter()
        .flat_map(|(filter, values)| {
            values
                .iter()
                .map(move |value| (filter.clone(), value.clone(), page.fragment.page_number))
        })
        .collect();

    // Compute encoded page data
    let encoded_data = serde_json::to_string(&page.fragment.data).unwrap();
    let encoded_page = IntermediaryPageData {
        full_hash: format!("{}_{}", language, full_hash(encoded_data.as_bytes())),
        word_count: page.fragment.data.word_count,
        page_number: page.fragment.page_number,
        encoded_data,
    };

    let mut word_shards: Vec<Vec<(String, PackedWord)>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for (word, packed) in local_word_map {
        word_shards[shard_of(&word)].push((word, packed));
    }

    PageProcessingResult {
        word_shards,
        filter_entries,
        encoded_page,
        meta_keys,
        sort: page.sort,
    }
}

/// Convert fossicked word positions to a packed page representation.
/// Sorts by weight (with common weight 25 first) then by position for delta encoding.
fn positions_to_packed_page(mut positions: Vec<FossickedWord>, page_number: usize) -> PackedPage {
    // A page weight of 1 is encoded as 25. Since most words should be this weight,
    // we want to sort them to be first in the locations array to reduce filesize
    // when we inline weight changes.
    // We then sort by position within each weight group,
    // which helps us delta encode the index.
    positions.sort_by_cached_key(|p| (if p.weight == 25 { 0 } else { p.weight }, p.position));

    let mut current_weight = 25;
    let mut weighted_positions = Vec::with_capacity(positions.len());
    let mut last_position = 0;

    // Calculate our output list of positions with weights.
    // This is a vec of page positions, with a change in weight for subsequent positions
    // denoted by a negative integer.
    for FossickedWord {
        position, weight, ..
    } in positions
    {
        if weight != current_weight {
            // Weight change: emit marker + absolute position, new delta base
            weighted_positions.push(-(weight as i32) - 1);
            weighted_positions.push(position as i32);
            last_position = position;
            current_weight = weight;
        } else {
            // emit delta from previous position
            weighted_positions.push((position - last_position) as i32);
            last_position = position;
        }
    }

    PackedPage {
        page_number,
        locs: weighted_positions,
        meta_locs: vec![],
    }
}

#[cfg(test)]
fn chunk_index(word_map: HashMap<String, PackedWord>, chunk_size: usize) -> Vec<Vec<PackedWord>> {
    chunk_words(word_map.into_values().collect(), chunk_size)
}

fn chunk_words(mut words: Vec<PackedWord>, chunk_size: usize) -> Vec<Vec<PackedWord>> {
    // Accumulate into HashMap for O(1) inserts, then sort once before encoding
    // to produce a stable hash without paying BTreeMap's per-insert overhead.
    // waypost patch: compare in place (sort_by_key cloned a String per comparison),
    // on all cores.
    words.par_sort_unstable_by(|a, b| a.word.cmp(&b.word));

    let mut index_chunks = Vec::new();

    let mut index_chunk = Vec::new();
    let mut index_chunk_size = 0;
    for word in words.into_iter() {
        index_chunk_size += word
            .pages
            .iter()
            .chain(word.additional_variants.iter().flat_map(|v| &v.pages))
            .map(|p| p.locs.len() + p.meta_locs.len() + 1)
            .sum::<usize>()
            + word.additional_variants.len();
        index_chunk.push(word);
        if index_chunk_size >= chunk_size {
            // waypost patch: move the chunk out (it was cloned, then cleared).
            index_chunks.push(std::mem::take(&mut index_chunk));
            index_chunk_size = 0;
        }
    }
    if !index_chunk.is_empty() {
        index_chunks.push(index_chunk);
    }

    index_chunks
}

fn chunk_meta(indexes: &[Vec<PackedWord>]) -> Vec<MetaChunk> {
    let mut named_chunks: Vec<MetaChunk> = Vec::new();

    for chunk in indexes.iter() {
        named_chunks.push(MetaChunk {
            from: chunk.first().map_or("".into(), |w| w.word.clone()),
            to: chunk.last().map_or("".into(), |w| w.word.clone()),
            hash: "".into(),
        });
    }
    if named_chunks.len() > 1 {
        for i in 0..named_chunks.len() - 1 {
            let chunks = &mut named_chunks[i..=i + 1];
            let prefixes = get_prefixes((&chunks[0].to, &chunks[1].from));
            // Only trim 'to' if it won't create an invalid range (to < from)
            if prefixes.0 >= chunks[0].from {
                chunks[0].to = prefixes.0;
            }
            // Always trim the next chunk's 'from'
            chunks[1].from = prefixes.1;
        }
    }

    named_chunks
}

fn get_prefixes((a, b): (&str, &str)) -> (String, String) {
    let common_prefix_length: usize = b
        .chars()
        .zip(a.chars())
        .take_while(|&(a, b)| a == b)
        .count();

    let a_prefix = a.chars().take(common_prefix_length + 1).collect::<String>();
    let b_prefix = b.chars().take(common_prefix_length + 1).collect::<String>();

    (a_prefix, b_prefix)
}

fn parse_int_sort(value: &str) -> Option<i32> {
    lexical_core::parse::<i32>(value.as_bytes()).ok()
}

fn parse_float_sort(value: &str) -> Option<f32> {
    lexical_core::parse::<f32>(value.as_bytes()).ok()
}

/// Encode meta positions with field ID markers.
/// Negative numbers switch field IDs, positive numbers are delta-encoded positions.
/// e.g., [-1, 0, 5, -4, 2] means: field 0 positions [0, 5], field 3 positions [2]
fn meta_positions_to_packed(mut positions: Vec<MetaFossickedWord>) -> Vec<i32> {
    if positions.is_empty() {
        return vec![];
    }

    positions.sort_by_key(|p| (p.field_id, p.position));

    let mut current_field: Option<u16> = None;
    let mut last_position: u32 = 0;
    let mut result = Vec::with_capacity(positions.len() + 8);

    for MetaFossickedWord {
        field_id, position, ..
    } in positions
    {
        if Some(field_id) != current_field {
            result.push(-((field_id as i32) + 1));
            current_field = Some(field_id);
            last_position = 0;
        }
        result.push((position - last_position) as i32);
        last_position = position;
    }

    result
}

#[cfg(test)]
mod tests {
    use super::*;

    trait Mock {
        fn word(&mut self, word: &str, page_number: usize, locs: Vec<i32>);
    }
    impl Mock for HashMap<String, PackedWord> {
        fn word(&mut self, word: &str, page_number: usize, locs: Vec<i32>) {
            let page = PackedPage {
                page_number,
                locs,
                meta_locs: vec![],
            };
            match self.get_mut(word) {
                Some(w) => w.pages.push(page),
                None => {
                    let _ = self.insert(
                        word.into(),
                        PackedWord {
                            word: word.into(),
                            pages: vec![page],
                            additional_variants: vec![],
                        },
                    );
                }
            }
        }
    }

    fn test_words() -> HashMap<String, PackedWord> {
        let mut words = HashMap::new();
        words.word("apple", 1, vec![20, 40, 60]);
        words.word("apple", 5, vec![3, 6, 9]);
        words.word("apricot", 5, vec![45, 3432, 6003]);
        words.word("banana", 5, vec![100, 500, 900, 566]);
        words.word("peach", 5, vec![383, 2, 678]);

        words
    }

    /// The same postings, but held as diacritic variants rather than on the word itself
    fn test_variant_words() -> HashMap<String, PackedWord> {
        let mut words = test_words();
        for word in words.values_mut() {
            word.additional_variants.push(PackedVariant {
                form: format!("{}\u{0301}", word.word),
                pages: std::mem::take(&mut word.pages),
            });
        }
        words
    }

    #[test]
    fn build_index_chunks() {
        let chunks = chunk_index(test_words(), 8);

        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0][0].word, "apple");
        assert_eq!(chunks[1][0].word, "apricot");
        assert_eq!(chunks[1][1].word, "banana");
        assert_eq!(chunks[2][0].word, "peach");
    }

    #[test]
    fn build_index_chunks_from_variant_words() {
        let chunks = chunk_index(test_variant_words(), 8);

        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0][0].word, "apple");
        assert_eq!(chunks[1][0].word, "apricot");
        assert_eq!(chunks[1][1].word, "banana");
        assert_eq!(chunks[2][0].word, "peach");
    }

    #[test]
    fn build_chunk_meta() {
        let chunks = chunk_index(test_words(), 8);
        let meta = chunk_meta(&chunks);
        assert_eq!(meta.len(), 3);
        assert_eq!(
            meta[0],
            MetaChunk {
                from: "apple".into(),
                to: "apple".into(), // Not trimmed to "app" since that would make to < from
                hash: "".into(),
            }
        );
        assert_eq!(
            meta[1],
            MetaChunk {
                from: "apr".into(),
                to: "b".into(),
                hash: "".into(),
            }
        );
        assert_eq!(
            meta[2],
            MetaChunk {
                from: "p".into(),
                to: "peach".into(),
                hash: "".into(),
            }
        );
    }

    #[test]
    fn common_prefix() {
        assert_eq!(
            get_prefixes(("apple", "apricot")),
            ("app".into(), "apr".into())
        );
        assert_eq!(
            get_prefixes(("cataraman", "yacht")),
            ("c".into(), "y".into())
        );
        assert_eq!(
            get_prefixes(("cath", "cathartic")),
            ("cath".into(), "catha".into())
        );
        // This should be an invalid state, but just in case:
        assert_eq!(
            get_prefixes(("catha", "cath")),
            ("catha".into(), "cath".into())
        );
    }

    // waypost patch: tests of the batch builder.

    fn service_options() -> SearchOptions {
        let mut config: crate::PagefindInboundConfig =
            serde_json::from_str("{}").expect("All fields have serde defaults");
        config.service = true;
        SearchOptions::load(config).unwrap()
    }

    fn fossick(options: &SearchOptions, url: &str, html: &str) -> FossickedData {
        crate::fossick::Fossicker::new_synthetic(None, Some(url.into()), html.into())
            .fossick_sync(options)
            .unwrap()
    }

    fn pages(options: &SearchOptions) -> Vec<FossickedData> {
        (0..7)
            .map(|i| {
                // Every third page has an image, so its meta fields are
                // [image, image_alt, title] rather than [title].
                let image = if i % 3 == 1 {
                    r#"<img src="/map.png" alt="coverage map">"#
                } else {
                    ""
                };
                fossick(
                    options,
                    &format!("/p{i}/"),
                    &format!(
                        r#"<html lang="en"><body><main data-pagefind-body>
                        <h1>Kestrel guide {i}</h1>{image}
                        <p data-pagefind-filter="path">online</p>
                        <p>Activate the eSIM café {i} before travelling; word{i}.</p>
                        </main></body></html>"#
                    ),
                )
            })
            .collect()
    }

    fn files(indexes: &PagefindIndexes) -> BTreeMap<String, Vec<u8>> {
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        out.insert(indexes.meta_index.0.clone(), indexes.meta_index.1.clone());
        for (k, v) in &indexes.word_indexes {
            out.insert(format!("index/{k}"), v.clone());
        }
        for (k, v) in &indexes.filter_indexes {
            out.insert(format!("filter/{k}"), v.clone());
        }
        for (k, v) in &indexes.fragments {
            out.insert(format!("fragment/{k}"), v.as_bytes().to_vec());
        }
        out
    }

    #[test]
    fn an_index_built_in_batches_equals_one_built_at_once() {
        let options = service_options();
        let mut at_once = IndexBuilder::new("en".into());
        at_once.add_pages(pages(&options));
        let at_once = at_once.finish(&options).unwrap();

        for batch in [1, 2, 3] {
            let mut batched = IndexBuilder::new("en".into());
            let mut all = pages(&options);
            while !all.is_empty() {
                let rest = all.split_off(batch.min(all.len()));
                batched.add_pages(std::mem::replace(&mut all, rest));
            }
            let batched = batched.finish(&options).unwrap();
            assert_eq!(batched.page_count, 7);
            assert_eq!(files(&batched), files(&at_once), "batches of {batch}");
        }
    }

    #[test]
    fn meta_field_ids_are_renumbered_into_the_index_fields() {
        let options = service_options();
        let mut builder = IndexBuilder::new("en".into());
        builder.add_pages(pages(&options));
        let mut words: Vec<PackedWord> = std::mem::take(&mut builder.word_shards)
            .into_iter()
            .flat_map(|shard| shard.into_values())
            .collect();
        let fields = renumber_meta_fields(&mut words, builder.page_meta_keys);
        let word_map: HashMap<String, PackedWord> =
            words.into_iter().map(|w| (w.word.clone(), w)).collect();
        assert_eq!(fields, ["image", "image_alt", "title"]);

        // "kestrel" is in every page's title: field 2 of the index, whatever the page's
        // own field list was.
        let kestrel = &word_map["kestrel"];
        assert_eq!(kestrel.pages.len(), 7);
        for page in &kestrel.pages {
            assert_eq!(page.meta_locs, vec![-3, 0], "page {}", page.page_number);
        }
        // "map" is only in the image of pages 1 and 4: word 0 of field 0 (`/map.png`)
        // and word 1 of field 1 (`coverage map`).
        let map = &word_map["map"];
        let numbers: Vec<usize> = map.pages.iter().map(|p| p.page_number).collect();
        assert_eq!(numbers, [1, 4]);
        for page in &map.pages {
            assert_eq!(page.meta_locs, vec![-1, 0, -2, 1]);
        }
    }

    // waypost patch: tests of editing an index and keeping its state.

    /// A Spanish page whose content depends on `seed`: diacritic variants of `esta`,
    /// `mas` and `si` in the body and (some only) in the title, filters, sorts, an
    /// image on some (more meta fields).
    fn spanish_page(options: &SearchOptions, seed: usize) -> FossickedData {
        let body_words = ["está", "esta", "Está", "ésta", "más", "mas", "sí", "café", "cafè"];
        let body: Vec<&str> = (0..4)
            .map(|k| body_words[(seed * 7 + k * 3 + seed / 3) % body_words.len()])
            .collect();
        let title = match seed % 4 {
            0 => "Està es la guía".to_string(),
            1 => format!("Guía {seed} sí"),
            2 => "Más café".to_string(),
            _ => format!("Página {seed}"),
        };
        let image = if seed % 5 == 2 {
            r#"<img src="/mapa.png" alt="mapa de cobertura">"#
        } else {
            ""
        };
        let filters = match seed % 3 {
            0 => r#"<span data-pagefind-filter="canal:tienda"></span><span data-pagefind-filter="canal:web"></span>"#.to_string(),
            1 => format!(r#"<span data-pagefind-filter="tema:t{}"></span>"#, seed % 4),
            _ => String::new(),
        };
        let sort = if seed % 2 == 0 {
            format!(r#"<span data-pagefind-sort="peso:{}"></span>"#, seed % 6)
        } else {
            format!(r#"<span data-pagefind-sort="nombre:n{}"></span>"#, seed % 3)
        };
        fossick(
            options,
            &format!("/p{seed}/"),
            &format!(
                r#"<html lang="es"><body><main data-pagefind-body>
                <h1 data-pagefind-meta="title">{title}</h1>{image}{filters}{sort}
                <p>{} activar {} el eSIM {} antes {} de viajar; palabra{seed}.</p>
                </main></body></html>"#,
                body[0], body[1], body[2], body[3]
            ),
        )
    }

    fn full(options: &SearchOptions, seeds: &[usize]) -> BTreeMap<String, Vec<u8>> {
        let mut builder = IndexBuilder::new("es".into());
        builder.add_pages(seeds.iter().map(|&s| spanish_page(options, s)).collect());
        files(&builder.finish(options).unwrap())
    }

    /// Asserts two indexes' files are the same, naming those that differ.
    fn same(a: BTreeMap<String, Vec<u8>>, b: BTreeMap<String, Vec<u8>>, what: &str) {
        let differ: Vec<&String> = a
            .keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .collect();
        assert!(differ.is_empty(), "{what}: files differ: {differ:?}");
    }

    #[test]
    fn a_full_build_already_has_its_variants_in_the_order_finish_sorts_them() {
        let options = service_options();
        let mut builder = IndexBuilder::new("es".into());
        for batch in (0..40).collect::<Vec<_>>().chunks(7) {
            builder.add_pages(batch.iter().map(|&s| spanish_page(&options, s)).collect());
        }
        let mut several = 0;
        for word in builder.word_shards.iter().flat_map(|s| s.values()) {
            let mut sorted = word.additional_variants.clone();
            sort_variants(&mut sorted);
            let forms = |v: &[PackedVariant]| v.iter().map(|v| v.form.clone()).collect::<Vec<_>>();
            assert_eq!(forms(&sorted), forms(&word.additional_variants), "{}", word.word);
            several += (word.additional_variants.len() > 1) as usize;
        }
        assert!(several >= 2, "the pages exercise the order of variants");
        let esta = builder.word_shards[shard_of("esta")]["esta"]
            .additional_variants
            .iter()
            .map(|v| v.form.as_str())
            .collect::<Vec<_>>();
        assert_eq!(esta.len(), 3, "two forms in the body, one only in titles: {esta:?}");
    }

    #[test]
    fn an_edited_state_finishes_like_a_full_build_of_its_pages() {
        let options = service_options();
        let start: Vec<usize> = (0..24).collect();
        // (range of the current pages, seeds of the pages to put there)
        let edits: Vec<(std::ops::Range<usize>, Vec<usize>)> = vec![
            (5..6, vec![105]),           // one page edited
            (0..0, vec![200, 201]),      // inserted at the start
            (26..26, vec![300]),         // added at the end
            (0..1, vec![]),              // the first removed
            (25..26, vec![]),            // the last removed
            (10..13, vec![]),            // removed in the middle
            (3..4, vec![400, 401, 402]), // one replaced by three
            (7..9, vec![500]),           // two replaced by one
        ];
        let mut seeds = start.clone();
        let mut builder = IndexBuilder::new("es".into());
        builder.add_pages(start.iter().map(|&s| spanish_page(&options, s)).collect());
        for (range, new) in edits {
            // Each edit starts from the state read back from its bytes.
            let bytes = builder.to_bytes();
            builder = IndexBuilder::from_bytes(&bytes, "es").unwrap();
            builder.replace_pages(
                range.clone(),
                new.iter().map(|&s| spanish_page(&options, s)).collect(),
            );
            seeds.splice(range.clone(), new.clone());
            assert_eq!(builder.page_count(), seeds.len());
            let bytes = builder.to_bytes();
            let edited = IndexBuilder::from_bytes(&bytes, "es").unwrap();
            same(
                files(&edited.finish(&options).unwrap()),
                full(&options, &seeds),
                &format!("after replacing {range:?} by {new:?}"),
            );
        }
        // The first pages, reordered (the pages of an index are all different: two
        // identical pages make upstream's fragment hashing loop forever).
        let first: Vec<usize> = seeds[..3].iter().rev().copied().collect();
        let pages = first.iter().map(|&s| spanish_page(&options, s)).collect();
        builder.replace_pages(0..3, pages);
        seeds.splice(0..3, first);
        let bytes = builder.to_bytes();
        let reordered = IndexBuilder::from_bytes(&bytes, "es").unwrap();
        same(
            files(&reordered.finish(&options).unwrap()),
            full(&options, &seeds),
            "reordered",
        );
        // Every page removed, then some added.
        let count = builder.page_count();
        builder.replace_pages(0..count, vec![]);
        assert_eq!(builder.page_count(), 0);
        assert!(builder.word_shards.iter().all(|s| s.is_empty()));
        assert!(builder.filter_map.is_empty() && builder.page_sorts.is_empty());
        builder.replace_pages(0..0, vec![spanish_page(&options, 9)]);
        same(
            files(&builder.finish(&options).unwrap()),
            full(&options, &[9]),
            "emptied",
        );
    }

    #[test]
    fn a_state_that_is_not_one_is_an_error() {
        let options = service_options();
        let mut builder = IndexBuilder::new("es".into());
        builder.add_pages((0..6).map(|s| spanish_page(&options, s)).collect());
        let bytes = builder.to_bytes();
        assert!(IndexBuilder::from_bytes(&bytes, "es").is_ok());
        assert!(IndexBuilder::from_bytes(&bytes, "en").is_err(), "another language");
        assert!(IndexBuilder::from_bytes(b"nonsense", "es").is_err());
        for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            assert!(IndexBuilder::from_bytes(&bytes[..cut], "es").is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(IndexBuilder::from_bytes(&longer, "es").is_err());
    }
}
