//! Loading: the site model from the files, in five steps that each take values and
//! return values.
//!
//! 1. [`read_sources`]: every Markdown file read and split into front matter and body
//!    (in parallel; drafts left out unless asked for).
//! 2. [`plan`]: the entries — one per page and section of every language, fallback copies
//!    and folders without `_index.md` included, grouped by translation key — with their
//!    URLs and output paths, the index of where links go, and the assets to copy.
//! 3. [`render_markdown`]: every entry's Markdown to HTML (in parallel, collected in
//!    entry order).
//! 4. [`assemble_pages`]: front matter + rendered Markdown + file → [`Page`]
//!    ([`assemble`] fills one page, and `site::incremental` calls it too).
//! 5. [`check_links`]: the problems found while rendering and the links to headings,
//!    sorted by the link policy.
//! 6. [`show_images`]: the image files the pages show read once each
//!    (`images::Catalog`: sizes, resized copies planned), every page's HTML with its
//!    images rewritten, and an unreadable image an error at the line that shows it.
//!
//! Then, when nothing failed, the translation groups and the tree (parents, prev/next)
//! are linked and the [`Site`] is returned; otherwise every problem, all together.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rayon::prelude::*;

use super::links::{alert_labels, check_anchors, render_problems, LinkFindings, LinkIndex};
use super::{tree, AssetFile, BuildOptions, Group, I18n, Page, Site};
use crate::config::Config;
use crate::content::{self, front_matter, Asset, FrontMatter, Kind, SourceFile};
use crate::error::{Diagnostic, Error, Result};
use crate::markdown::{self, AlertLabels, LinkResolver, RenderInput, RenderMemo};
use crate::paths::check_relative_path;
use crate::url::{
    dir_of, encode_path, encode_segment, file_name, language_url, origin, parent_dir,
};
use crate::yaml::{find_key_line, list_entry_line};

/// One source file read and split.
struct Loaded {
    file: SourceFile,
    fm: FrontMatter,
    yaml: String,
    body: String,
    body_line: usize,
}

/// A page or section before rendering.
struct Entry {
    lang: String,
    content_lang: String,
    kind: Kind,
    rel: String,
    /// Index of its file in the [`Loaded`] list; None for a folder without `_index.md`.
    src: Option<usize>,
    fallback_from: Option<String>,
}

/// Where an entry is published.
struct Placement {
    /// URL path without the base path, unencoded: `en/esim/in-app`.
    path: String,
    /// Site-relative, percent-encoded URL with the base path.
    url: String,
    /// Absolute URL.
    permalink: String,
    /// Output file: `en/esim/in-app/index.html`.
    output: String,
}

/// What step 2 gives: the entries, where each is published, and where links go.
struct Plan {
    entries: Vec<Entry>,
    /// Translation key → (language index → entry index).
    groups: BTreeMap<String, BTreeMap<usize, usize>>,
    /// One per entry, in the same order.
    placements: Vec<Placement>,
    links: LinkIndex,
    assets: Vec<AssetFile>,
}

/// Loads the site at `root`, with no build cache (the pipeline's load,
/// `Pipeline::load` in `src/pipeline.rs`, is this with its memo).
pub fn load(root: &Path, opts: &BuildOptions) -> Result<Site> {
    load_site(root, load_config(root, opts)?, opts, false, &()).map(|(site, _)| site)
}

