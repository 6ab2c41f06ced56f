//! Rendering with Tera.
//!
//! Takes a loaded [`Site`]; gives the [`OutputFile`]s of the built site: every page and
//! section through its template, the language chooser at `/`, a 404 page per language,
//! redirect pages for `aliases`, `sitemap.xml`, `robots.txt`, the theme's static files
//! and the files from `content/`. Templates get borrowed views of the site (nothing is
//! cloned per page); pages render in parallel.

pub(crate) mod dates;
mod exports;
pub(crate) mod host;
mod kept;
mod nav;
mod templates;
mod views;

use rayon::prelude::*;

use crate::error::{Diagnostic, Error, Result};
use crate::output::{Contents, OutputFile};
use crate::site::Site;

pub(crate) use templates::{load_templates, TemplateDigest, BUILTIN_STATIC};

/// What a page's HTML is made from, as a [`PageMemo`] is asked for it: the template
/// set's digest, the page's template, the digest of its language's shared context
/// entries ([`PageMemo::digest`]), and the page's own entries.
pub(crate) struct PageInputs<'a> {
    pub templates: &'a [u8; 32],
    pub template: &'a str,
    pub shared: &'a [u8; 32],
    pub own: serde_json::Map<String, serde_json::Value>,
}

/// What the render stage asks for the pages it may not have to render: the pipeline's
/// memo (the build cache, through `render::kept`), or `()`, which keeps nothing.
pub(crate) trait PageMemo: Sync {
    /// Whether pages are kept at all. With `()`, no: a page renders from its whole
    /// context, and nothing is hashed.
    fn keeps_pages(&self) -> bool;

    /// A digest of `value` (the context entries every page of a language shares).
    fn digest(&self, value: &serde_json::Value) -> [u8; 32];

    /// The page at `path` made from `inputs`: its kept file if an earlier build made it
    /// from the same inputs, else `make`'s HTML (handed the page's own entries back),
    /// kept for the next build.
    fn rendered_page(
        &self,
        path: &str,
        inputs: PageInputs<'_>,
        make: &mut dyn FnMut(
            serde_json::Map<String, serde_json::Value>,
        ) -> Result<String, Diagnostic>,
    ) -> Result<OutputFile, Diagnostic>;
}

/// No memo: every page is rendered.
impl PageMemo for () {
    fn keeps_pages(&self) -> bool {
        false
    }

    fn digest(&self, _: &serde_json::Value) -> [u8; 32] {
        [0; 32]
    }

    fn rendered_page(
        &self,
        path: &str,
        inputs: PageInputs<'_>,
        make: &mut dyn FnMut(
            serde_json::Map<String, serde_json::Value>,
        ) -> Result<String, Diagnostic>,
    ) -> Result<OutputFile, Diagnostic> {
        Ok(OutputFile::bytes(path, make(inputs.own)?))
    }
}

/// Renders the whole site, the images' resized copies included (encoded: no cache).
pub fn render_site(site: &Site) -> Result<Vec<OutputFile>> {
    let mut files = Renderer::new(&site.root)?.site(site)?;
    files.extend(crate::images::variant_files(&site.images, &())?.0);
    Ok(files)
}

/// Templates loaded once, for rendering a whole site or some of its pages.
pub(crate) struct Renderer {
    tera: tera::Tera,
    digest: TemplateDigest,
}

impl Renderer {
    /// Loads the built-in templates and the site's own.
    pub(crate) fn new(root: &std::path::Path) -> Result<Renderer> {
        let (tera, digest) = load_templates(root)?;
        Ok(Renderer { tera, digest })
    }

