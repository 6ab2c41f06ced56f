//! The programmatic service interface for integrating Pagefind into another Rust project.
//!
//! # Examples
//!
//! ```
//! use pagefind::api::{PagefindIndex};
//! use pagefind::options::{PagefindServiceConfig};
//!
//! #[tokio::main]
//! async fn main() {
//!     let options = PagefindServiceConfig::builder()
//!         .keep_index_url(true)
//!         .force_language("en".to_string())
//!         .build();
//!     let mut index = PagefindIndex::new(Some(options)).expect("Options should be valid");
//!     let indexing_response = index
//!         .add_html_file(
//!             Some("test/index.html".into()),
//!             None,
//!             "<html><body><h1>Test content</h1></body></html>".into(),
//!         )
//!         .await;
//!
//!     if let Ok(file) = indexing_response {
//!         println!("Page word count: {}", file.page_word_count);
//!         println!("Page URL: {}", file.page_url);
//!     }
//!
//!     let files_response = index.get_files().await;
//!     if let Ok(files) = files_response {
//!         println!("Have {} files to write to disk", files.len());
//!     }
//! }
//! ```

pub use crate::output::SyntheticFile;
use anyhow::{bail, Result};
use rust_patch::Patch;
use std::{collections::BTreeMap, path::PathBuf, sync::Arc};

use crate::{
    fossick::{parser::DomParserResult, FossickedData, Fossicker},
    index::IndexBuilder,
    options::PagefindServiceConfig,
    PagefindInboundConfig, SearchOptions, SearchState,
};

#[derive(Debug)]
pub struct IndexedFileResponse {
    pub page_word_count: u32,
    pub page_url: String,
    pub page_meta: BTreeMap<String, String>,
}

pub struct PagefindIndex {
    search_index: Arc<tokio::sync::Mutex<SearchState>>,
}

impl PagefindIndex {
    /// Create a new PagefindIndex instance that files can be added to.
    ///
    /// # Arguments
    /// * `config` - An optional PagefindServiceConfig to override default options for the service.
    ///
    /// # Returns
    /// A PagefindIndex instance if search options are valid, otherwise an Error.
    pub fn new(config: Option<PagefindServiceConfig>) -> Result<Self> {
        let mut service_options: PagefindInboundConfig =
            serde_json::from_str("{}").expect("All fields have serde defaults");

        service_options.service = true;
        if let Some(config) = config {
            service_options = config.apply(service_options);
        }

        let options = SearchOptions::load(service_options)?;
        Ok(Self {
            search_index: Arc::new(tokio::sync::Mutex::new(SearchState::new(options))),
        })
    }

    /// Add an HTML file that isn't on disk into this search index.
    /// Either a filepath or a URL must be provided.
    ///
    /// # Arguments
    /// * `source_path` - The source path of the HTML file if it were to exist on disk.
    /// * `url` - An explicit URL to use, instead of having Pagefind compute the URL based on the `source_path`.
    /// * `content` - The source HTML content of the file to be parsed.
    ///
    /// # Returns
    /// Metadata about the added file if successful, otherwise an Error.
    pub async fn add_html_file(
        &mut self,
        source_path: Option<String>,
        url: Option<String>,
        content: String,
    ) -> Result<IndexedFileResponse> {
        if source_path.is_none() && url.is_none() {
            bail!("Either source_path or url must be provided");
        }

        let file = Fossicker::new_synthetic(source_path.map(PathBuf::from), url, content);
        let state = Arc::clone(&self.search_index);
        let data = tokio::task::spawn_blocking(move || {
            state.blocking_lock().fossick_one(file)
        })
        .await
        .map_err(|e| anyhow::anyhow!("Task join error: {e}"))??;

        Ok(IndexedFileResponse {
            page_word_count: data.fragment.data.word_count as u32,
            page_url: data.fragment.data.url,
            page_meta: data.fragment.data.meta,
        })
    }