/// The load stage: the site at `root`, each page's rendered Markdown taken from `memo`
/// (`memo`, the pipeline's) when its text, settings and the links it looked up are
/// unchanged (`markdown::kept`;
/// the site is the same either way). With `lenient`, broken links and anchors (and the
/// other problems found while rendering Markdown) do not fail the load: the site is
/// returned with all of them, sorted by the link policy (for `waypost check`, which
/// reports them with the rest). Any other problem still fails.
pub(crate) fn load_site(
    root: &Path,
    config: Config,
    opts: &BuildOptions,
    lenient: bool,
    memo: &dyn RenderMemo,
) -> Result<(Site, LinkFindings)> {
    let i18n = I18n::load(root, &config).map_err(Error::Site)?;
    let discovered = content::discover(root, &config).map_err(Error::Site)?;
    // Problems of the files themselves; link problems are kept apart (step 5) so that
    // `load_lenient` can return them with the site.
    let mut errors: Vec<Diagnostic> = Vec::new();

    let sources = read_sources(discovered.sources, opts, &mut errors);
    let plan = plan(&config, &sources, &discovered.assets, &mut errors);
    let rendered = render_markdown(&config, &i18n, &plan, &sources, memo);
    let Plan {
        entries,
        groups,
        placements,
        links,
        assets,
    } = plan;
    let mut pages = assemble_pages(&config, entries, placements, &sources, rendered);
    let mut findings = check_links(&config, &pages);
    let images = show_images(&config, &assets, &mut pages, &mut findings);

    let LinkFindings {
        errors: mut link_errors,
        mut warnings,
        ignored,
    } = findings;
    for list in [&mut link_errors, &mut warnings] {
        list.sort();
        list.dedup();
    }
    if opts.strict && !lenient {
        // `--strict`: what the policy lets through with a warning is an error.
        link_errors.append(&mut warnings);
    }
    if !errors.is_empty() || (!lenient && !link_errors.is_empty()) {
        errors.append(&mut link_errors);
        errors.sort();
        errors.dedup();
        return Err(Error::Site(errors));
    }
    // `waypost check` gets every link problem, whatever the policy.
    let mut link_problems = LinkFindings::default();
    if lenient {
        link_problems.errors = link_errors;
        link_problems.warnings = warnings.clone();
        link_problems.ignored = ignored;
        link_problems.ignored.sort();
        link_problems.ignored.dedup();
    }

    let groups = link_groups(&config, groups, &mut pages);
    let homes = tree::link(&mut pages, &config);
    let site = Site {
        root: root.to_path_buf(),
        links,
        warnings,
        opts: opts.clone(),
        config,
        i18n,
        pages,
        groups,
        assets,
        homes,
        images,
    };
    Ok((site, link_problems))
}

/// Step 1: reads and splits every Markdown file in parallel, in the order given. Drafts
/// are left out unless `opts.drafts`; a file that cannot be read or split is an error.
fn read_sources(
    files: Vec<SourceFile>,
    opts: &BuildOptions,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Loaded> {
    let results: Vec<Result<Loaded, Diagnostic>> = files
        .into_par_iter()
        .map(|file| {
            let text = content::read_text(&file.path, &file.display)?;
            let split = front_matter::split(&text, &file.display)?;
            Ok(Loaded {
                fm: split.front_matter,
                yaml: split.yaml.to_string(),
                body: split.body.to_string(),
                body_line: split.body_line,
                file,
            })
        })
        .collect();
    let mut loaded = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(l) if l.fm.draft && !opts.drafts => {}
            Ok(l) => loaded.push(l),
            Err(d) => errors.push(d),
        }
    }
    loaded
}

/// Step 2: the entries (files, fallback copies, folders without `_index.md`) grouped by
/// translation key, where each is published, where links go, and the assets. Bad
/// aliases and slugs, translation keys used twice in a language and two entries at one
/// URL are errors.
fn plan(
    config: &Config,
    sources: &[Loaded],
    assets: &[Asset],
    errors: &mut Vec<Diagnostic>,
) -> Plan {
    check_aliases(sources, errors);
    let (entries, groups) = plan_entries(config, sources, errors);
    let placements = place(config, &entries, sources, errors);
    let by_output: HashMap<&str, usize> = placements
        .iter()
        .enumerate()
        .map(|(i, p)| (p.output.as_str(), i))
        .collect();

    // Where links go.
    let mut links = LinkIndex::new(&config.default_language().code);
    for (e, p) in entries.iter().zip(&placements) {
        links.add_page(&e.lang, &e.rel, &p.url);
    }
    let mut asset_files = Vec::new();
    for a in assets {
        let url = format!(
            "{}{}",
            language_url(&config.base_path, &a.lang),
            encode_path(&a.rel)
        );
        links.add_asset(&a.lang, &a.rel, &url);
        let output = format!("{}/{}", a.lang, a.rel);
        if by_output.contains_key(output.as_str()) {
            errors.push(Diagnostic::new(
                format!("content/{output}"),
                "has the same output path as a page",
            ));
        }
        asset_files.push(AssetFile {
            path: a.path.clone(),
            output,
            url,
        });
    }
    Plan {
        entries,
        groups,
        placements,
        links,
        assets: asset_files,
    }
}

/// Aliases become output paths: one that would leave the output folder is an error
/// here, where the line of the entry is known (render checks again before writing).
fn check_aliases(sources: &[Loaded], errors: &mut Vec<Diagnostic>) {
    for l in sources {
        for (k, alias) in l.fm.aliases.iter().enumerate() {
            if let Err(msg) = check_alias(alias) {
                errors.push(
                    Diagnostic::new(&l.file.display, format!("alias `{alias}` {msg}"))
                        .at_line(list_entry_line(&l.yaml, "aliases", k).map_or(1, |n| n + 1))
                        .hint("an alias is a path inside the site, like `/en/old-name/`"),
                );
            }
        }
    }
}