    /// Renders pages `indices` of `site` (in parallel), and with `listings` every
    /// generated file that is not a page (feeds, sitemap, status and search pages, 404s,
    /// aliases, robots), which show pages' titles, descriptions, dates and status.
    /// Files copied from the site (static, content files) are left out: they did not
    /// change with a page; the pages' own Markdown sources (published copies) are in. A
    /// page whose path a site's own file takes is left out too,
    /// as in [`Renderer::site`].
    pub(crate) fn pages(
        &self,
        site: &Site,
        indices: &[usize],
        listings: bool,
    ) -> Result<Vec<OutputFile>> {
        check_template_names(site, &self.tera)?;
        let statics = Statics::load(site)?;
        let ctx = views::Shared::new(site, site.opts.today(), &self.tera, statics.urls())
            .map_err(Error::one)?;
        let (mut files, errors) = self.render_pages(site, &ctx, indices, &());
        if !errors.is_empty() {
            return Err(summarize_errors(errors));
        }
        // The edited pages' Markdown sources are published copies too.
        let sources = exports::markdown_sources_of(site, indices);
        if !listings {
            // The site's own files at a page's path win; only their paths are needed.
            let taken: std::collections::HashSet<&str> = statics
                .files()
                .map(|f| f.path.as_str())
                .chain(site.assets.iter().map(|a| a.output.as_str()))
                .collect();
            files.retain(|f| !taken.contains(f.path.as_str()));
            files.extend(
                sources
                    .into_iter()
                    .filter(|f| !taken.contains(f.path.as_str())),
            );
            return Ok(files);
        }
        let mut extras = self.extras(site, &ctx, statics)?;
        dedup_keep_last(&mut extras);
        let taken: std::collections::HashSet<&str> =
            extras.iter().map(|f| f.path.as_str()).collect();
        files.retain(|f| !taken.contains(f.path.as_str()));
        // What is made from pages, and the edited pages' sources (or the site's own file
        // at their path, which wins as in a build).
        let source_paths: std::collections::HashSet<String> =
            sources.into_iter().map(|f| f.path).collect();
        files.extend(extras.into_iter().filter(|f| {
            matches!(f.contents, Contents::Bytes(_)) || source_paths.contains(&f.path)
        }));
        Ok(files)
    }

