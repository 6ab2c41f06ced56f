//! waypost: a static site generator for multilingual, step-by-step guides.
//!
//! The pipeline, data flowing one way (only [`output`] writes):
//!
//! ```text
//! config ─► content (walkdir, front matter) ─► markdown (pulldown-cmark) ─► site model
//!       ─► render (Tera) ─► output (disk)
//! ```
//!
//! [`build`] runs it end to end; each stage is a module that takes data and returns data.
//! `ARCHITECTURE.md` at the top of the repository maps the modules and the invariants
//! (only `output` writes, deterministic output, serve == build).
//! [`check`] loads and renders the same way, writes nothing, and reports what is broken,
//! missing, outdated or stale.

pub mod cache;
pub mod check;
pub mod config;
pub mod content;
pub mod error;
pub(crate) mod html;
pub mod images;
pub mod init;
pub mod markdown;
pub(crate) mod offline;
pub mod output;
pub(crate) mod paths;
pub mod pipeline;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod stamp;
pub(crate) mod unchanged;
pub(crate) mod url;
pub(crate) mod yaml;

#[cfg(test)]
mod testing;

use std::path::Path;
use std::time::{Duration, Instant};

pub use cache::CacheChoice;
pub use error::{Diagnostic, Error, Result};
pub use output::OutputFile;
pub use pipeline::Pipeline;
pub use site::{BuildOptions, Site};

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Pages and sections written from source files (fallback copies not counted).
    pub pages: usize,
    /// Fallback copies of untranslated pages.
    pub fallbacks: usize,
    /// Broken links the link policy let through with a warning.
    pub warnings: Vec<Diagnostic>,
    /// Languages.
    pub languages: usize,
    /// Files written.
    pub files: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// How the build cache was used (None: built without one).
    pub cache: Option<cache::Stats>,
    /// Problems with the build cache (damaged entries, a folder that cannot be
    /// written): the build went on without those entries.
    pub cache_warnings: Vec<String>,
    /// Nothing the build is made from changed since the last build with the cache, and
    /// the output was as that build left it: nothing was read or written
    /// (see `unchanged`). The counts are that build's.
    pub unchanged: bool,
}

impl std::fmt::Display for BuildReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "built {} pages in {} language{} in {:.2} s",
            self.pages,
            self.languages,
            if self.languages == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64()
        )?;
        if self.fallbacks > 0 {
            write!(
                f,
                " ({} untranslated pages published as fallbacks)",
                self.fallbacks
            )?;
        }
        if self.unchanged {
            write!(
                f,
                "; nothing changed, the output is as the last build left it"
            )?;
        }
        Ok(())
    }
}

/// Where a long build reports how far it is (`waypost build` draws it on a terminal).
/// Every method has a default that does nothing.
pub trait Progress: Sync {
    /// A stage begins: `name`, and how many steps it has (0 when unknown).
    fn stage(&self, _name: &str, _total: u64) {}
    /// `n` more steps of the current stage are done.
    fn advance(&self, _n: u64) {}
}

/// Reports nothing.
impl Progress for () {}

/// Loads and renders the site in memory: every output file, nothing written.
pub fn build_in_memory(root: &Path, opts: &BuildOptions) -> Result<(Site, Vec<OutputFile>)> {
    let pipeline = Pipeline::new(root, opts, None);
    let site = pipeline.load()?;
    let t = Instant::now();
    let mut files = Vec::new();
    pipeline.render(&site, &render::Renderer::new(&site.root)?, |part| {
        files.extend(part);
        Ok(())
    })?;
    log::debug!(
        "rendered {} files in {:.3} s",
        files.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let before = files.len();
    pipeline.index(&site, None, |bundle| {
        files.extend(bundle);
        Ok(())
    })?;
    log::debug!(
        "indexed for search in {:.3} s ({} files)",
        t.elapsed().as_secs_f64(),
        files.len() - before
    );
    let mut ledger = offline::Ledger::new(&site);
    ledger.add(&files)?;
    files.extend(ledger.files(&site)?);
    Ok((site, files))
}

/// A static server `waypost host` writes configuration for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostServer {
    /// nginx: `waypost-http.conf` (include in `http { }`) and `waypost-server.conf`
    /// (include where the site is served).
    Nginx,
    /// Caddy: `waypost.caddy` (import inside the site's block).
    Caddy,
}