    /// Index a custom record that isn't backed by an HTML file.
    ///
    /// # Arguments
    /// * `url` - The output URL of this record. Pagefind will not alter this.
    /// * `content` - The raw content of this record.
    /// * `language` - What language is this record written in. Expects an ISO 639-1 code.
    /// * `meta` - The metadata to attach to this record. Supplying a `title` is highly recommended.
    /// * `filters` - The filters to attach to this record.
    /// * `sort` - The sort keys to attach to this record.
    ///
    /// # Returns
    /// Metadata about the added record if successful, otherwise an Error.
    pub async fn add_custom_record(
        &mut self,
        url: String,
        content: String,
        language: String,
        meta: Option<BTreeMap<String, String>>,
        filters: Option<BTreeMap<String, Vec<String>>>,
        sort: Option<BTreeMap<String, String>>,
    ) -> Result<IndexedFileResponse> {
        let force_language = self
            .search_index
            .lock()
            .await
            .options
            .force_language
            .clone();
        let data = DomParserResult {
            digest: content,
            filters: filters.unwrap_or_default(),
            sort: sort.unwrap_or_default(),
            meta: meta.unwrap_or_default(),
            anchor_content: BTreeMap::new(),
            anchor_titles: BTreeMap::new(),
            has_custom_body: false,
            force_inclusion: true,
            has_html_element: true,
            has_old_bundle_reference: false,
            has_default_ui_reference: false,
            language: force_language.unwrap_or(language),
        };
        let file = Fossicker::new_with_data(url, data);
        let state = Arc::clone(&self.search_index);
        let data = tokio::task::spawn_blocking(move || {
            state.blocking_lock().fossick_one(file)
        })
        .await
        .map_err(|e| anyhow::anyhow!("Task join error: {e}"))??;

        Ok(IndexedFileResponse {
            page_word_count: data.fragment.data.word_count as u32,
            page_url: data.fragment.data.url,
            page_meta: data.fragment.data.meta,
        })
    }

    /// Index a directory of HTML files from disk.
    ///
    /// # Arguments
    /// * `path` - The path to the directory to index.
    /// * `glob` - A glob pattern to match files in the directory. If not provided, the default glob pattern will be used.
    ///
    /// # Returns
    /// The number of pages indexed if successful, otherwise an Error.
    pub async fn add_directory(&mut self, path: String, glob: Option<String>) -> Result<usize> {
        let defaults: PagefindInboundConfig =
            serde_json::from_str("{}").expect("All fields have serde defaults");
        let glob = glob.unwrap_or(defaults.glob);

        let state = Arc::clone(&self.search_index);
        let page_count = tokio::task::spawn_blocking(move || {
            state.blocking_lock().fossick_many(PathBuf::from(path), glob)
        })
        .await
        .map_err(|e| anyhow::anyhow!("Task join error: {e}"))??;

        Ok(page_count)
    }

    /// Build the search index for this instance and hold it in memory.
    pub async fn build_indexes(&mut self) -> Result<()> {
        self.search_index.lock().await.build_indexes().await
    }

    /// Build the search index for this instance and write the files to disk.
    ///
    /// # Arguments
    /// * `output_path` - The path to write the files to. If not provided, the default output path will be used.
    ///
    /// # Returns
    /// The path files were written to if successful, otherwise an Error.
    pub async fn write_files(&mut self, output_path: Option<String>) -> Result<String> {
        let mut state = self.search_index.lock().await;
        state.build_indexes().await?;
        let resolved_output_path = state.write_files(output_path.map(Into::into)).await;

        Ok(resolved_output_path.to_string_lossy().into())
    }

    /// Build the search index for this instance and return the files as a list of
    /// SyntheticFileResponse.
    ///
    /// # Returns
    /// A list of SyntheticFiles containing the path and content of each file.
    pub async fn get_files(&mut self) -> Result<Vec<SyntheticFile>> {
        let mut state = self.search_index.lock().await;
        state.build_indexes().await?;
        Ok(state.get_files().await)
    }
}

/// waypost patch: the index of one language, built from batches of HTML documents.
///
/// Each batch is parsed on all cores and folded into the index at once (see
/// `IndexBuilder`), so memory holds the index and one batch, not every page's parsed
/// words. Every document is indexed as `language` (Pagefind's `force_language`), and
/// should carry a `data-pagefind-body` element: unlike [`PagefindIndex`], pages are not
/// dropped later for lacking one when others have it. Documents without words are left
/// out, as Pagefind does.
///
/// waypost patch: the index can be edited (records replaced, inserted and removed
/// anywhere: [`LanguageIndex::replace_records`]) and kept between builds as bytes
/// ([`LanguageIndex::state_to_bytes`], [`LanguageIndex::from_state`]); an edited index
/// builds the same files as one made from its records in order.
pub struct LanguageIndex {
    options: SearchOptions,
    builder: IndexBuilder,
    /// Whether each record added, in order, had words (and so is a page of the index).
    indexed: Vec<bool>,
}