    /// Renders pages `indices`; with a `memo` that keeps pages (and templates whose
    /// output the context decides), a page whose template and context are unchanged is
    /// taken from it.
    fn render_pages(
        &self,
        site: &Site,
        ctx: &views::Shared<'_>,
        indices: &[usize],
        memo: &dyn PageMemo,
    ) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let tera = &self.tera;
        let templates = self.digest.as_ref().filter(|_| memo.keeps_pages());
        // What every page of a language shares is hashed once.
        let languages: std::collections::HashMap<&str, [u8; 32]> = match templates {
            Some(_) => site
                .config
                .languages
                .iter()
                .map(|l| (l.code.as_str(), ctx.language_digest(&l.code, memo)))
                .collect(),
            None => Default::default(),
        };
        let rendered: Vec<Result<OutputFile, Diagnostic>> = indices
            .par_iter()
            .map(|&i| {
                let page = &site.pages[i];
                let template = page_template(site, i);
                let render = |context: &tera::Context| {
                    tera.render(&template, context)
                        .map_err(|e| template_error(&template, &e, Some(&page.display())))
                };
                let Some(templates) = templates else {
                    return Ok(OutputFile::bytes(
                        page.output.clone(),
                        render(&ctx.page_context(i)?)?,
                    ));
                };
                // Kept: the memo is asked with the template set, the template, the
                // language's shared entries (their digest) and every other entry of the
                // page's context; the shared entries join the context only if the page
                // is rendered.
                let shared = match languages.get(page.lang.as_str()) {
                    Some(shared) => *shared,
                    None => ctx.language_digest(&page.lang, memo),
                };
                let serde_json::Value::Object(own) = ctx.page_own_context(i)?.into_json() else {
                    unreachable!("a context is an object")
                };
                let inputs = PageInputs {
                    templates,
                    template: &template,
                    shared: &shared,
                    own,
                };
                memo.rendered_page(&page.output, inputs, &mut |own| {
                    let mut context = ctx.shared_context(&page.lang);
                    context.extend(
                        tera::Context::from_value(serde_json::Value::Object(own))
                            .expect("a context is an object"),
                    );
                    render(&context)
                })
            })
            .collect();
        let mut files = Vec::with_capacity(rendered.len());
        let mut errors = Vec::new();
        for r in rendered {
            match r {
                Ok(f) => files.push(f),
                Err(d) => errors.push(d),
            }
        }
        (files, errors)
    }

    /// What the site tells its host (the rules behind `_redirects` and `_headers`, for
    /// `waypost host`): the chooser and one 404 page are rendered for their inline
    /// scripts, no page is.
    pub(crate) fn host_rules(&self, site: &Site) -> Result<host::HostRules> {
        let statics = Statics::load(site)?;
        let ctx = views::Shared::new(site, site.opts.today(), &self.tera, statics.urls())
            .map_err(Error::one)?;
        let mut scripts = Vec::new();
        let root = self
            .tera
            .render("root.html", &ctx.root_context())
            .map_err(|e| Error::one(template_error("root.html", &e, None)))?;
        host::inline_script_hashes(&root, &mut scripts);
        let lang = &site.config.default_language().code;
        let not_found = self
            .tera
            .render("404.html", &ctx.language_context(lang, ""))
            .map_err(|e| Error::one(template_error("404.html", &e, None)))?;
        host::inline_script_hashes(&not_found, &mut scripts);
        let (_, redirects) = aliases(site)?;
        Ok(host_rules(site, &statics, redirects, &scripts))
    }

    /// Renders everything: pages, chooser, 404s, search pages, aliases, sitemap, robots,
    /// static files and content files.
    pub(crate) fn site(&self, site: &Site) -> Result<Vec<OutputFile>> {
        let mut files = Vec::new();
        self.site_each(site, &(), |part| {
            files.extend(part);
            Ok(())
        })?;
        Ok(files)
    }

    /// Renders everything like [`Renderer::site`], handing the files to `each` in parts
    /// as they are made ([`PAGES_PER_PART`] pages at a time, then the rest), so a caller
    /// that writes them holds one part in memory, not the whole site. Parts never share
    /// a path; nothing is handed on once a page has failed, and every page's error is
    /// reported. With a `memo` that keeps pages (the pipeline's), unchanged pages are
    /// taken from it and the others kept there.
    pub(crate) fn site_each(
        &self,
        site: &Site,
        memo: &dyn PageMemo,
        mut each: impl FnMut(Vec<OutputFile>) -> Result<()>,
    ) -> Result<()> {
        check_template_names(site, &self.tera)?;
        let statics = Statics::load(site)?;
        let ctx = views::Shared::new(site, site.opts.today(), &self.tera, statics.urls())
            .map_err(Error::one)?;
        let mut extras = self.extras(site, &ctx, statics)?;
        // The site's own files (static, content files) replace generated ones of the
        // same path, pages included.
        dedup_keep_last(&mut extras);
        let taken: std::collections::HashSet<&str> =
            extras.iter().map(|f| f.path.as_str()).collect();
        let all: Vec<usize> = (0..site.pages.len()).collect();
        let mut errors = Vec::new();
        for part in all.chunks(PAGES_PER_PART) {
            let (mut files, part_errors) = self.render_pages(site, &ctx, part, memo);
            errors.extend(part_errors);
            if errors.is_empty() {
                files.retain(|f| !taken.contains(f.path.as_str()));
                each(files)?;
            }
        }
        if !errors.is_empty() {
            return Err(summarize_errors(errors));
        }
        each(extras)
    }

    /// Every file but the pages, in order (later entries of a path win).
    fn extras(
        &self,
        site: &Site,
        ctx: &views::Shared<'_>,
        statics: Statics,
    ) -> Result<Vec<OutputFile>> {
        let mut files = Vec::with_capacity(site.assets.len() + 16);
        let tera = &self.tera;
        // The language chooser and the 404 pages.
        let root = tera
            .render("root.html", &ctx.root_context())
            .map_err(|e| Error::one(template_error("root.html", &e, None)))?;
        // The theme's inline scripts, for the host files' Content-Security-Policy.
        let mut scripts = Vec::new();
        host::inline_script_hashes(&root, &mut scripts);
        files.push(OutputFile::bytes("index.html", root));
        for (n, lang) in site.config.languages.iter().enumerate() {
            let html = tera
                .render("404.html", &ctx.language_context(&lang.code, ""))
                .map_err(|e| Error::one(template_error("404.html", &e, None)))?;
            if n == 0 {
                host::inline_script_hashes(&html, &mut scripts);
                files.push(OutputFile::bytes("404.html", html.clone()));
            }
            files.push(OutputFile::bytes(format!("{}/404.html", lang.code), html));
        }

        if site.config.search.enabled {
            let taken: std::collections::HashSet<&str> =
                site.pages.iter().map(|p| p.output.as_str()).collect();
            for lang in &site.config.languages {
                let path = format!("{}/search/index.html", lang.code);
                // A page of the site's own at that URL wins.
                if taken.contains(path.as_str()) {
                    continue;
                }
                let html = tera
                    .render("search.html", &ctx.language_context(&lang.code, "search/"))
                    .map_err(|e| Error::one(template_error("search.html", &e, None)))?;
                files.push(OutputFile::bytes(path, html));
            }
        }
        files.extend(status_pages(site, tera, ctx)?);
        files.extend(offline_pages(site, tera, ctx)?);
        let (redirect_pages, redirects) = aliases(site)?;
        files.extend(redirect_pages);
        if site.config.output.host_files {
            let rules = host_rules(site, &statics, redirects, &scripts);
            files.push(OutputFile::bytes("_redirects", rules.redirects_file()));
            files.push(OutputFile::bytes("_headers", rules.headers_file()));
            // GitHub Pages publishing from a branch runs Jekyll, which drops `_`-files
            // (the `_index.md` sources, `_headers`) unless this is there.
            files.push(OutputFile::bytes(".nojekyll", String::new()));
        }
        files.extend(exports::llms_txt(site));
        files.extend(exports::markdown_sources(site));
        files.push(OutputFile::bytes("sitemap.xml", sitemap(site)));
        files.extend(feeds(site));
        files.push(OutputFile::bytes(
            "robots.txt",
            format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
                site.config.base_url
            ),
        ));
        files.extend(statics.into_files());
        for a in &site.assets {
            files.push(OutputFile {
                path: a.output.clone(),
                contents: Contents::Copy(a.path.clone()),
            });
        }
        Ok(files)
    }
}