/// The entries and their translation groups (key → language index → entry index):
/// one per file, then the fallback copies, then the folders without `_index.md` (and
/// every language's home), which are sections too.
fn plan_entries(
    config: &Config,
    sources: &[Loaded],
    errors: &mut Vec<Diagnostic>,
) -> (Vec<Entry>, BTreeMap<String, BTreeMap<usize, usize>>) {
    let lang_order: HashMap<&str, usize> = config
        .languages
        .iter()
        .enumerate()
        .map(|(i, l)| (l.code.as_str(), i))
        .collect();

    // Entries for the files, grouped by translation key.
    let mut entries: Vec<Entry> = Vec::new();
    let mut groups: BTreeMap<String, BTreeMap<usize, usize>> = BTreeMap::new();
    for (i, l) in sources.iter().enumerate() {
        let key =
            l.fm.translation_key
                .clone()
                .unwrap_or_else(|| l.file.rel.clone());
        let lang_i = lang_order[l.file.lang.as_str()];
        let members = groups.entry(key.clone()).or_default();
        if let Some(&other) = members.get(&lang_i) {
            let other_file = &sources[entries[other].src.unwrap_or(0)].file;
            errors.push(
                Diagnostic::new(
                    &l.file.display,
                    format!(
                        "translation key `{key}` is also used by {} in the same language",
                        other_file.display.display()
                    ),
                )
                .at_line(find_key_line(&l.yaml, "translation_key").map_or(1, |n| n + 1))
                .hint("each page of a language needs its own translation_key"),
            );
            continue;
        }
        members.insert(lang_i, entries.len());
        entries.push(Entry {
            lang: l.file.lang.clone(),
            content_lang: l.file.lang.clone(),
            kind: l.file.kind,
            rel: l.file.rel.clone(),
            src: Some(i),
            fallback_from: None,
        });
    }

    if config.fallback {
        add_fallbacks(config, &mut entries, &mut groups);
    }
    add_implicit_sections(config, &lang_order, &mut entries, &mut groups);
    (entries, groups)
}

/// Fallbacks: a page missing in a language is published there with the source's text
/// (the group's first member, in the default language when it has one).
fn add_fallbacks(
    config: &Config,
    entries: &mut Vec<Entry>,
    groups: &mut BTreeMap<String, BTreeMap<usize, usize>>,
) {
    for members in groups.values_mut() {
        let Some(&src_entry) = members.values().next() else {
            continue;
        };
        for (li, lang) in config.languages.iter().enumerate() {
            if members.contains_key(&li) {
                continue;
            }
            let src = &entries[src_entry];
            let e = Entry {
                lang: lang.code.clone(),
                content_lang: src.content_lang.clone(),
                kind: src.kind,
                rel: src.rel.clone(),
                src: src.src,
                fallback_from: Some(src.content_lang.clone()),
            };
            members.insert(li, entries.len());
            entries.push(e);
        }
    }
}

/// Folders without `_index.md` (and every language's home) are sections too: an entry
/// with no source for each.
fn add_implicit_sections(
    config: &Config,
    lang_order: &HashMap<&str, usize>,
    entries: &mut Vec<Entry>,
    groups: &mut BTreeMap<String, BTreeMap<usize, usize>>,
) {
    let mut has_section: BTreeSet<(String, String)> = BTreeSet::new();
    let mut dirs: BTreeSet<(usize, String)> = BTreeSet::new();
    for e in entries.iter() {
        let dir = dir_of(&e.rel).to_string();
        if e.kind == Kind::Section {
            has_section.insert((e.lang.clone(), dir.clone()));
        }
        let li = lang_order[e.lang.as_str()];
        let mut d = Some(dir.as_str());
        while let Some(up) = d {
            dirs.insert((li, up.to_string()));
            d = parent_dir(up);
        }
    }
    for (li, _) in config.languages.iter().enumerate() {
        dirs.insert((li, String::new()));
    }
    for (li, dir) in dirs {
        let lang = config.languages[li].code.clone();
        if has_section.contains(&(lang.clone(), dir.clone())) {
            continue;
        }
        let rel = if dir.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{dir}/_index.md")
        };
        let members = groups.entry(rel.clone()).or_default();
        members.insert(li, entries.len());
        entries.push(Entry {
            content_lang: lang.clone(),
            lang,
            kind: Kind::Section,
            rel,
            src: None,
            fallback_from: None,
        });
    }
}

