//! The least rebuild that is correct for a batch of changed files.
//!
//! Takes a batch of changed paths (relative to the site root); gives the output files
//! that must be (re)placed: an edited page re-parses that page only and re-renders what
//! shows it (`Site::update_page`); a template edit re-renders every page without
//! re-parsing Markdown; a static file is re-read; site.yaml, i18n, and files created,
//! deleted or renamed rebuild everything. On error the previous site stays as it was.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::Cache;
use crate::error::Result;
use crate::output::OutputFile;
use crate::pipeline::Pipeline;
use crate::render::{self, Renderer};
use crate::site::{incremental::Update, BuildOptions, Site};

/// What a rebuild produced.
#[derive(Debug)]
pub struct Outcome {
    /// Files to put in place.
    pub files: Vec<OutputFile>,
    /// These files are the whole site (except the search index): anything else goes.
    pub complete: bool,
    /// Only stylesheets changed.
    pub css_only: bool,
    /// Pages re-rendered.
    pub pages: usize,
    /// The site changed in a way the search index sees.
    pub content_changed: bool,
    /// The languages whose pages changed, when known (None: any language may have).
    pub languages: Option<BTreeSet<String>>,
}

/// Owns the loaded site and templates between rebuilds.
pub struct Rebuilder {
    root: PathBuf,
    opts: BuildOptions,
    /// Shared with the search worker, which indexes the newest one it was sent: an
    /// edit clones it only while the worker still holds the previous one.
    site: Arc<Site>,
    renderer: Renderer,
    /// What an earlier failed batch leaves to the next one.
    pending: Pending,
    /// The build cache, for rendered Markdown on full reloads.
    cache: Option<Arc<Cache>>,
}

/// What the next batch must rebuild after a failure, so that the error shown goes away
/// only when the site it hid builds whole.
#[derive(Debug, PartialEq)]
enum Pending {
    /// The last batch succeeded.
    Nothing,
    /// Only these pages failed to parse, and nothing was changed: a batch that edits
    /// them all may still be rebuilt page by page (the common "typo, then fix" loop).
    Pages(BTreeSet<PathBuf>),
    /// Anything else failed: the next batch rebuilds everything.
    Everything,
}

enum Kind {
    Full,
    Templates,
    Static,
    Pages(Vec<PathBuf>),
    Assets(Vec<PathBuf>),
}

impl Rebuilder {
    /// Loads and renders the whole site, through the pipeline with `cache` as its memo
    /// for this load and every full reload (a preview of a site built before starts
    /// without rendering its Markdown again).
    pub fn new(
        root: &Path,
        opts: &BuildOptions,
        cache: Option<Arc<Cache>>,
    ) -> Result<(Rebuilder, Vec<OutputFile>)> {
        let pipeline = Pipeline::new(root, opts, cache.as_deref());
        let site = pipeline.load()?;
        let renderer = Renderer::new(root)?;
        let mut files = renderer.site(&site)?;
        files.extend(pipeline.image_copies(&site)?);
        Ok((
            Rebuilder {
                root: root.to_path_buf(),
                opts: opts.clone(),
                site: Arc::new(site),
                renderer,
                pending: Pending::Nothing,
                cache,
            },
            files,
        ))
    }

    /// Called when a batch failed or its files could not be put in place: the next batch
    /// rebuilds everything, unless [`Rebuilder::apply`] found that one page failed alone
    /// (then a batch editing that page is still rebuilt page by page). A failed batch may
    /// hide other errors (a broken `static/` file, say) that a partial rebuild would not
    /// see, and the error shown must only go away when the whole site builds.
    pub fn failed(&mut self) {
        if self.pending == Pending::Nothing {
            self.pending = Pending::Everything;
        }
    }

    /// The current site.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The current site, shared (for the search worker: no copy is made).
    pub(crate) fn shared_site(&self) -> Arc<Site> {
        Arc::clone(&self.site)
    }

    /// Applies one batch of changes. On error the site is as it was (or the next batch
    /// rebuilds it whole).
    pub fn apply(&mut self, batch: &BTreeSet<PathBuf>) -> Result<Outcome> {
        let kind = match (&self.pending, self.classify(batch)) {
            (Pending::Nothing, kind) => kind,
            (Pending::Pages(failed), Kind::Pages(paths))
                if failed.iter().all(|f| paths.contains(f)) =>
            {
                Kind::Pages(paths)
            }
            _ => Kind::Full,
        };
        let result = self.run(kind, batch);
        match &result {
            Ok(_) => self.pending = Pending::Nothing,
            // `run` set what is pending for a page that failed alone.
            Err(_) if matches!(self.pending, Pending::Pages(_)) => {}
            Err(_) => self.pending = Pending::Everything,
        }
        result
    }