/// What the site tells its host (see [`host`]): its `redirects`, its content-hashed
/// theme files among `statics`, its search bundles, and the hashes of its inline `scripts`.
fn host_rules(
    site: &Site,
    statics: &Statics,
    redirects: Vec<host::Redirect>,
    scripts: &[String],
) -> host::HostRules {
    let languages: Vec<&str> = site
        .config
        .languages
        .iter()
        .map(|l| l.code.as_str())
        .collect();
    let hashed = statics
        .fingerprinted
        .iter()
        .filter(|(_, _, copy)| copy.is_some())
        .map(|(_, url, _)| url.clone())
        // The images' resized copies are named by a hash of what they are made from.
        .chain(
            site.images
                .images()
                .flat_map(|i| i.variants.iter().map(|v| v.url.clone())),
        )
        .collect();
    host::HostRules::new(
        &site.config.base_path,
        &languages,
        redirects,
        hashed,
        site.config.search.enabled,
        scripts,
        site.config.output.csp.as_deref(),
    )
}

/// The theme files that get content-hashed names in a build (see
/// [`BuildOptions::fingerprint_assets`](crate::site::BuildOptions::fingerprint_assets)).
pub(crate) const FINGERPRINTED: &[&str] = &["waypost.css", "waypost.js", "waypost-more.js"];

/// The static files of one render (the theme's, then the site's own, which win) and the
/// theme assets' URLs: the static folder is read, and the assets hashed, once per render
/// for both the page contexts and the output.
struct Statics {
    files: Vec<OutputFile>,
    fingerprinted: Vec<(String, String, Option<OutputFile>)>,
}

impl Statics {
    fn load(site: &Site) -> Result<Statics> {
        let files = static_files(site)?;
        let fingerprinted = fingerprinted(site, &files)?;
        Ok(Statics {
            files,
            fingerprinted,
        })
    }