/// Where each entry is published (in entry order). A bad slug is an error (the file
/// name is used instead); two entries at one URL are an error.
fn place(
    config: &Config,
    entries: &[Entry],
    sources: &[Loaded],
    errors: &mut Vec<Diagnostic>,
) -> Vec<Placement> {
    let mut placements: Vec<Placement> = Vec::with_capacity(entries.len());
    for e in entries {
        let fm = e.src.map(|s| &sources[s].fm);
        let mut segments: Vec<String> = dir_of(&e.rel)
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if e.kind == Kind::Page {
            let stem = file_name(&e.rel).trim_end_matches(".md").to_string();
            let seg = match fm.and_then(|f| f.slug.as_ref()) {
                Some(slug) => match check_slug(slug) {
                    Ok(()) => slug.clone(),
                    Err(msg) => {
                        if e.fallback_from.is_none() {
                            let l = &sources[e.src.unwrap_or(0)];
                            errors.push(
                                Diagnostic::new(&l.file.display, format!("slug `{slug}` {msg}"))
                                    .at_line(find_key_line(&l.yaml, "slug").map_or(1, |n| n + 1))
                                    .hint("a slug is one URL segment: letters, digits and dashes"),
                            );
                        }
                        stem
                    }
                },
                None => stem,
            };
            segments.push(seg);
        }
        let mut path = e.lang.clone();
        let mut url = language_url(&config.base_path, &e.lang);
        for s in &segments {
            path.push('/');
            path.push_str(s);
            url.push_str(&encode_segment(s));
            url.push('/');
        }
        let output = format!("{path}/index.html");
        let permalink = format!("{}{}", origin(&config.base_url), url);
        placements.push(Placement {
            path,
            url,
            permalink,
            output,
        });
    }
    let mut by_output: HashMap<&str, usize> = HashMap::new();
    for (i, p) in placements.iter().enumerate() {
        if let Some(&other) = by_output.get(p.output.as_str()) {
            let (a, b) = (
                entry_display(&entries[other], sources),
                entry_display(&entries[i], sources),
            );
            errors.push(
                Diagnostic::new(&b, format!("has the same URL /{} as {a}", p.path))
                    .hint("rename one of them or give one a different `slug`"),
            );
        } else {
            by_output.insert(&p.output, i);
        }
    }
    placements
}

/// Step 3: every entry's Markdown rendered, in parallel, collected in entry order (a
/// folder without `_index.md` renders as nothing). Fallback copies render the source's
/// text with the links of the language they are published in.
fn render_markdown(
    config: &Config,
    i18n: &I18n,
    plan: &Plan,
    sources: &[Loaded],
    memo: &dyn RenderMemo,
) -> Vec<markdown::Rendered> {
    let alert_labels: HashMap<&str, AlertLabels> = config
        .languages
        .iter()
        .map(|l| (l.code.as_str(), alert_labels(i18n, &l.code)))
        .collect();
    plan.entries
        .par_iter()
        .map(|e| {
            let Some(s) = e.src else {
                return markdown::Rendered::default();
            };
            let l = &sources[s];
            render_body(
                config,
                (&l.body, l.body_line),
                &l.fm,
                dir_of(&e.rel),
                &alert_labels[e.content_lang.as_str()],
                &plan.links.resolver(&e.lang, &e.content_lang),
                (memo, e.lang.as_str(), e.content_lang.as_str()),
            )
        })
        .collect()
}

/// One page's Markdown body rendered with the site's settings: the one call of
/// [`markdown::render`] for pages, made by a full load and by `serve`'s update of one
/// page alike. `body` is the Markdown and the line it starts on; `dir` is the page's folder; `labels` and `resolver` are those of the
/// language its text is in and the language it is published in. `memo` (the pipeline's,
/// with the languages the page is published and written in) may give a render kept by
/// an earlier build (`markdown::kept`); `()` renders.
pub(super) fn render_body(
    config: &Config,
    (body, body_line): (&str, usize),
    fm: &FrontMatter,
    dir: &str,
    labels: &AlertLabels,
    resolver: &dyn LinkResolver,
    (memo, lang, content_lang): (&dyn RenderMemo, &str, &str),
) -> markdown::Rendered {
    let input = RenderInput {
        body,
        body_line,
        dir,
        title_from_heading: fm.title.is_none(),
        unsafe_html: config.markdown.unsafe_html,
        alerts: labels,
        resolver,
        links: config.links,
    };
    memo.rendered(&input, lang, content_lang)
}

