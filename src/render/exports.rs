//! Machine-readable exports of the published site: `llms.txt` and Markdown sources.
//!
//! Takes the loaded [`Site`]; gives, when site.yaml's `output:` keeps them on (the
//! default), `/llms.txt` (the site and a link to each language's list) and
//! `/<lang>/llms.txt` (the [llms.txt](https://llmstxt.org/) shape: the site's title, its
//! description, then one `##` group per section in the sidebar's order, each page as
//! `- [title](url): description`), and each page's Markdown source at its place under
//! `content/` (`/en/esim/qr-code.md`), copied as written. Only pages published in their own language are
//! listed or copied, as in the sitemap: fallback copies (another language's text) and
//! generated folders without an `_index.md` have no source of their own here.

use std::fmt::Write as _;

use crate::output::{Contents, OutputFile};
use crate::site::Site;

/// Where a page's Markdown source is published: at its place under `content/`
/// (`content/en/esim/qr-code.md` at `/en/esim/qr-code.md`), so the relative links and
/// images it was written with (`in-store.md`, `qr-scan.svg`) resolve there as they do in
/// the sources. Without a `slug`, that is also the page URL with `.md` for its trailing
/// slash, as llms.txt suggests.
pub(crate) fn markdown_path(lang: &str, rel: &str) -> String {
    format!("{lang}/{rel}")
}

/// Whether page `i` is listed in `llms.txt` and has its source published.
fn exported(site: &Site, i: usize) -> bool {
    let p = &site.pages[i];
    p.fallback_from.is_none() && p.source.is_some()
}

/// Each published page's Markdown source, as a copy of its file.
pub(crate) fn markdown_sources(site: &Site) -> Vec<OutputFile> {
    let all: Vec<usize> = (0..site.pages.len()).collect();
    markdown_sources_of(site, &all)
}

/// The Markdown sources of pages `indices` (those published), as copies of their files
/// (serve's update of a few pages sends theirs again).
pub(crate) fn markdown_sources_of(site: &Site, indices: &[usize]) -> Vec<OutputFile> {
    if !site.config.output.markdown_sources {
        return Vec::new();
    }
    indices
        .iter()
        .copied()
        .filter(|&i| exported(site, i))
        .filter_map(|i| {
            let p = &site.pages[i];
            let source = p.source.as_ref()?;
            Some(OutputFile {
                path: markdown_path(&p.lang, &p.rel),
                contents: Contents::Copy(site.root.join(source)),
            })
        })
        .collect()
}

/// `/llms.txt` and one `/<lang>/llms.txt` per language.
pub(crate) fn llms_txt(site: &Site) -> Vec<OutputFile> {
    if !site.config.output.llms_txt {
        return Vec::new();
    }
    let config = &site.config;
    let default = &config.default_language().code;
    let mut root = header(config.title(default), config.description(default));
    root.push_str("## Languages\n\n");
    let mut out = Vec::new();
    for lang in &config.languages {
        let _ = writeln!(
            root,
            "- [{}]({}/{}/llms.txt): {}",
            link_text(&lang.name),
            config.base_url,
            lang.code,
            link_text(config.title(&lang.code)),
        );
        out.push(OutputFile::bytes(
            format!("{}/llms.txt", lang.code),
            language_list(site, &lang.code),
        ));
    }
    out.insert(0, OutputFile::bytes("llms.txt", root));
    out
}

fn header(title: &str, description: Option<&str>) -> String {
    let mut s = format!("# {}\n\n", one_line(title));
    if let Some(d) = description.filter(|d| !d.trim().is_empty()) {
        let _ = writeln!(s, "> {}\n", one_line(d));
    }
    s
}

/// One language's list: the home page's own entry, then a group per section (depth
/// first, in the sidebar's order) holding the section and its pages.
fn language_list(site: &Site, lang: &str) -> String {
    let config = &site.config;
    let mut s = header(config.title(lang), config.description(lang));
    let Some(home) = site.home(lang) else {
        return s;
    };
    if exported(site, home) {
        s.push_str(&entry(site, home));
        s.push('\n');
    }
    let mut stack: Vec<usize> = site.pages[home].subsections.iter().rev().copied().collect();
    // The home's own pages first, under the home's title.
    group(site, home, &site.pages[home].title, false, &mut s);
    while let Some(section) = stack.pop() {
        group(site, section, &site.pages[section].title, true, &mut s);
        stack.extend(site.pages[section].subsections.iter().rev());
    }
    s
}

/// `## title` and the entries of `section` (itself when `with_self`) and its pages, when
/// any of them is exported.
fn group(site: &Site, section: usize, title: &str, with_self: bool, s: &mut String) {
    let entries: Vec<usize> = with_self
        .then_some(section)
        .into_iter()
        .chain(site.pages[section].pages.iter().copied())
        .filter(|&i| exported(site, i))
        .collect();
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(s, "## {}\n", one_line(title));
    for i in entries {
        s.push_str(&entry(site, i));
    }
    s.push('\n');
}

fn entry(site: &Site, i: usize) -> String {
    let p = &site.pages[i];
    let url = if site.config.output.markdown_sources {
        format!(
            "{}/{}",
            site.config.base_url,
            crate::url::encode_path(&markdown_path(&p.lang, &p.rel))
        )
    } else {
        p.permalink.clone()
    };
    let mut line = format!("- [{}]({url})", link_text(&p.title));
    let description = one_line(&p.description);
    if !description.is_empty() {
        let _ = write!(line, ": {description}");
    }
    line.push('\n');
    line
}

/// Text on one line (newlines would end a list entry or a heading).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text inside `[…]`, with the brackets that would end it escaped.
fn link_text(s: &str) -> String {
    one_line(s).replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_publishes_its_source_where_its_relative_links_resolve() {
        assert_eq!(markdown_path("en", "esim/qr-code.md"), "en/esim/qr-code.md");
        assert_eq!(markdown_path("zh", "_index.md"), "zh/_index.md");
    }

    #[test]
    fn titles_stay_on_one_line_and_inside_their_brackets() {
        assert_eq!(link_text("A [b]\n c"), "A \\[b\\] c");
    }
}