    /// URL of each of [`FINGERPRINTED`] by name, for `site.assets` in templates.
    fn urls(&self) -> std::collections::BTreeMap<String, String> {
        self.fingerprinted
            .iter()
            .map(|(name, url, _)| (name.clone(), url.clone()))
            .collect()
    }

    /// Every file written: the static files, then the content-hashed copies.
    fn files(&self) -> impl Iterator<Item = &OutputFile> {
        self.files
            .iter()
            .chain(self.fingerprinted.iter().filter_map(|(_, _, f)| f.as_ref()))
    }

    fn into_files(self) -> impl Iterator<Item = OutputFile> {
        self.files
            .into_iter()
            .chain(self.fingerprinted.into_iter().filter_map(|(_, _, f)| f))
    }
}

/// For each of [`FINGERPRINTED`] among `statics` (the files [`static_files`] gives): its
/// name, the URL pages link to, and (when fingerprinting) the copy under its
/// content-hashed name. The bytes are those the site publishes: a site's own
/// `static/waypost.css` replaces the built-in one here too. The plain name is still
/// written, for templates that name it.
fn fingerprinted(
    site: &Site,
    statics: &[OutputFile],
) -> Result<Vec<(String, String, Option<OutputFile>)>> {
    let mut out = Vec::new();
    for name in FINGERPRINTED {
        let plain = format!("{}/{name}", site.config.base_path);
        let Some(file) = statics.iter().rev().find(|f| f.path == *name) else {
            continue;
        };
        if !site.opts.fingerprint_assets {
            out.push((name.to_string(), plain, None));
            continue;
        }
        let bytes = file.bytes_or_error()?;
        // The theme's own script (also when a site's `static/` holds a copy of it, as
        // this repository's example site does) is published without its comments.
        let builtin = BUILTIN_STATIC.iter().find(|(n, _)| n == name);
        let bytes = match builtin {
            Some((_, theirs)) if name.ends_with(".js") && *theirs == bytes.as_ref() => {
                std::borrow::Cow::Owned(without_comment_lines(theirs))
            }
            _ => bytes,
        };
        // FNV-1a: stable across Rust versions and platforms, unlike std's hasher.
        let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let hashed = format!("{stem}.{:08x}.{ext}", (hash >> 32) as u32 ^ hash as u32);
        out.push((
            name.to_string(),
            format!("{}/{hashed}", site.config.base_path),
            Some(OutputFile::bytes(hashed, bytes.into_owned())),
        ));
    }
    Ok(out)
}

/// `/<lang>/status/`, translation coverage for translators, when `status_page: true`.
/// Stamps and front-matter dates only (never git), so builds stay reproducible. A page of
/// the site's own at that URL wins.
fn status_pages(
    site: &Site,
    tera: &tera::Tera,
    ctx: &views::Shared<'_>,
) -> Result<Vec<OutputFile>> {
    if !site.config.status_page {
        return Ok(Vec::new());
    }
    let coverage = crate::site::coverage::Coverage::compute(site, site.opts.today(), None);
    let taken: std::collections::HashSet<&str> =
        site.pages.iter().map(|p| p.output.as_str()).collect();
    let mut out = Vec::new();
    for lang in &site.config.languages {
        let path = format!("{}/status/index.html", lang.code);
        if taken.contains(path.as_str()) {
            continue;
        }
        let mut context = ctx.language_context(&lang.code, "status/");
        context.insert("status", &coverage.status_view(site, &lang.code));
        let html = tera
            .render("status.html", &context)
            .map_err(|e| Error::one(template_error("status.html", &e, None)))?;
        out.push(OutputFile::bytes(path, html));
    }
    Ok(out)
}