/// Step 4: one [`Page`] per entry, in entry order, placed and filled by [`assemble`];
/// the tree and the groups are linked later, once nothing failed.
fn assemble_pages(
    config: &Config,
    entries: Vec<Entry>,
    placements: Vec<Placement>,
    sources: &[Loaded],
    rendered: Vec<markdown::Rendered>,
) -> Vec<Page> {
    let mut pages: Vec<Page> = Vec::with_capacity(entries.len());
    for ((e, r), at) in entries.into_iter().zip(rendered).zip(placements) {
        let mut page = Page {
            lang: e.lang,
            content_lang: e.content_lang,
            kind: e.kind,
            rel: e.rel,
            source: e.src.map(|s| sources[s].file.display.clone()),
            fm: FrontMatter::default(),
            title: String::new(),
            description: String::new(),
            path: at.path,
            url: at.url,
            permalink: at.permalink,
            output: at.output,
            rendered: markdown::Rendered::default(),
            body_line: 1,
            body_hash: String::new(),
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            prev: None,
            next: None,
            group: 0,
            fallback_from: e.fallback_from,
        };
        let text = match e.src {
            Some(s) => {
                let l = &sources[s];
                PageText {
                    fm: l.fm.clone(),
                    rendered: r,
                    body: Some((&l.body, l.body_line)),
                }
            }
            None => PageText {
                fm: FrontMatter::default(),
                rendered: r,
                body: None,
            },
        };
        assemble(&mut page, text, config);
        pages.push(page);
    }
    pages
}

/// What a page shows from its file.
pub(super) struct PageText<'a> {
    /// The front matter (default for a folder without `_index.md`).
    pub fm: FrontMatter,
    /// The rendered body.
    pub rendered: markdown::Rendered,
    /// The Markdown body and the 1-based line it starts on; None for a folder without
    /// `_index.md`.
    pub body: Option<(&'a str, usize)>,
}

/// Fills page `p` (already placed: language, path, kind) with what its file says: front
/// matter, rendered body, title and description, body line and hash. The one place a
/// page's text is assembled: a full load and `serve`'s update of one page both call it,
/// so the preview cannot disagree with the build.
pub(super) fn assemble(p: &mut Page, text: PageText<'_>, config: &Config) {
    let (title, description) =
        title_and_description(&text.fm, &text.rendered, &p.rel, p.kind, config, &p.lang);
    p.title = title;
    p.description = description;
    p.fm = text.fm;
    p.rendered = text.rendered;
    (p.body_line, p.body_hash) = match text.body {
        Some((body, line)) => (line, body_hash(body)),
        None => (1, String::new()),
    };
}

/// Step 6: the image files the pages show, read once each (`images::Catalog`), and every
/// page's HTML with its images sized and offered at phone sizes; an image that cannot
/// be read is an error at the line of each page (in its own language) that shows it,
/// kept with the link problems so that `check` reports it with the rest.
fn show_images(
    config: &Config,
    assets: &[AssetFile],
    pages: &mut [Page],
    findings: &mut LinkFindings,
) -> crate::images::Catalog {
    let shown: BTreeSet<&str> = pages
        .iter()
        .flat_map(|p| p.rendered.images.iter().map(|i| i.url.as_str()))
        .collect();
    let files: Vec<crate::images::SourceFile<'_>> = assets
        .iter()
        .map(|a| crate::images::SourceFile {
            url: &a.url,
            output: &a.output,
            path: &a.path,
        })
        .collect();
    let catalog = crate::images::Catalog::new(&config.images, &files, &shown);
    let own = pages
        .iter()
        .filter(|p| p.fallback_from.is_none())
        .filter_map(|p| Some((p.source.as_deref()?, p.rendered.images.as_slice())));
    let (errors, _) = crate::images::findings(&catalog, own, false);
    findings.errors.extend(errors);
    pages.par_iter_mut().for_each(|p| {
        if !p.rendered.images.is_empty() {
            p.rendered.html = crate::images::rewrite(&p.rendered.html, &catalog);
        }
    });
    catalog
}

/// Step 5: the problems found while rendering and the links to headings, reported once,
/// for the file itself (not its fallback copies), sorted by the link policy.
fn check_links(config: &Config, pages: &[Page]) -> LinkFindings {
    let mut findings = LinkFindings::default();
    let index_of: HashMap<(&str, &str), usize> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.lang.as_str(), p.rel.as_str()), i))
        .collect();
    for p in pages {
        if p.fallback_from.is_some() {
            continue;
        }
        let Some(display) = &p.source else { continue };
        findings.extend(render_problems(display, &p.rendered, &config.links));
        findings.add_anchors(
            &config.links,
            check_anchors(display, &p.rendered, |rel| {
                index_of
                    .get(&(p.lang.as_str(), rel))
                    .map(|&t| &pages[t].rendered)
            }),
        );
    }
    findings
}

