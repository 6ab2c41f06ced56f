//! The pipeline: the stages in order, assembled in one place, with the build cache as
//! their memo.
//!
//! Takes the site's folder, the build options and, optionally, an open build cache;
//! gives each stage's result — the loaded [`Site`] ([`Pipeline::load`], or
//! [`Pipeline::load_lenient`] for `check`, which reports broken links with the rest),
//! the rendered files in parts ([`Pipeline::render`]), each language's search bundle
//! ([`Pipeline::index`]). `build` (`lib.rs`: `build`, `build_in_memory`),
//! `serve` (its first load, full reloads and search refreshes) and `check` all call the
//! stages through here, so they share one order, one cache policy (opened by
//! [`crate::cache::CacheChoice`]) and one log of timings.
//!
//! Where a stage can take a result from the cache, the pipeline hands it the memo; with
//! none, every stage computes everything, and the output is the same byte for byte.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use crate::cache::Cache;
use crate::config::Config;
use crate::error::Result;
use crate::images::VariantMemo;
use crate::markdown::RenderMemo;
use crate::output::OutputFile;
use crate::render::{PageMemo, Renderer};
use crate::search::IndexMemo;
use crate::site::{links::LinkFindings, BuildOptions, Site};

/// The stages of one site, with their memo (see the module docs).
#[derive(Clone, Copy)]
pub struct Pipeline<'a> {
    root: &'a Path,
    opts: &'a BuildOptions,
    memo: Option<&'a Cache>,
}

impl<'a> Pipeline<'a> {
    /// The pipeline of the site at `root`, built with `opts`, keeping results in `memo`
    /// (None: none are kept).
    pub fn new(root: &'a Path, opts: &'a BuildOptions, memo: Option<&'a Cache>) -> Self {
        Pipeline { root, opts, memo }
    }

    /// The same stages without the memo (a build writing the site again after its
    /// cache was deleted under it).
    pub(crate) fn without_memo(self) -> Self {
        Pipeline { memo: None, ..self }
    }

    /// Stage 1: the site model, links checked; any problem fails it.
    pub fn load(&self) -> Result<Site> {
        let t = Instant::now();
        let config = crate::site::load_config(self.root, self.opts)?;
        let (site, _) =
            crate::site::load_site(self.root, config, self.opts, false, self.render_memo())?;
        log::debug!(
            "loaded {} pages in {:.3} s{}",
            site.pages.len(),
            t.elapsed().as_secs_f64(),
            peak_memory()
        );
        Ok(site)
    }

    /// [`Pipeline::load`] of the site whose `site.yaml` gave `config` (read once by the
    /// caller, which reports with it even when the site does not load), except that
    /// broken links and anchors do not fail it: they are returned with the site, sorted
    /// by the link policy (`check` and `stamp` report them).
    pub(crate) fn load_lenient(&self, config: Config) -> Result<(Site, LinkFindings)> {
        crate::site::load_site(self.root, config, self.opts, true, self.render_memo())
    }

    /// The memo the Markdown stage asks for renders: the cache, or `()` (none kept).
    fn render_memo(&self) -> &'a dyn RenderMemo {
        match self.memo {
            Some(cache) => cache,
            None => &(),
        }
    }

    /// Stage 2: every file of the site but the search bundles, through `renderer`, handed
    /// to `each` in parts (pages a part at a time, then the rest, then the images'
    /// resized copies).
    pub(crate) fn render(
        &self,
        site: &Site,
        renderer: &Renderer,
        mut each: impl FnMut(Vec<OutputFile>) -> Result<()>,
    ) -> Result<()> {
        let memo: &dyn PageMemo = match self.memo {
            Some(cache) => cache,
            None => &(),
        };
        renderer.site_each(site, memo, &mut each)?;
        each(self.image_copies(site)?)
    }

    /// Stage 2's images: the resized copies of every image the pages show, encoded in
    /// parallel — or, with the cache, taken from it when an earlier build made them from
    /// the same bytes and settings.
    pub(crate) fn image_copies(&self, site: &Site) -> Result<Vec<OutputFile>> {
        let t = Instant::now();
        let memo: &dyn VariantMemo = match self.memo {
            Some(cache) => cache,
            None => &(),
        };
        let (files, count) = crate::images::variant_files(&site.images, memo)?;
        log::debug!(
            "images: {} resized copies of {} images, {} images encoded, in {:.3} s",
            count.variants,
            count.images,
            count.encoded,
            t.elapsed().as_secs_f64()
        );
        Ok(files)
    }

    /// Stage 3: the search bundles of the languages in `only` (all when None), each
    /// language's files handed to `each` as soon as they are made.
    pub(crate) fn index(
        &self,
        site: &Site,
        only: Option<&BTreeSet<String>>,
        each: impl FnMut(Vec<OutputFile>) -> Result<()>,
    ) -> Result<()> {
        let memo: &dyn IndexMemo = match self.memo {
            Some(cache) => cache,
            None => &(),
        };
        crate::search::index_each(site, only, memo, each)
    }
}

/// `"; peak memory N MB"` where the OS tells (Linux), for `-v` build logs.
pub(crate) fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| format!("; peak memory {} MB", kb / 1024))
        .unwrap_or_default()
}
