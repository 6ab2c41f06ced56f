//! Loading: site.yaml, content, fallbacks, URLs, Markdown, link checks.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rayon::prelude::*;

use super::links::{alert_labels, check_anchors, render_problems, LinkFindings, LinkIndex};
use super::{tree, AssetFile, BuildOptions, Group, I18n, Page, Site};
use crate::config::{find_key_line, Config};
use crate::content::{self, front_matter, FrontMatter, Kind, SourceFile};
use crate::error::{Diagnostic, Error, Result};
use crate::markdown::{self, AlertLabels, RenderInput};
use crate::output::check_relative_path;

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
    src: Option<usize>,
    fallback_from: Option<String>,
    key: String,
}

/// Loads the site at `root`.
pub fn load(root: &Path, opts: &BuildOptions) -> Result<Site> {
    load_inner(root, opts, false).map(|(site, _)| site)
}

/// Loads the site at `root` like [`load`], except that broken links and anchors (and the
/// other problems found while rendering Markdown) do not fail the load: the site is
/// returned with all of them, sorted by the link policy (for `waypost check`, which
/// reports them with the rest). Any other problem still fails.
pub fn load_lenient(root: &Path, opts: &BuildOptions) -> Result<(Site, LinkFindings)> {
    load_inner(root, opts, true)
}

fn load_inner(root: &Path, opts: &BuildOptions, lenient: bool) -> Result<(Site, LinkFindings)> {
    let config = load_config(root, opts)?;
    let i18n = I18n::load(root, &config).map_err(Error::Site)?;
    let discovered = content::discover(root, &config).map_err(Error::Site)?;
    let mut errors: Vec<Diagnostic> = Vec::new();

    // Read and split every file in parallel.
    let results: Vec<Result<Loaded, Diagnostic>> = discovered
        .sources
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

    // Aliases become output paths: one that would leave the output folder is an error
    // here, where the line of the entry is known (render checks again before writing).
    for l in &loaded {
        for (k, alias) in l.fm.aliases.iter().enumerate() {
            if let Err(msg) = check_alias(alias) {
                errors.push(
                    Diagnostic::new(&l.file.display, format!("alias `{alias}` {msg}"))
                        .at_line(entry_line(&l.yaml, "aliases", k).map_or(1, |n| n + 1))
                        .hint("an alias is a path inside the site, like `/en/old-name/`"),
                );
            }
        }
    }

    let lang_order: HashMap<&str, usize> = config
        .languages
        .iter()
        .enumerate()
        .map(|(i, l)| (l.code.as_str(), i))
        .collect();

    // Entries for the files, grouped by translation key.
    let mut entries: Vec<Entry> = Vec::new();
    let mut groups: BTreeMap<String, BTreeMap<usize, usize>> = BTreeMap::new();
    for (i, l) in loaded.iter().enumerate() {
        let key =
            l.fm.translation_key
                .clone()
                .unwrap_or_else(|| l.file.rel.clone());
        let lang_i = lang_order[l.file.lang.as_str()];
        let members = groups.entry(key.clone()).or_default();
        if let Some(&other) = members.get(&lang_i) {
            let other_file = &loaded[entries[other].src.unwrap_or(0)].file;
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
            key,
        });
    }

    // Fallbacks: a page missing in a language is published there with the source's text.
    if config.fallback {
        for (key, members) in groups.iter_mut() {
            let Some((&src_lang_i, &src_entry)) = members.iter().next() else {
                continue;
            };
            let _ = src_lang_i;
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
                    key: key.clone(),
                };
                members.insert(li, entries.len());
                entries.push(e);
            }
        }
    }

    // Folders without `_index.md` (and every language's home) are sections too.
    let mut has_section: BTreeSet<(String, String)> = BTreeSet::new();
    let mut dirs: BTreeSet<(usize, String)> = BTreeSet::new();
    for e in &entries {
        let dir = dir_of(&e.rel).to_string();
        if e.kind == Kind::Section {
            has_section.insert((e.lang.clone(), dir.clone()));
        }
        let li = lang_order[e.lang.as_str()];
        let mut d = dir.as_str();
        loop {
            dirs.insert((li, d.to_string()));
            match d.rfind('/') {
                Some(i) => d = &d[..i],
                None if !d.is_empty() => d = "",
                None => break,
            }
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
            rel: rel.clone(),
            src: None,
            fallback_from: None,
            key: rel,
        });
    }

    // URLs and output paths.
    let mut urls: Vec<(String, String, String, String)> = Vec::with_capacity(entries.len());
    for e in &entries {
        let fm = e.src.map(|s| &loaded[s].fm);
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
                            let l = &loaded[e.src.unwrap_or(0)];
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
        let mut url = format!(
            "{}/{}/",
            config.base_path,
            crate::markdown::links::encode_segment(&e.lang)
        );
        for s in &segments {
            path.push('/');
            path.push_str(s);
            url.push_str(&crate::markdown::links::encode_segment(s));
            url.push('/');
        }
        let output = format!("{path}/index.html");
        let permalink = format!("{}{}", origin(&config.base_url), url);
        urls.push((path, url, permalink, output));
    }
    let mut by_output: HashMap<&str, usize> = HashMap::new();
    for (i, (_, _, _, output)) in urls.iter().enumerate() {
        if let Some(&other) = by_output.get(output.as_str()) {
            let (a, b) = (
                entry_display(&entries[other], &loaded),
                entry_display(&entries[i], &loaded),
            );
            errors.push(
                Diagnostic::new(&b, format!("has the same URL /{} as {a}", urls[i].0))
                    .hint("rename one of them or give one a different `slug`"),
            );
        } else {
            by_output.insert(output, i);
        }
    }

    // Where links go.
    let mut links = LinkIndex::new(&config.default_language().code);
    for (i, e) in entries.iter().enumerate() {
        links.add_page(&e.lang, &e.rel, &urls[i].1);
    }
    let mut assets = Vec::new();
    for a in &discovered.assets {
        let url = format!(
            "{}/{}/{}",
            config.base_path,
            crate::markdown::links::encode_segment(&a.lang),
            crate::markdown::links::encode_path(&a.rel)
        );
        links.add_asset(&a.lang, &a.rel, &url);
        let output = format!("{}/{}", a.lang, a.rel);
        if by_output.contains_key(output.as_str()) {
            errors.push(Diagnostic::new(
                format!("content/{output}"),
                "has the same output path as a page",
            ));
        }
        assets.push(AssetFile {
            path: a.path.clone(),
            output,
        });
    }
    let alert_labels: HashMap<&str, AlertLabels> = config
        .languages
        .iter()
        .map(|l| (l.code.as_str(), alert_labels(&i18n, &l.code)))
        .collect();

    // Render every entry in parallel.
    let rendered: Vec<markdown::Rendered> = entries
        .par_iter()
        .map(|e| {
            let Some(s) = e.src else {
                return markdown::Rendered::default();
            };
            let l = &loaded[s];
            let resolver = links.resolver(&e.lang, &e.content_lang);
            markdown::render(&RenderInput {
                body: &l.body,
                body_line: l.body_line,
                dir: dir_of(&e.rel),
                title_from_heading: l.fm.title.is_none(),
                unsafe_html: config.markdown.unsafe_html,
                alerts: &alert_labels[e.content_lang.as_str()],
                resolver: &resolver,
                links: config.links,
            })
        })
        .collect();

    // Problems found while rendering and anchors, reported once, for the file itself,
    // sorted by the link policy. Kept apart from the other errors so that `load_lenient`
    // can return them with the site.
    let mut findings = LinkFindings::default();
    let index_of: HashMap<(&str, &str), usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| ((e.lang.as_str(), e.rel.as_str()), i))
        .collect();
    for (e, r) in entries.iter().zip(&rendered) {
        if e.fallback_from.is_some() {
            continue;
        }
        let Some(s) = e.src else { continue };
        let display = &loaded[s].file.display;
        findings.extend(render_problems(display, r, &config.links));
        findings.add_anchors(
            &config.links,
            check_anchors(display, r, |rel| {
                index_of.get(&(e.lang.as_str(), rel)).map(|&t| &rendered[t])
            }),
        );
    }
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

    // Assemble pages.
    let mut pages: Vec<Page> = Vec::with_capacity(entries.len());
    for ((e, r), (path, url, permalink, output)) in entries.into_iter().zip(rendered).zip(urls) {
        let (fm, source, body_line, body_hash) = match e.src {
            Some(s) => {
                let l = &loaded[s];
                (
                    l.fm.clone(),
                    Some(l.file.display.clone()),
                    l.body_line,
                    body_hash(&l.body),
                )
            }
            None => (FrontMatter::default(), None, 1, String::new()),
        };
        let (title, description) = title_and_description(&fm, &r, &e.rel, e.kind, &config, &e.lang);
        pages.push(Page {
            lang: e.lang,
            content_lang: e.content_lang,
            kind: e.kind,
            rel: e.rel,
            source,
            fm,
            title,
            description,
            path,
            url,
            permalink,
            output,
            rendered: r,
            body_line,
            body_hash,
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            prev: None,
            next: None,
            group: 0,
            fallback_from: e.fallback_from,
        });
        let _ = e.key;
    }

    // Translation groups, members in configured language order.
    let mut group_list = Vec::new();
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

    let homes = tree::link(&mut pages, &config);
    let site = Site {
        root: root.to_path_buf(),
        links,
        warnings,
        opts: opts.clone(),
        config,
        i18n,
        pages,
        groups: group_list,
        assets,
        homes,
    };
    Ok((site, link_problems))
}