/// The configuration fragments telling `server` what `_redirects` and `_headers` tell
/// Netlify and Cloudflare Pages (the same rules: aliases as 301s, a year for hashed files,
/// the security headers), as `(file name, text)`. Loads the site as a build with `opts`
/// does (no page is rendered, nothing is written).
pub fn host_fragments(
    root: &Path,
    opts: &BuildOptions,
    server: HostServer,
) -> Result<Vec<(String, String)>> {
    let site = Pipeline::new(root, opts, None).load()?;
    let rules = render::Renderer::new(&site.root)?.host_rules(&site)?;
    Ok(match server {
        HostServer::Nginx => {
            let (http, server) = rules.nginx();
            vec![
                ("waypost-http.conf".into(), http),
                ("waypost-server.conf".into(), server),
            ]
        }
        HostServer::Caddy => vec![("waypost.caddy".into(), rules.caddy())],
    })
}

/// Builds the site at `root` into the writer's folder (checked by [`output::Writer::new`]).
/// The previous contents of the folder are replaced only when the whole build succeeded.
///
/// Unlike [`build_in_memory`], the output is written as it is made: rendered pages a
/// part at a time, then each language's search bundle, so memory holds the site model
/// and one part of the output, not the whole built site.
///
/// With a `cache` ([`cache::Cache`]), unchanged pages are taken from it rather than
/// rendered and parsed for search again; the output is the same byte for byte. After a
/// successful build, the entries it did not use are deleted from the cache.
pub fn build(
    root: &Path,
    writer: &output::Writer,
    opts: &BuildOptions,
    cache: Option<cache::Cache>,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let start = Instant::now();
    // Before anything is read: a source edited from here on makes the next build check.
    let look = cache
        .as_ref()
        .map(|c| unchanged::look(c, root, opts, &writer.dir));
    if look.is_some() {
        log::debug!(
            "compared the sources, the output and the cache with the last build's record in {:.3} s",
            start.elapsed().as_secs_f64()
        );
    }
    let (inputs, previous) = match look {
        Some(unchanged::Look {
            inputs,
            last,
            output,
        }) => {
            if let (Some(c), Some(last)) = (&cache, last) {
                log::debug!(
                    "nothing changed since the last build (checked in {:.3} s)",
                    start.elapsed().as_secs_f64()
                );
                return Ok(BuildReport {
                    pages: last.pages,
                    fallbacks: last.fallbacks,
                    languages: last.languages,
                    warnings: Vec::new(),
                    files: last.files,
                    elapsed: start.elapsed(),
                    cache: Some(c.stats()),
                    cache_warnings: c.take_warnings(),
                    unchanged: true,
                });
            }
            (Some(inputs), output)
        }
        None => (None, None),
    };
    progress.stage("reading pages", 0);
    let pipeline = Pipeline::new(root, opts, cache.as_ref());
    let site = pipeline.load()?;
    // The cache may be deleted at any time: if it was, while pages linked to its
    // entries were being published, the site is written again without it (what was
    // loaded from it was complete and checked when it was read).
    let (written, cache) = match write_site(pipeline, &site, writer, previous, progress) {
        Ok(written) => (written, cache),
        Err(e) if cache.as_ref().is_some_and(|c| c.vanished(&e)) => {
            log::warn!(
                "the build cache was deleted during the build; writing the site again \
                 without it"
            );
            // That cache is not finished: it would prune what this build did not use.
            (
                write_site(pipeline.without_memo(), &site, writer, None, progress)?,
                None,
            )
        }
        Err(e) => return Err(e),
    };
    let (files, manifest) = written;
    let fallbacks = site
        .pages
        .iter()
        .filter(|p| p.fallback_from.is_some())
        .count();
    let last = unchanged::Last {
        pages: site.page_count(),
        fallbacks,
        languages: site.config.languages.len(),
        files,
    };
    let (cache_warnings, cache) = match cache {
        Some(cache) => {
            let (warnings, stats) =
                finish_cache(cache, inputs.as_ref(), &site, writer, last, &manifest);
            (warnings, Some(stats))
        }
        None => (Vec::new(), None),
    };
    Ok(BuildReport {
        pages: site.page_count(),
        fallbacks,
        languages: site.config.languages.len(),
        warnings: site.warnings.clone(),
        files,
        elapsed: start.elapsed(),
        cache,
        cache_warnings,
        unchanged: false,
    })
}