/// Each language's page for a reader offline on a page not saved (the offline worker
/// shows it), at `/<lang>/offline/`, when offline reading is on.
fn offline_pages(
    site: &Site,
    tera: &tera::Tera,
    ctx: &views::Shared<'_>,
) -> Result<Vec<OutputFile>> {
    if !site.offline_reading() {
        return Ok(Vec::new());
    }
    let taken: std::collections::HashSet<&str> =
        site.pages.iter().map(|p| p.output.as_str()).collect();
    let mut out = Vec::new();
    for lang in &site.config.languages {
        let path = format!("{}/{}/index.html", lang.code, crate::url::OFFLINE_DIR);
        // A page of the site's own at that URL wins (and is what readers see offline).
        if taken.contains(path.as_str()) {
            continue;
        }
        let html = tera
            .render(
                "offline.html",
                &ctx.language_context(&lang.code, "offline/"),
            )
            .map_err(|e| Error::one(template_error("offline.html", &e, None)))?;
        out.push(OutputFile::bytes(path, html));
    }
    Ok(out)
}

/// Pages rendered and handed on at a time by `Renderer::site_each`.
pub const PAGES_PER_PART: usize = 2048;

/// One report for the pages that failed: a template error that breaks many pages is
/// reported once, with how many other pages it broke.
fn summarize_errors(all: Vec<Diagnostic>) -> Error {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut repeats: std::collections::BTreeMap<(std::path::PathBuf, String), usize> =
        Default::default();
    for d in all {
        let key = (d.path.clone(), d.message.clone());
        let n = repeats.entry(key).or_insert(0);
        if *n == 0 {
            errors.push(d);
        }
        *n += 1;
    }
    for d in &mut errors {
        let n = repeats[&(d.path.clone(), d.message.clone())];
        if n > 1 {
            if let Some(h) = &mut d.hint {
                h.push_str(&format!(" (and {} other pages)", n - 1));
            }
        }
    }
    errors.sort();
    Error::Site(errors)
}

fn dedup_keep_last(files: &mut Vec<OutputFile>) {
    let mut seen = std::collections::HashSet::new();
    let mut keep = vec![false; files.len()];
    for (i, f) in files.iter().enumerate().rev() {
        keep[i] = seen.insert(f.path.clone());
    }
    let mut i = 0;
    files.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
}

/// The template a page renders with.
pub(crate) fn page_template(site: &Site, i: usize) -> String {
    let p = &site.pages[i];
    if let Some(t) = &p.fm.template {
        return t.clone();
    }
    if p.is_section() && p.parent.is_none() {
        "index.html".into()
    } else if p.is_section() {
        "section.html".into()
    } else {
        "page.html".into()
    }
}