/// The translation groups, members in configured language order; sets each page's
/// `group`.
fn link_groups(
    config: &Config,
    groups: BTreeMap<String, BTreeMap<usize, usize>>,
    pages: &mut [Page],
) -> Vec<Group> {
    let mut group_list = Vec::with_capacity(groups.len());
    for (key, members) in groups {
        let gi = group_list.len();
        let mut g = Group {
            key,
            members: Vec::new(),
        };
        for (li, pi) in members {
            pages[pi].group = gi;
            g.members.push((config.languages[li].code.clone(), pi));
        }
        group_list.push(g);
    }
    group_list
}

/// Reads site.yaml and applies `--base-url`.
pub(crate) fn load_config(root: &Path, opts: &BuildOptions) -> Result<Config> {
    let path = root.join("site.yaml");
    if !path.is_file() {
        return Err(Error::one(
            Diagnostic::new(&path, "no site.yaml here").hint(
                "run waypost in a site's folder, pass `--root DIR`, or create a site with `waypost init DIR`",
            ),
        ));
    }
    let text = content::read_text(&path, Path::new("site.yaml")).map_err(Error::one)?;
    let mut config = Config::parse(&text, Path::new("site.yaml")).map_err(Error::one)?;
    if let Some(url) = &opts.base_url {
        config.set_base_url(url).map_err(|message| Error::Option {
            option: "--base-url",
            message,
        })?;
    }
    Ok(config)
}

fn entry_display(e: &Entry, loaded: &[Loaded]) -> String {
    match e.src {
        Some(s) if e.fallback_from.is_none() => loaded[s].file.display.display().to_string(),
        Some(s) => format!(
            "the fallback copy of {} in `{}`",
            loaded[s].file.display.display(),
            e.lang
        ),
        None => format!("the folder content/{}/{}", e.lang, dir_of(&e.rel)),
    }
}

/// An alias is a site-absolute path (the leading `/` is optional) that stays inside the
/// output folder.
pub(super) fn check_alias(alias: &str) -> Result<(), String> {
    check_relative_path(alias.trim_start_matches('/'))
}

/// A slug is one safe URL segment.
fn check_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("is empty".into());
    }
    if slug.contains('/') || slug.contains('\\') {
        return Err("contains a slash".into());
    }
    check_relative_path(slug)
}

/// A page's title and description: the front matter's, else the Markdown's first
/// heading and first paragraph, else (for the title) the file or folder name. The one
/// place both are decided: a full load and `serve`'s update of one page call it, so the
/// preview cannot disagree with the build.
fn title_and_description(
    fm: &FrontMatter,
    r: &markdown::Rendered,
    rel: &str,
    kind: Kind,
    config: &Config,
    lang: &str,
) -> (String, String) {
    let title = fm
        .title
        .clone()
        .or_else(|| r.title.clone())
        .unwrap_or_else(|| name_title(rel, kind, config, lang));
    let description = fm
        .description
        .clone()
        .unwrap_or_else(|| truncate(&r.summary, 200));
    (title, description)
}