impl LanguageIndex {
    /// An empty index for `language` (`config.force_language` is set to it).
    pub fn new(config: Option<PagefindServiceConfig>, language: String) -> Result<Self> {
        Ok(Self {
            options: Self::options(config, &language)?,
            builder: IndexBuilder::new(language),
            indexed: Vec::new(),
        })
    }

    /// waypost patch: the options of an index of `language` (shared by `new` and
    /// `from_state`).
    fn options(config: Option<PagefindServiceConfig>, language: &str) -> Result<SearchOptions> {
        let mut service_options: PagefindInboundConfig =
            serde_json::from_str("{}").expect("All fields have serde defaults");
        service_options.service = true;
        if let Some(config) = config {
            service_options = config.apply(service_options);
        }
        service_options.force_language = Some(language.to_string());
        SearchOptions::load(service_options)
    }

    /// Adds `(url, html)` documents: parsed in parallel, then folded into the index.
    /// Returns how many had words to index.
    pub fn add_html_files(&mut self, files: Vec<(String, String)>) -> Result<usize> {
        let records = self.parse_html_files(files)?;
        Ok(self.add_records(records))
    }

    /// waypost patch: parses `(url, html)` documents (in parallel) into records that
    /// [`LanguageIndex::add_records`] folds into an index, so a caller can keep the
    /// records of unchanged pages between builds instead of parsing them again.
    pub fn parse_html_files(&self, files: Vec<(String, String)>) -> Result<Vec<PageRecord>> {
        use rayon::prelude::*;
        let options = &self.options;
        files
            .into_par_iter()
            .map(|(url, html)| {
                Fossicker::new_synthetic(None, Some(url), html)
                    .fossick_sync(options)
                    .map(PageRecord)
            })
            .collect()
    }

    /// waypost patch: folds parsed pages into the index, in order; records without
    /// words are left out, as Pagefind does. Returns how many were added.
    pub fn add_records(&mut self, records: Vec<PageRecord>) -> usize {
        let end = self.indexed.len();
        self.replace_records(end..end, records)
            .expect("records are added at the end")
    }

    /// waypost patch: replaces the records at `range` (positions among every record
    /// added, in order, words or not) by `records`, in order. Returns how many of
    /// them had words. An error if `range` is not within the records.
    pub fn replace_records(
        &mut self,
        range: std::ops::Range<usize>,
        records: Vec<PageRecord>,
    ) -> Result<usize> {
        if range.start > range.end || range.end > self.indexed.len() {
            bail!(
                "records {range:?} of an index of {} records",
                self.indexed.len()
            );
        }
        let page = |n: usize| self.indexed[..n].iter().filter(|&&i| i).count();
        let pages = page(range.start)..page(range.end);
        let flags: Vec<bool> = records.iter().map(|r| !r.0.word_data.is_empty()).collect();
        let added: Vec<FossickedData> = records
            .into_iter()
            .map(|r| r.0)
            .filter(|p| !p.word_data.is_empty())
            .collect();
        let count = added.len();
        self.builder.replace_pages(pages, added);
        self.indexed.splice(range, flags);
        Ok(count)
    }

    /// Pages indexed so far.
    pub fn page_count(&self) -> usize {
        self.builder.page_count()
    }

    /// waypost patch: records added so far (with words or not).
    pub fn record_count(&self) -> usize {
        self.indexed.len()
    }