fn check_template_names(site: &Site, tera: &tera::Tera) -> Result<()> {
    let names: Vec<&str> = tera.get_template_names().collect();
    let mut errors = Vec::new();
    for p in &site.pages {
        if p.fallback_from.is_some() {
            continue;
        }
        if let Some(t) = &p.fm.template {
            if !names.contains(&t.as_str()) {
                let mut known: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| !n.starts_with("partials/"))
                    .collect();
                known.sort();
                let line = p
                    .source
                    .as_ref()
                    .and_then(|s| std::fs::read_to_string(site.root.join(s)).ok())
                    .and_then(|t| crate::yaml::find_key_line(&t, "template"))
                    .unwrap_or(1);
                errors.push(
                    Diagnostic::new(p.display(), format!("unknown template `{t}`"))
                        .at_line(line)
                        .hint(format!(
                            "the templates are: {}; or add templates/{t}",
                            known.join(", ")
                        )),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort();
        Err(Error::Site(errors))
    }
}

/// A Tera error with its whole cause chain (Tera hides the real cause one level down).
pub(crate) fn template_error(template: &str, e: &tera::Error, page: Option<&str>) -> Diagnostic {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    let path = format!("templates/{template}");
    let mut d = Diagnostic::new(path, msg).kind(crate::error::DiagnosticKind::Template);
    if let Some(p) = page {
        d = d.hint(format!("while rendering {p}"));
    }
    d
}

/// The redirect page of every alias, and the same aliases as [`host::Redirect`]s.
fn aliases(site: &Site) -> Result<(Vec<OutputFile>, Vec<host::Redirect>)> {
    let mut out = Vec::new();
    let mut redirects = Vec::new();
    let mut errors = Vec::new();
    let taken: std::collections::HashSet<&str> =
        site.pages.iter().map(|p| p.output.as_str()).collect();
    for p in &site.pages {
        if p.fallback_from.is_some() {
            continue;
        }
        for alias in &p.fm.aliases {
            let trimmed = alias.trim_start_matches('/');
            let file = if trimmed.is_empty() || trimmed.ends_with('/') {
                format!("{trimmed}index.html")
            } else if trimmed.ends_with(".html") {
                trimmed.to_string()
            } else {
                format!("{trimmed}/index.html")
            };
            let decoded = percent_encoding::percent_decode_str(&file)
                .decode_utf8_lossy()
                .into_owned();
            if let Err(msg) = crate::paths::check_relative_path(alias.trim_start_matches('/')) {
                errors.push(
                    Diagnostic::new(p.display(), format!("alias `{alias}` {msg}"))
                        .hint("an alias is a path inside the site, like `/en/old-name/`"),
                );
                continue;
            }
            if taken.contains(decoded.as_str()) || decoded == "index.html" || decoded == "404.html"
            {
                errors.push(Diagnostic::new(
                    p.display(),
                    format!("alias `{alias}` is the URL of another page"),
                ));
                continue;
            }
            let t = site.i18n.get(&p.lang, "redirecting");
            let url = crate::html::escape(&p.url);
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<link rel=\"canonical\" href=\"{perma}\">\n<meta name=\"robots\" content=\"noindex\">\n<meta http-equiv=\"refresh\" content=\"0; url={url}\">\n</head>\n<body>\n<p><a href=\"{url}\">{title}</a></p>\n</body>\n</html>\n",
                lang = crate::html::escape(&p.lang),
                t = crate::html::escape(t),
                perma = crate::html::escape(&p.permalink),
                title = crate::html::escape(&p.title),
            );
            let from_path = decoded.strip_suffix("index.html").unwrap_or(&decoded);
            redirects.push(host::Redirect {
                from: format!(
                    "{}/{}",
                    site.config.base_path,
                    crate::url::encode_path(from_path)
                ),
                to: p.url.clone(),
            });
            out.push(OutputFile::bytes(decoded, html));
        }
    }
    if errors.is_empty() {
        Ok((out, redirects))
    } else {
        errors.sort();
        Err(Error::Site(errors))
    }
}

/// Number of entries in each language's Atom feed.
pub(crate) const FEED_ENTRIES: usize = 30;

/// The day a page last changed in a way readers care about: updated, re-reviewed or
/// published, whichever is latest.
fn freshness(p: &crate::site::Page) -> Option<crate::content::Date> {
    [p.fm.updated, p.fm.reviewed, p.fm.date]
        .into_iter()
        .flatten()
        .max()
}

/// An Atom feed per language (`/<lang>/atom.xml`) of the guides most recently updated or
/// re-reviewed; fallback copies are left out.
fn feeds(site: &Site) -> Vec<OutputFile> {
    use crate::html::escape;
    let mut out = Vec::new();
    for lang in &site.config.languages {
        let mut pages: Vec<(crate::content::Date, usize)> = site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.lang == lang.code && p.fallback_from.is_none() && !p.is_section())
            .filter_map(|(i, p)| freshness(p).map(|d| (d, i)))
            .collect();
        pages.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(site.pages[a.1].url.cmp(&site.pages[b.1].url))
        });
        pages.truncate(FEED_ENTRIES);
        let home = site
            .home(&lang.code)
            .map(|h| site.pages[h].permalink.clone())
            .unwrap_or_default();
        let feed_url = format!("{}/{}/atom.xml", site.config.base_url, lang.code);
        let updated = pages
            .first()
            .map(|(d, _)| d.to_string())
            .unwrap_or_else(|| "1970-01-01".into());
        let title = format!(
            "{} · {}",
            site.config.title(&lang.code),
            site.i18n.get(&lang.code, "feed_title")
        );
        let mut x = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <id>{}</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n  <updated>{updated}T00:00:00Z</updated>\n  <generator>waypost</generator>\n",
            escape(&lang.code),
            escape(&title),
            escape(&home),
            escape(&home),
            escape(&feed_url),
        );
        for (d, i) in &pages {
            let p = &site.pages[*i];
            x.push_str(&format!(
                "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n    <updated>{d}T00:00:00Z</updated>\n    <summary>{}</summary>\n    <author><name>{}</name></author>\n  </entry>\n",
                escape(&p.title),
                escape(&p.permalink),
                escape(&p.permalink),
                escape(&p.description),
                escape(site.config.title(&lang.code)),
            ));
        }
        x.push_str("</feed>\n");
        out.push(OutputFile::bytes(format!("{}/atom.xml", lang.code), x));
    }
    out
}