/// Title from a file or folder name: `number-transfer` → `Number transfer`.
fn name_title(rel: &str, kind: Kind, config: &Config, lang: &str) -> String {
    let name = match kind {
        Kind::Section => file_name(dir_of(rel)),
        Kind::Page => file_name(rel).trim_end_matches(".md"),
    };
    if name.is_empty() {
        return config.title(lang).to_string();
    }
    let spaced = name.replace(['-', '_'], " ");
    let mut c = spaced.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => spaced,
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let cut: String = s.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max_chars / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// Short, stable hash of a Markdown body: line endings and trailing whitespace do not
/// count. FNV-1a 64, hex (16 characters): for telling versions apart, not for security.
pub(crate) fn body_hash(body: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for line in body.trim().lines() {
        for b in line.trim_end().bytes().chain(std::iter::once(b'\n')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, page};

    fn errors_of(files: &[(&str, &str)], opts: &BuildOptions) -> Vec<Diagnostic> {
        let dir = testing::site_dir(files);
        match load(dir.path(), opts) {
            Ok(_) => panic!("the site should not load"),
            Err(e) => e.diagnostics().to_vec(),
        }
    }

    #[test]
    fn a_page_without_title_takes_its_first_heading() {
        let (_d, site) = testing::load(&[("content/en/a.md", "# From the heading\n\nText.\n")]);
        let p = &site.pages[page(&site, "en", "a.md")];
        assert_eq!(p.title, "From the heading");
        assert_eq!(p.description, "Text.");
        assert!(!p.rendered.html.contains("<h1"), "{}", p.rendered.html);
    }

    #[test]
    fn a_page_without_title_or_heading_takes_its_file_name() {
        let (_d, site) = testing::load(&[("content/en/number-transfer.md", "Just text.\n")]);
        assert_eq!(
            site.pages[page(&site, "en", "number-transfer.md")].title,
            "Number transfer"
        );
    }

    #[test]
    fn front_matter_title_and_description_win_over_the_markdown() {
        let (_d, site) = testing::load(&[(
            "content/en/a.md",
            "---\ntitle: Given\ndescription: Said\n---\n# Heading\n\nFirst paragraph.\n",
        )]);
        let p = &site.pages[page(&site, "en", "a.md")];
        assert_eq!(
            (p.title.as_str(), p.description.as_str()),
            ("Given", "Said")
        );
        assert!(
            p.rendered.html.contains("Heading"),
            "the heading stays in the body"
        );
    }

    #[test]
    fn a_long_summary_is_cut_at_a_word_with_an_ellipsis() {
        let long = "word ".repeat(100);
        let cut = truncate(long.trim(), 200);
        assert!(cut.ends_with("word…"), "{cut}");
        assert!(cut.chars().count() <= 201);
        assert_eq!(truncate("short", 200), "short");
    }

    #[test]
    fn a_folder_without_index_is_a_section_named_after_the_folder() {
        let (_d, site) = testing::load(&[("content/en/sim-cards/a.md", "# A\n")]);
        let s = &site.pages[page(&site, "en", "sim-cards/_index.md")];
        assert!(s.is_section() && s.source.is_none());
        assert_eq!(s.title, "Sim cards");
        assert_eq!(s.url, "/docs/en/sim-cards/");
        assert_eq!(s.body_hash, "", "a folder has no body to hash");
        let a = page(&site, "en", "sim-cards/a.md");
        assert_eq!(
            site.pages[a].parent,
            Some(page(&site, "en", "sim-cards/_index.md"))
        );
    }

    #[test]
    fn every_language_has_a_home_titled_by_the_site() {
        let (_d, site) = testing::load(&[("content/en/a.md", "# A\n")]);
        for lang in ["en", "es"] {
            let home = &site.pages[site.home(lang).expect("a home")];
            assert_eq!(home.title, "Test guides");
            assert_eq!(home.output, format!("{lang}/index.html"));
        }
    }

    #[test]
    fn urls_are_percent_encoded_under_the_base_path() {
        let (_d, site) = testing::load(&[("content/en/c++ tips.md", "# C\n")]);
        let p = &site.pages[page(&site, "en", "c++ tips.md")];
        assert_eq!(p.path, "en/c++ tips");
        assert_eq!(p.url, "/docs/en/c%2B%2B%20tips/");
        assert_eq!(p.permalink, "https://example.org/docs/en/c%2B%2B%20tips/");
        assert_eq!(p.output, "en/c++ tips/index.html");
    }

    #[test]
    fn a_slug_replaces_the_last_url_segment() {
        let (_d, site) = testing::load(&[("content/en/guide/a.md", "---\nslug: b\n---\n")]);
        assert_eq!(
            site.pages[page(&site, "en", "guide/a.md")].url,
            "/docs/en/guide/b/"
        );
    }

    #[test]
    fn drafts_are_left_out_unless_asked_for() {
        let files = [("content/en/d.md", "---\ndraft: true\n---\n# D\n")];
        let (_d, site) = testing::load(&files);
        assert!(site.find("en", "d.md").is_none());
        let dir = testing::site_dir(&files);
        let opts = BuildOptions {
            drafts: true,
            ..BuildOptions::default()
        };
        let site = load(dir.path(), &opts).unwrap();
        assert!(site.find("en", "d.md").is_some());
    }

    #[test]
    fn a_missing_translation_is_published_as_a_fallback_copy() {
        let (_d, site) = testing::load(&[("content/en/a.md", "# Hello\n\nText.\n")]);
        let en = page(&site, "en", "a.md");
        let es = page(&site, "es", "a.md");
        let copy = &site.pages[es];
        assert_eq!(copy.fallback_from.as_deref(), Some("en"));
        assert_eq!(copy.content_lang, "en");
        assert_eq!(copy.url, "/docs/es/a/");
        assert_eq!(copy.title, "Hello");
        assert_eq!(copy.source, site.pages[en].source);
        assert_eq!(site.pages[en].group, copy.group);
        assert_eq!(
            site.page_count(),
            3,
            "the page and the two homes; fallback copies are not counted"
        );
    }

    #[test]
    fn translations_are_grouped_by_path_or_translation_key() {
        let (_d, site) = testing::load(&[
            ("content/en/a.md", "# A\n"),
            ("content/es/a.md", "# A es\n"),
            ("content/en/b.md", "---\ntranslation_key: bee\n---\n# B\n"),
            ("content/es/be.md", "---\ntranslation_key: bee\n---\n# Be\n"),
        ]);
        let b = page(&site, "en", "b.md");
        let be = page(&site, "es", "be.md");
        assert_eq!(site.in_language(b, "es"), Some(be));
        assert_eq!(site.translations(b).count(), 2);
        assert_eq!(
            site.alternates(b),
            vec![
                ("en", "https://example.org/docs/en/b/"),
                ("es", "https://example.org/docs/es/be/"),
                ("x-default", "https://example.org/docs/en/b/"),
            ]
        );
    }

    #[test]
    fn all_content_errors_are_reported_together() {
        let errors = errors_of(
            &[
                ("content/en/a.md", "---\nslug: a/b\n---\n"),
                ("content/en/b.md", "---\ntitel: B\n---\n"),
            ],
            &BuildOptions::default(),
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.contains("slug `a/b` contains a slash"));
        assert_eq!(errors[0].line, Some(2));
        assert!(errors[1]
            .message
            .contains("unknown front-matter key `titel`"));
    }

    #[test]
    fn two_pages_at_one_url_are_an_error_naming_both() {
        let errors = errors_of(
            &[
                ("content/en/a.md", "# A\n"),
                ("content/en/b.md", "---\nslug: a\n---\n"),
            ],
            &BuildOptions::default(),
        );
        assert!(
            errors
                .iter()
                .any(|d| d.message.contains("has the same URL /en/a as")
                    && d.message.contains("content/en/")),
            "{errors:?}"
        );
    }

    #[test]
    fn a_translation_key_used_twice_in_a_language_is_an_error_at_its_line() {
        let errors = errors_of(
            &[
                ("content/en/a.md", "---\ntranslation_key: k\n---\n"),
                (
                    "content/en/b.md",
                    "---\ntitle: B\ntranslation_key: k\n---\n",
                ),
            ],
            &BuildOptions::default(),
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0].message.contains("also used by content/en/a.md"));
    }

    #[test]
    fn an_alias_leaving_the_site_is_an_error_at_its_entry() {
        let errors = errors_of(
            &[(
                "content/en/a.md",
                "---\naliases:\n  - /en/old/\n  - ../../etc/\n---\n",
            )],
            &BuildOptions::default(),
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, Some(4));
    }

    #[test]
    fn a_broken_link_fails_the_load_but_a_lenient_load_returns_it() {
        let files = [("content/en/a.md", "[gone](missing.md)\n")];
        let errors = errors_of(&files, &BuildOptions::default());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].kind, crate::error::DiagnosticKind::BrokenLink);
        assert_eq!(errors[0].line, Some(1));
        let dir = testing::site_dir(&files);
        let (site, findings) = load_site(
            dir.path(),
            load_config(dir.path(), &BuildOptions::default()).unwrap(),
            &BuildOptions::default(),
            true,
            &(),
        )
        .unwrap();
        assert_eq!(findings.errors, errors);
        assert!(site.find("en", "a.md").is_some());
    }

    #[test]
    fn links_of_a_fallback_copy_are_checked_once_for_its_file() {
        let errors = errors_of(
            &[("content/en/a.md", "[x](a.md#nowhere)\n")],
            &BuildOptions::default(),
        );
        assert_eq!(
            errors.len(),
            1,
            "not once more for the Spanish copy: {errors:?}"
        );
        assert_eq!(errors[0].kind, crate::error::DiagnosticKind::MissingAnchor);
    }

    #[test]
    fn a_bad_base_url_option_names_the_option() {
        let dir = testing::site_dir(&[]);
        let opts = BuildOptions {
            base_url: Some("not a url".into()),
            ..BuildOptions::default()
        };
        let e = load(dir.path(), &opts).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Option {
                    option: "--base-url",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().starts_with("--base-url: "), "{e}");
    }

    #[test]
    fn the_body_hash_ignores_line_endings_and_trailing_spaces() {
        assert_eq!(body_hash("a  \r\nb\n"), body_hash("a\nb"));
        assert_ne!(body_hash("a\nb"), body_hash("a\nc"));
        assert_eq!(body_hash("").len(), 16);
    }
}