    /// waypost patch: the index's state as bytes, for [`LanguageIndex::from_state`]
    /// (with the same config and language, in a build of the same Pagefind).
    pub fn state_to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write_state(&mut |part| {
            bytes.extend_from_slice(part);
            Ok(())
        })
        .expect("writing to memory cannot fail");
        bytes
    }

    /// waypost patch: [`LanguageIndex::state_to_bytes`] handed to `out` a part at a
    /// time (a megabyte or a shard of the words), so that a caller writes it out
    /// without holding it whole (it is tens of megabytes).
    pub fn write_state(
        &self,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut w = record::Writer(Vec::with_capacity(self.indexed.len() + 16));
        w.bytes(STATE_MAGIC);
        w.num(self.indexed.len() as u64);
        w.0.extend(self.indexed.iter().map(|&i| i as u8));
        out(&w.0)?;
        self.builder.write_state(out)
    }

    /// waypost patch: the index whose state [`LanguageIndex::state_to_bytes`] gave; an
    /// error if `bytes` are not one, or not one of `language`.
    pub fn from_state(
        config: Option<PagefindServiceConfig>,
        language: String,
        bytes: &[u8],
    ) -> Result<Self> {
        let options = Self::options(config, &language)?;
        let mut r = record::Reader(bytes);
        if r.take(STATE_MAGIC.len())? != STATE_MAGIC {
            bail!("not an index state");
        }
        let n = r.count()?;
        let indexed = r
            .take(n)?
            .iter()
            .map(|&b| match b {
                0 => Ok(false),
                1 => Ok(true),
                _ => bail!("an index state with a bad record flag"),
            })
            .collect::<Result<Vec<bool>>>()?;
        let builder = IndexBuilder::from_bytes(r.0, &language)?;
        if indexed.iter().filter(|&&i| i).count() != builder.page_count() {
            bail!("an index state whose records are not its pages");
        }
        Ok(Self {
            options,
            builder,
            indexed,
        })
    }

    /// Builds the index and returns the bundle's files (paths relative to the bundle),
    /// the index files compressed on all cores at `gzip_level` (0–9). With no pages,
    /// the bundle has its scripts and no language index, as Pagefind makes it.
    pub async fn into_files(self, gzip_level: u32) -> Result<Vec<SyntheticFile>> {
        self.into_files_reusing(gzip_level, &|_, _| None).await
    }

    /// waypost patch: [`LanguageIndex::into_files`], asking `reuse` for each index file
    /// (its path relative to the bundle, and its uncompressed contents) before
    /// compressing it: what `reuse` returns is used as the file's compressed contents.
    /// waypost hands back the same file of its previous build, whose name (a hash of
    /// the contents) and contents it has checked.
    pub async fn into_files_reusing(
        self,
        gzip_level: u32,
        reuse: &(dyn Fn(&std::path::Path, &[u8]) -> Option<Vec<u8>> + Sync),
    ) -> Result<Vec<SyntheticFile>> {
        let LanguageIndex {
            options, builder, ..
        } = self;
        let outdir = &options.bundle_output;
        let (mut files, entries) = if builder.page_count() == 0 {
            (Vec::new(), Vec::new())
        } else {
            let built = builder.finish(&options)?;
            let entry = built.get_lang_meta(&options);
            let relative = |path: &std::path::Path, data: &[u8]| {
                reuse(path.strip_prefix(outdir).unwrap_or(path), data)
            };
            (
                built.files_in_parallel(&options, outdir, gzip_level, &relative),
                vec![entry],
            )
        };
        files.extend(
            crate::output::write_common_to_memory(
                entries,
                options.write_playground,
                outdir,
                &options,
            )
            .await,
        );
        for file in files.iter_mut() {
            if let Ok(relative_path) = file.filename.strip_prefix(outdir) {
                file.filename = relative_path.to_path_buf();
            }
        }
        Ok(files)
    }
}

/// waypost patch: one page as Pagefind parsed it, before it is folded into an index
/// ([`LanguageIndex::parse_html_files`]); `to_bytes`/`from_bytes` keep it between builds.
#[derive(Debug, Clone)]
pub struct PageRecord(FossickedData);

impl PageRecord {
    /// The record as bytes: a compact binary form, lengths and numbers as LEB128.
    pub fn to_bytes(&self) -> Vec<u8> {
        let p = &self.0;
        let d = &p.fragment.data;
        let mut w = record::Writer(Vec::with_capacity(d.content.len() * 2 + 256));
        w.bytes(record::MAGIC);
        w.str(&p.url);
        w.num(p.fragment.page_number as u64);
        w.str(&d.url);
        w.str(&d.content);
        w.num(d.word_count as u64);
        w.num(d.filters.len() as u64);
        for (k, values) in &d.filters {
            w.str(k);
            w.num(values.len() as u64);
            for v in values {
                w.str(v);
            }
        }
        w.pairs(&d.meta);
        w.num(d.anchors.len() as u64);
        for a in &d.anchors {
            w.str(&a.element);
            w.str(&a.id);
            w.str(&a.text);
            w.opt_str(a.title.as_deref());
            w.num(a.location as u64);
        }
        w.num(p.word_data.len() as u64);
        for (word, places) in &p.word_data {
            w.str(word);
            w.num(places.len() as u64);
            for f in places {
                w.num(f.position as u64);
                w.num(f.weight as u64);
                w.opt_str(f.original_word.as_deref());
            }
        }
        w.num(p.meta_word_data.len() as u64);
        for (word, places) in &p.meta_word_data {
            w.str(word);
            w.num(places.len() as u64);
            for f in places {
                w.num(f.field_id as u64);
                w.num(f.position as u64);
                w.opt_str(f.original_word.as_deref());
            }
        }
        w.pairs(&p.sort);
        for flag in [
            p.has_custom_body,
            p.force_inclusion,
            p.has_html_element,
            p.has_old_bundle_reference,
            p.has_default_ui_reference,
        ] {
            w.num(flag as u64);
        }
        w.str(&p.language);
        w.0
    }

