//! The document Pagefind parses for each page, and which pages are indexed.
//!
//! Takes the loaded site and a page; gives the page's search document (title, facets as
//! filters, the body with heading ids for sub-results, weighted for ranking: the title
//! key at the highest weight, body text low) and what it is made of (`DocInputs`, from
//! which the build cache's record key is hashed), and the [`Selection`] of pages that go
//! into the index (`search: false` and `search.exclude` left out).

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::*;

/// Which pages go into the index.
pub(crate) struct Selection {
    pub(super) exclude: GlobSet,
}

impl Selection {
    /// Compiles `search.exclude`.
    pub(crate) fn new(site: &Site) -> Result<Selection> {
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
    pub(crate) fn includes(&self, site: &Site, i: usize) -> bool {
        let p = &site.pages[i];
        site.config.search.enabled
            && p.fallback_from.is_none()
            && p.fm.search != Some(false)
            && (p.source.is_some() || !p.rendered.html.is_empty())
            && !self.exclude.is_match(&p.rel)
    }
}

/// Everything a page's search document is made from: [`write_document`] writes the
/// document from this alone, and [`record_key`] hashes it, so the cache key of a page's
/// record is made without making the document.
pub(super) struct DocInputs<'s> {
    pub(super) lang: &'s str,
    pub(super) title: &'s str,
    /// The front matter's description (empty without one): indexed a little above the
    /// body, and kept as the result's `description` meta for the theme's ranking.
    pub(super) description: &'s str,
    /// Pagefind filters, `(name, value)`, as the page's facets' labels.
    pub(super) filters: Vec<(String, String)>,
    /// The rendered body.
    pub(super) html: &'s str,
}

pub(super) fn doc_inputs(site: &Site, i: usize) -> DocInputs<'_> {
    let p = &site.pages[i];
    let label = |group: &str, key: &str| site.i18n.label(&p.lang, group, key).to_string();
    let mut filters = Vec::new();
    for (name, values) in &p.fm.facets {
        let key = label("facet_names", name);
        for v in &values.0 {
            filters.push((key.clone(), label("facet_values", v)));
        }
    }
    DocInputs {
        lang: &p.lang,
        title: &p.title,
        description: p.fm.description.as_deref().unwrap_or(""),
        filters,
        html: &p.rendered.html,
    }
}

/// The HTML document Pagefind indexes for page `i`.
pub fn document(site: &Site, i: usize) -> String {
    write_document(&doc_inputs(site, i))
}

/// The document made from `d` (see [`document`]).
pub(super) fn write_document(d: &DocInputs<'_>) -> String {
    let mut doc = String::with_capacity(d.html.len() + 512);
    doc.push_str(&format!(
        "<html lang=\"{}\"><head><title>{}</title></head><body><main data-pagefind-body>",
        escape(d.lang),
        escape(d.title)
    ));
    // The title key first (see `TITLE_KEY_SENTINEL`), then the title, weighted like a
    // heading of the body (`HEADING_WEIGHTS`): well below the key, so that `git commit`
    // does not rival `git` for `git`.
    let key = title_key(d.title);
    let keyed = segmented(d.lang);
    if !key.is_empty() {
        doc.push_str(&format!("<p>{TITLE_KEY_SENTINEL}{} ", escape(&key)));
        if keyed {
            doc.push_str(&format!("{TITLE_KEY_SENTINEL}{} ", text_key(d.title)));
        }
        doc.push_str("</p>");
    }
    doc.push_str(&format!(
        "<h1 data-pagefind-meta=\"title\" data-pagefind-weight=\"{}\">{}</h1>",
        HEADING_WEIGHTS[0],
        escape(d.title)
    ));
    if keyed && !title_key(d.description).is_empty() {
        doc.push_str(&format!(
            "<p>{TITLE_KEY_SENTINEL}{} </p>",
            text_key(d.description)
        ));
    }
    if !d.description.trim().is_empty() {
        doc.push_str(&format!(
            "<p data-pagefind-meta=\"description\" data-pagefind-weight=\"{}\">{}</p>",
            HEADING_WEIGHTS[2],
            escape(d.description)
        ));
    }
    for (name, value) in &d.filters {
        // Pagefind splits `key:value` at the first colon; a colon in the key would
        // move the split, so it is replaced.
        doc.push_str(&format!(
            "<span data-pagefind-filter=\"{}:{}\" hidden></span>",
            escape(&name.replace(':', " ")),
            escape(value)
        ));
    }
    // Table cells are separate words: keep them apart in the excerpt.
    let body = if d.html.contains("</t") {
        std::borrow::Cow::Owned(d.html.replace("</td>", " </td>").replace("</th>", " </th>"))
    } else {
        std::borrow::Cow::Borrowed(d.html)
    };
    doc.push_str(&format!("<div data-pagefind-weight=\"{BODY_WEIGHT}\">"));
    doc.push_str(&weigh_headings(&body));
    doc.push_str("</div>");
    doc.push_str("</main></body></html>");
    doc
}