/// Finishes the build cache of a build of `site` that left the output with `manifest`:
/// records the build (`unchanged::finish`) when its inputs were taken, and logs what
/// the cache did.
fn finish_cache(
    cache: cache::Cache,
    inputs: Option<&unchanged::Inputs>,
    site: &Site,
    writer: &output::Writer,
    last: unchanged::Last,
    manifest: &output::Manifest,
) -> (Vec<String>, cache::Stats) {
    let t = Instant::now();
    // A build with warnings is never skipped: they are shown every time.
    let warned = !site.warnings.is_empty();
    let (warnings, stats) = match inputs {
        Some(i) => unchanged::finish(cache, i, &writer.dir, last, manifest, warned),
        None => cache.finish(),
    };
    log::debug!(
        "build cache: {} used, {} made, {} written, {} unused deleted; finished in {:.3} s",
        stats.hits,
        stats.misses,
        stats.written,
        stats.pruned,
        t.elapsed().as_secs_f64()
    );
    (warnings, stats)
}

/// Renders and indexes the loaded site into a staging folder and swaps it in place of
/// the output folder (the lock of which is held from the first file written to the
/// swap) — or, given `previous` (the manifest of the output folder as the last build
/// left it), writes only the files that change and moves them in; returns how many
/// files the site has and the output's manifest.
fn write_site(
    pipeline: Pipeline<'_>,
    site: &Site,
    writer: &output::Writer,
    previous: Option<output::Manifest>,
    progress: &dyn Progress,
) -> Result<(usize, output::Manifest)> {
    let updating = previous.is_some();
    let mut staging = writer.stage(previous)?;
    staging.precompress(&site.config.output.precompress);
    let t = Instant::now();
    progress.stage("rendering pages", site.pages.len() as u64);
    let mut writing = Duration::ZERO;
    let mut ledger = offline::Ledger::new(site);
    pipeline.render(site, &render::Renderer::new(&site.root)?, |part| {
        let w = Instant::now();
        ledger.add(&part)?;
        staging.write(&part)?;
        writing += w.elapsed();
        progress.advance(part.iter().filter(|f| f.path.ends_with(".html")).count() as u64);
        Ok(())
    })?;
    log::debug!(
        "rendered and wrote {} files in {:.3} s (writing {:.3} s){}",
        staging.written(),
        t.elapsed().as_secs_f64(),
        writing.as_secs_f64(),
        pipeline::peak_memory()
    );
    let t = Instant::now();
    let before = staging.written();
    if site.config.search.enabled {
        progress.stage(
            "indexing for search (languages)",
            site.config.languages.len() as u64,
        );
    }
    let mut writing = Duration::ZERO;
    pipeline.index(site, None, |bundle| {
        let w = Instant::now();
        ledger.add(&bundle)?;
        staging.write(&bundle)?;
        writing += w.elapsed();
        progress.advance(1);
        Ok(())
    })?;
    if site.config.search.enabled {
        log::debug!(
            "indexed for search and wrote {} files in {:.3} s (writing {:.3} s){}",
            staging.written() - before,
            t.elapsed().as_secs_f64(),
            writing.as_secs_f64(),
            pipeline::peak_memory()
        );
    }
    staging.write(&ledger.files(site)?)?;
    let (files, changed) = (staging.written(), staging.changed());
    let t = Instant::now();
    let manifest = staging.commit()?;
    if updating {
        log::debug!(
            "updated the output in place in {:.3} s: {changed} of {files} files new or changed",
            t.elapsed().as_secs_f64()
        );
    } else {
        log::debug!(
            "replaced the previous output in {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }
    Ok((files, manifest))
}