    /// A record from [`PageRecord::to_bytes`] (of the same Pagefind build).
    pub fn from_bytes(bytes: &[u8]) -> Result<PageRecord> {
        use crate::fossick::{FossickedWord, MetaFossickedWord};
        use crate::fragments::{PageAnchorData, PageFragment, PageFragmentData};
        let mut r = record::Reader(bytes);
        if r.take(record::MAGIC.len())? != record::MAGIC {
            bail!("not a page record");
        }
        let url = r.string()?;
        let page_number = r.num()? as usize;
        let fragment_url = r.string()?;
        let content = r.string()?;
        let word_count = r.num()? as usize;
        let mut filters = BTreeMap::new();
        for _ in 0..r.count()? {
            let k = r.string()?;
            let values = (0..r.count()?)
                .map(|_| r.string())
                .collect::<Result<Vec<_>>>()?;
            filters.insert(k, values);
        }
        let meta = r.pairs()?;
        let anchors = (0..r.count()?)
            .map(|_| {
                Ok(PageAnchorData {
                    element: r.string()?,
                    id: r.string()?,
                    text: r.string()?,
                    title: r.opt_string()?,
                    location: r.num()? as u32,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut word_data = hashbrown::HashMap::new();
        for _ in 0..r.count()? {
            let word = r.string()?;
            let places = (0..r.count()?)
                .map(|_| {
                    Ok(FossickedWord {
                        position: r.num()? as u32,
                        weight: r.num()? as u8,
                        original_word: r.opt_string()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            word_data.insert(word, places);
        }
        let mut meta_word_data = hashbrown::HashMap::new();
        for _ in 0..r.count()? {
            let word = r.string()?;
            let places = (0..r.count()?)
                .map(|_| {
                    Ok(MetaFossickedWord {
                        field_id: r.num()? as u16,
                        position: r.num()? as u32,
                        original_word: r.opt_string()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            meta_word_data.insert(word, places);
        }
        let sort = r.pairs()?;
        let mut flags = [false; 5];
        for f in flags.iter_mut() {
            *f = r.num()? != 0;
        }
        let language = r.string()?;
        if !r.0.is_empty() {
            bail!("a page record with bytes after its end");
        }
        Ok(PageRecord(FossickedData {
            url,
            fragment: PageFragment {
                page_number,
                data: PageFragmentData {
                    url: fragment_url,
                    content,
                    word_count,
                    filters,
                    meta,
                    anchors,
                },
            },
            word_data,
            meta_word_data,
            sort,
            has_custom_body: flags[0],
            force_inclusion: flags[1],
            has_html_element: flags[2],
            has_old_bundle_reference: flags[3],
            has_default_ui_reference: flags[4],
            language,
        }))
    }
}

/// waypost patch: the first bytes of a [`LanguageIndex`]'s state (and its format's
/// version).
const STATE_MAGIC: &[u8] = b"pflang1";

/// waypost patch: the byte form of [`PageRecord`], and of an index's state
/// (`IndexBuilder::to_bytes`).
pub(crate) mod record {
    use anyhow::{bail, Result};
    use std::collections::BTreeMap;

    /// The first bytes of a record (and its format's version).
    pub(crate) const MAGIC: &[u8] = b"pfrec1";

    pub(crate) struct Writer(pub(crate) Vec<u8>);

    impl Writer {
        pub(crate) fn bytes(&mut self, b: &[u8]) {
            self.0.extend_from_slice(b);
        }
        pub(crate) fn num(&mut self, mut n: u64) {
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    self.0.push(byte);
                    return;
                }
                self.0.push(byte | 0x80);
            }
        }
        /// A signed number, zigzag-encoded (small magnitudes take one byte).
        pub(crate) fn signed(&mut self, n: i32) {
            self.num(u64::from(((n << 1) ^ (n >> 31)) as u32));
        }
        pub(crate) fn str(&mut self, s: &str) {
            self.num(s.len() as u64);
            self.bytes(s.as_bytes());
        }
        pub(crate) fn opt_str(&mut self, s: Option<&str>) {
            match s {
                None => self.num(0),
                Some(s) => {
                    self.num(1);
                    self.str(s);
                }
            }
        }
        pub(crate) fn pairs(&mut self, map: &BTreeMap<String, String>) {
            self.num(map.len() as u64);
            for (k, v) in map {
                self.str(k);
                self.str(v);
            }
        }
    }

    pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

    impl<'a> Reader<'a> {
        pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
            if self.0.len() < n {
                bail!("cut short");
            }
            let (head, tail) = self.0.split_at(n);
            self.0 = tail;
            Ok(head)
        }
        #[inline]
        pub(crate) fn num(&mut self) -> Result<u64> {
            // Most numbers are one byte.
            if let Some((&byte, rest)) = self.0.split_first() {
                if byte & 0x80 == 0 {
                    self.0 = rest;
                    return Ok(u64::from(byte));
                }
            }
            let mut n = 0u64;
            for shift in (0..64).step_by(7) {
                let byte = self.take(1)?[0];
                n |= u64::from(byte & 0x7f) << shift;
                if byte & 0x80 == 0 {
                    return Ok(n);
                }
            }
            bail!("a number too long")
        }
        /// A number written by [`Writer::signed`].
        #[inline]
        pub(crate) fn signed(&mut self) -> Result<i32> {
            let n = self.num()?;
            if n > u64::from(u32::MAX) {
                bail!("a number too long");
            }
            let n = n as u32;
            Ok(((n >> 1) as i32) ^ -((n & 1) as i32))
        }
        /// A count of items that follow: each takes at least a byte.
        pub(crate) fn count(&mut self) -> Result<usize> {
            let n = self.num()? as usize;
            if n > self.0.len() {
                bail!("a count past the end");
            }
            Ok(n)
        }
        pub(crate) fn string(&mut self) -> Result<String> {
            let n = self.count()?;
            Ok(std::str::from_utf8(self.take(n)?)?.to_string())
        }
        pub(crate) fn opt_string(&mut self) -> Result<Option<String>> {
            Ok(match self.num()? {
                0 => None,
                _ => Some(self.string()?),
            })
        }
        pub(crate) fn pairs(&mut self) -> Result<BTreeMap<String, String>> {
            let mut map = BTreeMap::new();
            for _ in 0..self.count()? {
                let k = self.string()?;
                map.insert(k, self.string()?);
            }
            Ok(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// waypost patch: a record read back from its bytes builds the same bundle.
    #[tokio::test]
    async fn a_page_record_read_back_from_bytes_builds_the_same_index() {
        let docs = vec![
            (
                "/a/".to_string(),
                "<html lang=\"es\"><body><main data-pagefind-body>\
                 <h1 data-pagefind-meta=\"title\">Activación</h1>\
                 <span data-pagefind-filter=\"canal:tienda\"></span>\
                 <span data-pagefind-sort=\"weight:2\"></span>\
                 <h2 id=\"pasos\">Pasos</h2><p>Lleva tu DNI a la tienda. Ünïcode café.</p>\
                 </main></body></html>"
                    .to_string(),
            ),
            (
                "/b/".to_string(),
                "<html lang=\"es\"><body><main data-pagefind-body><p>Otra página</p></main></body></html>"
                    .to_string(),
            ),
        ];
        let index = LanguageIndex::new(None, "es".into()).unwrap();
        let records = index.parse_html_files(docs).unwrap();
        let read_back: Vec<PageRecord> = records
            .iter()
            .map(|r| PageRecord::from_bytes(&r.to_bytes()).unwrap())
            .collect();
        assert_eq!(read_back[0].0.word_data, records[0].0.word_data);
        assert_eq!(read_back[0].0.sort, records[0].0.sort);
        let bundle = |records: Vec<PageRecord>| async move {
            let mut index = LanguageIndex::new(None, "es".into()).unwrap();
            index.add_records(records);
            let mut files: Vec<(PathBuf, Vec<u8>)> = index
                .into_files(6)
                .await
                .unwrap()
                .into_iter()
                .map(|f| (f.filename, f.contents))
                .collect();
            files.sort();
            files
        };
        assert_eq!(bundle(records).await, bundle(read_back).await);
        let bytes = PageRecord::from_bytes(b"pfrec1\x05ab");
        assert!(bytes.is_err(), "a cut record is an error");
        assert!(PageRecord::from_bytes(b"nonsense").is_err());
    }

    /// waypost patch: records replaced in an index read back from its state build
    /// the same bundle as an index of the new list of records; records without words
    /// keep their places.
    #[tokio::test]
    async fn an_index_edited_from_its_state_builds_the_same_bundle() {
        let doc = |n: usize, text: &str| {
            (
                format!("/p{n}/"),
                format!(
                    "<html lang=\"es\"><body><main data-pagefind-body>\
                     <h1 data-pagefind-meta=\"title\">Página {n}</h1><p>{text}</p>\
                     </main></body></html>"
                ),
            )
        };
        let empty = |n: usize| {
            (
                format!("/e{n}/"),
                "<html lang=\"es\"><body><main data-pagefind-body></main></body></html>"
                    .to_string(),
            )
        };
        let parser = LanguageIndex::new(None, "es".into()).unwrap();
        let records = |docs: Vec<(String, String)>| parser.parse_html_files(docs).unwrap();
        let before = vec![
            doc(0, "Está aquí"),
            empty(1),
            doc(2, "esta café"),
            empty(3),
            doc(4, "ésta más"),
        ];
        let mut index = LanguageIndex::new(None, "es".into()).unwrap();
        assert_eq!(index.add_records(records(before.clone())), 3);
        let state = index.state_to_bytes();
        let mut edited = LanguageIndex::from_state(None, "es".into(), &state).unwrap();
        assert_eq!((edited.record_count(), edited.page_count()), (5, 3));
        // The empty record 1 and the page 2 become a page and an empty record.
        let new = vec![doc(5, "sí está"), empty(6)];
        assert_eq!(edited.replace_records(1..3, records(new.clone())).unwrap(), 1);
        assert!(edited.replace_records(4..6, vec![]).is_err());
        let mut after = before;
        after.splice(1..3, new);
        let mut full = LanguageIndex::new(None, "es".into()).unwrap();
        full.add_records(records(after));
        let files = |index: LanguageIndex| async move {
            let mut files: Vec<(PathBuf, Vec<u8>)> = index
                .into_files(6)
                .await
                .unwrap()
                .into_iter()
                .map(|f| (f.filename, f.contents))
                .collect();
            files.sort();
            files
        };
        assert_eq!(files(edited).await, files(full).await);
        assert!(LanguageIndex::from_state(None, "en".into(), &state).is_err());
        assert!(LanguageIndex::from_state(None, "es".into(), &state[..state.len() - 1]).is_err());
        assert!(LanguageIndex::from_state(None, "es".into(), b"nonsense").is_err());
    }

    #[tokio::test]
    async fn test_add_file() {
        let options = PagefindServiceConfig::builder()
            .keep_index_url(true)
            .force_language("en".to_string())
            .build();
        let mut index = PagefindIndex::new(Some(options)).unwrap();
        let file_response = index
            .add_html_file(
                Some("test/index.html".into()),
                None,
                "<html><body><h1>Test content</h1></body></html>".into(),
            )
            .await;

        let file = file_response.expect("Adding a file should succeed");
        assert_eq!(file.page_word_count, 2);
        assert_eq!(file.page_url, "/test/index.html");

        let files_response = index.get_files().await;

        let files = files_response.expect("Getting files should succeed");
        let filenames: Vec<_> = files.into_iter().map(|f| f.filename).collect();
        assert!(filenames.contains(&PathBuf::from("pagefind.js")));
        assert!(filenames.contains(&PathBuf::from("pagefind-ui.js")));
        assert!(filenames.contains(&PathBuf::from("pagefind-ui.css")));
        assert!(filenames.contains(&PathBuf::from("wasm.en.pagefind")));
        assert!(filenames.contains(&PathBuf::from("pagefind-entry.json")));
        assert!(filenames
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".pf_meta")));
        assert!(filenames
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".pf_fragment")));
        assert!(filenames
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".pf_index")));
    }
}