/// Weight of body text (Pagefind's `data-pagefind-weight`): 1/24 of Pagefind's own, the
/// smallest it encodes. Pagefind scores a word by BM25, which saturates: with body words
/// at its default weight, a short page that names `git` ten times scores as high for
/// `git` as the page titled `git`, whatever the title's weight. At this weight body
/// words stay below saturation, and the title key (weight 10, the most Pagefind
/// encodes) decides. Headings keep Pagefind's ratios to body text (`HEADING_WEIGHTS`).
pub(super) const BODY_WEIGHT: &str = "0.05";

/// Weights of `h1`…`h6`: Pagefind's own (7 to 2) scaled like `BODY_WEIGHT`. Inside an
/// element with an explicit weight Pagefind does not weigh headings itself.
pub(super) const HEADING_WEIGHTS: [&str; 6] = ["0.3", "0.25", "0.21", "0.17", "0.13", "0.09"];

/// `html` with every heading tag given its weight from `HEADING_WEIGHTS`.
pub(super) fn weigh_headings(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("<h") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let b = rest.as_bytes();
        let level = b.get(2).filter(|c| (b'1'..=b'6').contains(c));
        let boundary = b
            .get(3)
            .is_some_and(|c| *c == b'>' || c.is_ascii_whitespace());
        match level {
            Some(l) if boundary => {
                out.push_str(&rest[..3]);
                out.push_str(&format!(
                    " data-pagefind-weight=\"{}\"",
                    HEADING_WEIGHTS[usize::from(l - b'1')]
                ));
                rest = &rest[3..];
            }
            _ => {
                out.push_str("<h");
                rest = &rest[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Marks the title key in a document: the vendored Pagefind indexes the word after it
/// (`waypost patch` in `vendor/pagefind/src/fossick/mod.rs`, `TITLE_KEY_SENTINEL`).
pub(super) const TITLE_KEY_SENTINEL: &str = "___WAYPOST_TITLE_KEY___";

/// A page's title as one word: its letters and digits, lower-cased.
pub(super) fn title_key(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A whole title's or description's key in a form that survives the browser's
/// segmenting of a query: Pagefind splits a Chinese, Japanese or Thai query into words
/// (`Intl.Segmenter`), so a query can never equal the [`title_key`] of a title in those
/// languages (elsewhere the title key and the theme's re-ranking do; measured, title
/// recall@1 in Chinese went from 0.74 to 1.00 on 3 × 1,000 pages). `wpk` and the 32-bit FNV-1a hash of the title key's UTF-8, in hex, is one
/// word in any script; the theme makes the same of a query (`textKey` in
/// `static/waypost.js`) and searches for it exactly, so a query that is a page's whole
/// title or description finds that page however Pagefind scores its words.
/// Whether pages of `lang` get [`text_key`]s: the languages Pagefind segments (its
/// `should_segment`), whose queries the browser splits into words.
pub(super) fn segmented(lang: &str) -> bool {
    matches!(lang.split('-').next().unwrap_or(lang), "zh" | "ja" | "th")
}

pub(super) fn text_key(text: &str) -> String {
    let hash = title_key(text).bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("wpk{hash:08x}")
}

/// The URL Pagefind keeps for a page: relative to the language folder, as Pagefind's
/// script prefixes the bundle's parent folder, so the index works under any base path
/// or host.
pub(super) fn bundle_url(site: &Site, lang: &str, i: usize) -> String {
    let prefix = crate::url::language_url(&site.config.base_path, lang);
    let url = &site.pages[i].url;
    let rel = url.strip_prefix(&prefix).unwrap_or(url);
    format!("/{rel}")
}

/// The `(url, document)` pairs Pagefind parses for `pages` of language `lang`, made in
/// parallel.
pub(super) fn documents(site: &Site, lang: &str, pages: &[usize]) -> Vec<(String, String)> {
    use rayon::prelude::*;
    pages
        .par_iter()
        .map(|&i| (bundle_url(site, lang, i), document(site, i)))
        .collect()
}