fn sitemap(site: &Site) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut order: Vec<usize> = (0..site.pages.len())
        .filter(|&i| site.pages[i].fallback_from.is_none())
        .collect();
    order.sort_by(|&a, &b| site.pages[a].url.cmp(&site.pages[b].url));
    for i in order {
        let p = &site.pages[i];
        s.push_str("  <url>\n    <loc>");
        s.push_str(&crate::html::escape(&p.permalink));
        s.push_str("</loc>\n");
        if let Some(d) = p.fm.updated.or(p.fm.date) {
            s.push_str(&format!("    <lastmod>{d}</lastmod>\n"));
        }
        for (lang, href) in site.alternates(i) {
            s.push_str(&format!(
                "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>\n",
                crate::html::escape(lang),
                crate::html::escape(href)
            ));
        }
        s.push_str("  </url>\n");
    }
    s.push_str("</urlset>\n");
    s
}

/// The theme's script as readers get it: without its comment lines and blank lines
/// (a quarter of its bytes, written for the theme's maintainers). Only whole lines
/// whose first non-blank characters are `//` go; the theme writes no string or regular
/// expression that spans lines, so nothing else can start that way.
fn without_comment_lines(js: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(js.len());
    for line in js.split_inclusive(|b| *b == b'\n') {
        let code = line.trim_ascii_start();
        if code.is_empty() || code.starts_with(b"//") {
            continue;
        }
        out.extend_from_slice(line);
    }
    out
}

/// The theme's static files, replaced file by file by the site's `static/`.
pub(crate) fn static_files(site: &Site) -> Result<Vec<OutputFile>> {
    let mut out: Vec<OutputFile> = BUILTIN_STATIC
        .iter()
        .map(|(name, bytes)| match name.strip_suffix(".js") {
            Some(_) => OutputFile::bytes(*name, without_comment_lines(bytes)),
            None => OutputFile::bytes(*name, bytes.to_vec()),
        })
        .collect();
    // Links are followed only to places inside the site, as in content/.
    let (found, errors) = crate::paths::walk_source(&site.root, "static");
    if !errors.is_empty() {
        return Err(Error::Site(errors));
    }
    out.extend(found.into_iter().filter(|f| !f.is_dir).map(|f| OutputFile {
        path: f.rel,
        contents: Contents::Copy(f.path),
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_script_is_published_without_its_comment_lines_and_nothing_else_changes() {
        let js = b"// a comment\nvar a = \"//kept\"; // trailing comments stay\n\n    // indented\n  var b = 1;\r\n\t//tab\nvar c = 2;";
        assert_eq!(
            String::from_utf8(without_comment_lines(js)).unwrap(),
            "var a = \"//kept\"; // trailing comments stay\n  var b = 1;\r\nvar c = 2;"
        );
        for (name, bytes) in BUILTIN_STATIC.iter().filter(|(n, _)| n.ends_with(".js")) {
            let out = String::from_utf8(without_comment_lines(bytes)).unwrap();
            let code = |s: &str| {
                s.lines()
                    .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            let source = String::from_utf8(bytes.to_vec()).unwrap();
            assert_eq!(code(&out), code(&source), "{name}");
            assert!(
                out.len() * 10 < source.len() * 9,
                "{name}: comments are a tenth at least"
            );
        }
    }
}