/// Reads site.yaml and applies `--base-url`.
pub fn load_config(root: &Path, opts: &BuildOptions) -> Result<Config> {
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
        config
            .set_base_url(url)
            .map_err(|m| Error::one(Diagnostic::new("--base-url", m)))?;
    }
    Ok(config)
}

fn dir_of(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(i) => &rel[..i],
        None => "",
    }
}

fn file_name(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(i) => &rel[i + 1..],
        None => rel,
    }
}

fn origin(base_url: &str) -> &str {
    // `https://host/sub` → `https://host`: URLs already carry the base path.
    let after = base_url.find("://").map_or(0, |i| i + 3);
    match base_url[after..].find('/') {
        Some(i) => &base_url[..after + i],
        None => base_url,
    }
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
pub fn check_alias(alias: &str) -> Result<(), String> {
    check_relative_path(alias.trim_start_matches('/'))
}

/// The line (1-based, within `yaml`) of the `index`-th entry of the block list under
/// `key`, else the line of `key` itself (a flow list `[a, b]` is on that line).
fn entry_line(yaml: &str, key: &str, index: usize) -> Option<usize> {
    let key_line = find_key_line(yaml, key)?;
    let entry = yaml
        .lines()
        .enumerate()
        .skip(key_line)
        .take_while(|(_, l)| l.starts_with([' ', '-', '\t']) || l.trim().is_empty())
        .filter(|(_, l)| {
            let t = l.trim_start();
            t == "-" || t.starts_with("- ")
        })
        .nth(index)
        .map(|(i, _)| i + 1);
    Some(entry.unwrap_or(key_line))
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
pub(super) fn title_and_description(
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

pub(super) fn truncate(s: &str, max_chars: usize) -> String {
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
pub fn body_hash(body: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for line in body.trim().lines() {
        for b in line.trim_end().bytes().chain(std::iter::once(b'\n')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}
