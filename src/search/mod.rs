//! Search: Pagefind as a library, fed from memory.
//!
//! Takes the loaded [`Site`]; gives the [`OutputFile`]s of one Pagefind bundle per
//! language, at `/<lang>/pagefind/`. Each page is handed to Pagefind as a small HTML
//! document made from the page itself (title, facets as filters, body with heading ids
//! for sub-results) — no second pass over files on disk, and no site chrome to exclude.
//! Languages are indexed concurrently, each by its own index; a bundle's files are
//! collected as soon as its language is done, and the index is dropped.
//!
//! Left out: fallback copies (a language's index holds only its own text), pages with
//! `search: false`, pages matching `search.exclude` globs, and the whole thing when
//! `search.enabled` is false. Languages Pagefind has no stemmer for are still indexed
//! (without stemming).

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::error::{Diagnostic, Error, Result};
use crate::markdown::escape;
use crate::output::OutputFile;
use crate::site::Site;

/// The folder of each language's bundle, under the language's folder.
pub const BUNDLE_DIR: &str = "pagefind";

/// Pages of one language to index: (URL relative to the language folder, document).
#[derive(Debug, Clone)]
pub struct LangDocs {
    /// Language code.
    pub lang: String,
    /// (URL relative to the language folder, HTML document) per page.
    pub docs: Vec<(String, String)>,
}

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
    doc.push_str(&format!(
        "<h1 data-pagefind-meta=\"title\">{}</h1>",
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
    doc.push_str(
        &p.rendered
            .html
            .replace("</td>", " </td>")
            .replace("</th>", " </th>"),
    );
    doc.push_str("</main></body></html>");
    doc
}

/// Builds every language's bundle.
pub fn index(site: &Site) -> Result<Vec<OutputFile>> {
    build(collect(site)?)
}

/// The documents to index, per language (empty when search is off).
pub fn collect(site: &Site) -> Result<Vec<LangDocs>> {
    if !site.config.search.enabled {
        return Ok(Vec::new());
    }
    let selection = Selection::new(site)?;
    let mut by_lang: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for (i, p) in site.pages.iter().enumerate() {
        if !selection.includes(site, i) {
            continue;
        }
        // URL relative to the language folder: Pagefind's script prefixes the bundle's
        // parent folder, so the index works under any base path or host.
        let prefix = format!(
            "{}/{}/",
            site.config.base_path,
            crate::markdown::links::encode_segment(&p.lang)
        );
        let rel = p.url.strip_prefix(&prefix).unwrap_or(&p.url);
        by_lang
            .entry(p.lang.as_str())
            .or_default()
            .push((format!("/{rel}"), document(site, i)));
    }
    let langs: Vec<LangDocs> = site
        .config
        .languages
        .iter()
        .map(|l| LangDocs {
            lang: l.code.clone(),
            docs: by_lang.remove(l.code.as_str()).unwrap_or_default(),
        })
        .collect();
    Ok(langs)
}

/// Indexes the documents: one Pagefind bundle per language, languages concurrently.
pub fn build(langs: Vec<LangDocs>) -> Result<Vec<OutputFile>> {
    if langs.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Error::one(Diagnostic::new(
                "search",
                format!("cannot start the indexer: {e}"),
            ))
        })?;
    // At most one language per core at a time: each index holds all of its language's
    // words until it is written, so this bounds peak memory without idling a core.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(cores));
    let results = runtime.block_on(async {
        let tasks: Vec<_> = langs
            .into_iter()
            .map(|l| {
                let permits = permits.clone();
                tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    index_language(l).await
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await);
        }
        out
    });
    let mut files = Vec::new();
    for r in results {
        match r {
            Ok(Ok(f)) => files.extend(f),
            Ok(Err(d)) => return Err(Error::one(d)),
            Err(e) => {
                return Err(Error::one(Diagnostic::new(
                    "search",
                    format!("indexer failed: {e}"),
                )))
            }
        }
    }
    Ok(files)
}

async fn index_language(l: LangDocs) -> std::result::Result<Vec<OutputFile>, Diagnostic> {
    let fail = |what: &str, e: anyhow::Error| {
        Diagnostic::new(
            format!("content/{}", l.lang),
            format!("search index: {what}: {e:#}"),
        )
    };
    let config = PagefindServiceConfig::builder().build();
    let mut index = PagefindIndex::new(Some(config)).map_err(|e| fail("setup", e))?;
    let count = l.docs.len();
    let started = std::time::Instant::now();
    for (url, doc) in l.docs {
        index
            .add_html_file(None, Some(url), doc)
            .await
            .map_err(|e| fail("adding a page", e))?;
    }
    if count == 0 {
        // An empty bundle still gets the scripts, so the search box loads without errors.
        index
            .add_custom_record("/".into(), String::new(), l.lang.clone(), None, None, None)
            .await
            .map_err(|e| fail("adding a page", e))?;
    }
    let added = started.elapsed();
    let files = index.get_files().await.map_err(|e| fail("building", e))?;
    log::debug!(
        "search {}: {count} pages added in {:.2} s, index built in {:.2} s",
        l.lang,
        added.as_secs_f64(),
        (started.elapsed() - added).as_secs_f64()
    );
    Ok(files
        .into_iter()
        .map(|f| {
            let rel = crate::content::discover::path_to_slash(&f.filename)
                .unwrap_or_else(|| f.filename.to_string_lossy().into_owned());
            OutputFile::bytes(format!("{}/{BUNDLE_DIR}/{rel}", l.lang), f.contents)
        })
        .collect())
}