    fn run(&mut self, kind: Kind, batch: &BTreeSet<PathBuf>) -> Result<Outcome> {
        self.pending = Pending::Nothing;
        match kind {
            Kind::Full => self.full(),
            Kind::Templates => {
                let renderer = Renderer::new(&self.root)?;
                let mut files = renderer.site(&self.site)?;
                files.extend(
                    Pipeline::new(&self.root, &self.opts, self.cache.as_deref())
                        .image_copies(&self.site)?,
                );
                self.renderer = renderer;
                Ok(Outcome {
                    pages: self.site.pages.len(),
                    files,
                    complete: true,
                    css_only: false,
                    content_changed: false,
                    languages: None,
                })
            }
            Kind::Static => {
                let files = render::static_files(&self.site)?;
                let css_only = batch
                    .iter()
                    .all(|p| p.extension().is_some_and(|e| e == "css"));
                Ok(Outcome {
                    files,
                    complete: false,
                    css_only,
                    pages: 0,
                    content_changed: false,
                    languages: None,
                })
            }
            Kind::Assets(paths) => {
                let files = paths
                    .iter()
                    .filter_map(|p| {
                        let abs = self.root.join(p);
                        self.site
                            .assets
                            .iter()
                            .find(|a| a.path == abs || a.path.ends_with(p))
                            .map(|a| OutputFile {
                                path: a.output.clone(),
                                contents: crate::output::Contents::Copy(a.path.clone()),
                            })
                    })
                    .collect();
                Ok(Outcome {
                    files,
                    complete: false,
                    css_only: false,
                    pages: 0,
                    content_changed: false,
                    languages: None,
                })
            }
            Kind::Pages(paths) => {
                let mut set = BTreeSet::new();
                let mut listings = false;
                for (n, p) in paths.iter().enumerate() {
                    match Arc::make_mut(&mut self.site).update_page(p) {
                        Ok(Update::Pages { pages, listings: l }) => {
                            set.extend(pages);
                            listings |= l;
                        }
                        Ok(Update::Full) => return self.full(),
                        Err(e) => {
                            // Pages before this one were updated: the site changed.
                            if n == 0 {
                                self.pending = Pending::Pages(BTreeSet::from([p.clone()]));
                            }
                            return Err(e);
                        }
                    }
                }
                let indices: Vec<usize> = set.into_iter().collect();
                let files = self.renderer.pages(&self.site, &indices, listings)?;
                let languages = indices
                    .iter()
                    .map(|&i| self.site.pages[i].lang.clone())
                    .collect();
                Ok(Outcome {
                    pages: indices.len(),
                    files,
                    complete: false,
                    css_only: false,
                    content_changed: true,
                    languages: Some(languages),
                })
            }
        }
    }

    fn full(&mut self) -> Result<Outcome> {
        let pipeline = Pipeline::new(&self.root, &self.opts, self.cache.as_deref());
        let site = pipeline.load()?;
        let renderer = Renderer::new(&self.root)?;
        let mut files = renderer.site(&site)?;
        files.extend(pipeline.image_copies(&site)?);
        self.site = Arc::new(site);
        self.renderer = renderer;
        Ok(Outcome {
            pages: self.site.pages.len(),
            files,
            complete: true,
            css_only: false,
            content_changed: true,
            languages: None,
        })
    }

    fn classify(&self, batch: &BTreeSet<PathBuf>) -> Kind {
        let mut templates = false;
        let mut statics = false;
        let mut pages = Vec::new();
        let mut assets = Vec::new();
        for p in batch {
            let first = p
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or("");
            let abs = self.root.join(p);
            // A file replaced by a symbolic link (`rm x; ln -s /etc/passwd x`) is read
            // again by the whole load, which refuses links leading out of the site.
            if std::fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink()) {
                return Kind::Full;
            }
            match first {
                "content" => {
                    if abs.is_dir() {
                        // A folder appeared or went away: the tree changed.
                        return Kind::Full;
                    }
                    let known_page = self.site.pages.iter().any(|pg| pg.is_from(p));
                    if p.extension().is_some_and(|e| e == "md") {
                        if !known_page || !abs.is_file() {
                            return Kind::Full;
                        }
                        pages.push(p.clone());
                    } else {
                        let known = self.site.assets.iter().any(|a| a.path == abs);
                        // An image a page shows: its size and copies change with it.
                        let shown = self.site.images.images().any(|i| i.path == abs);
                        if !known || shown || !abs.is_file() {
                            return Kind::Full;
                        }
                        assets.push(p.clone());
                    }
                }
                "templates" => templates = true,
                "static" => statics = true,
                _ => return Kind::Full,
            }
        }
        match (templates, statics, pages.is_empty(), assets.is_empty()) {
            (true, _, _, _) if pages.is_empty() && assets.is_empty() && !statics => Kind::Templates,
            (false, true, true, true) => Kind::Static,
            (false, false, false, true) => Kind::Pages(pages),
            (false, false, true, false) => Kind::Assets(assets),
            _ => Kind::Full,
        }
    }
}
