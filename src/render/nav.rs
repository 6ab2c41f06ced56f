//! The sidebar (`partials/nav.html`).
//!
//! Takes the [`Site`], the template set and each language's shared context entries
//! (`site`, `lang`, `t`); gives the sidebar of any page of a language as HTML, with the
//! page's link marked `aria-current="page"` and its top-level section's `"true"`.
//!
//! What is the same for many pages is rendered once: a language's sidebar once per
//! top-level section that can be open (and once with none open), the first time a
//! page needs it — a rebuild of one page renders its own section's only. A section with more
//! than [`BIG_SECTION`] pages (or subsections) lists only a window of them: the
//! [`WINDOW_RADIUS`] entries on either side of the one that is or holds the current
//! page (the first ones on other pages), then a link to the section's own page, which
//! lists them all (the path without JavaScript). A language with more than
//! [`BIG_SECTION`] top-level entries lists a window of those the same way, around the
//! open section (or the page itself), then a link to the language's home page, which
//! lists them all. So a page's sidebar costs a few KB however large its section and
//! however many sections the site has; a page whose window is not the section's first one has
//! its sidebar rendered for it alone. Sites whose sections are all smaller render
//! exactly as before.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Serialize;
use tera::Context;

use crate::error::Diagnostic;
use crate::site::Site;

/// Above this many pages (or subsections), a section lists only a window of them in the
/// sidebar: every page carries the sidebar, and a full list would grow the site with the
/// square of the section's size.
pub(super) const BIG_SECTION: usize = 50;

/// Entries shown on either side of the current one in a big section's window.
pub(super) const WINDOW_RADIUS: usize = 5;

/// Above this many entries in a language, the sidebar lists only the open section's
/// entries, not those of the closed ones.
const SIDEBAR_FULL_LIMIT: usize = 200;

/// An entry of the sidebar. A fallback entry (the page is not translated yet) keeps
/// its original title, in its own language and direction, and names that language.
#[derive(Serialize)]
struct NavItem<'a> {
    title: &'a str,
    url: &'a str,
    is_section: bool,
    fallback: bool,
    /// Language and direction of the title (the source's for a fallback).
    content_lang: &'a str,
    content_dir: &'static str,
    /// For a fallback: the name of the language the text is in.
    source_name: &'a str,
    /// The section holds the current page (its list is shown open).
    open: bool,
    /// A top-level section's pages and then subsections (empty for other entries, and
    /// for sections other than the open one on a big site); of a big section, a window.
    children: Vec<NavItem<'a>>,
    /// The section has more entries than `children` shows (its page lists them all).
    more: bool,
    /// Entries of the section's pages come before the window (`children` does not
    /// start at its first page).
    gap_before: bool,
    /// How many pages and subsections the section has.
    count: usize,
}

/// A sidebar rendered when first asked for.
type Lazy = OnceLock<Result<String, Diagnostic>>;

/// Every language's sidebars, and what it takes to render one for a single page.
pub(super) struct Sidebars<'a> {
    site: &'a Site,
    tera: &'a tera::Tera,
    /// Each language's `site`, `lang` and `t` entries.
    bases: HashMap<&'a str, Context>,
    /// Rendered once per language and open top-level section (`None`: none open,
    /// rendered at once; the others when a page first needs them).
    shared: HashMap<(&'a str, Option<usize>), Lazy>,
    /// Each language's top-level entries (sections and pages of its home), in order.
    tops: HashMap<&'a str, Vec<usize>>,
    /// Whether the language's closed sections list their entries too.
    full: HashMap<&'a str, bool>,
}

impl<'a> Sidebars<'a> {
    /// Renders each language's sidebar with no section open (the others wait until a
    /// page needs them); `bases` are the languages' `site`, `lang` and `t` context
    /// entries.
    pub(super) fn new(
        site: &'a Site,
        tera: &'a tera::Tera,
        bases: HashMap<&'a str, Context>,
    ) -> Result<Self, Diagnostic> {
        let mut nav = Sidebars {
            site,
            tera,
            bases,
            shared: HashMap::new(),
            tops: HashMap::new(),
            full: HashMap::new(),
        };
        for (code, home) in &site.homes {
            let code = code.as_str();
            let h = &site.pages[*home];
            let top: Vec<usize> = h.subsections.iter().chain(&h.pages).copied().collect();
            let total: usize = top
                .iter()
                .map(|&i| 1 + site.pages[i].pages.len() + site.pages[i].subsections.len())
                .sum();
            nav.full.insert(code, total <= SIDEBAR_FULL_LIMIT);
            nav.tops.insert(code, top);
        }
        let mut shared = HashMap::new();
        for (code, top) in &nav.tops {
            let open = std::iter::once(None).chain(
                top.iter()
                    .filter(|&&i| site.pages[i].is_section())
                    .map(|&i| Some(i)),
            );
            for o in open {
                let slot = match o {
                    None => OnceLock::from(Ok(nav.render(code, None, None, None)?)),
                    Some(_) => OnceLock::new(),
                };
                shared.insert((*code, o), slot);
            }
        }
        nav.shared = shared;
        Ok(nav)
    }

    /// The sidebar of `lang` on a page not made from content (the chooser, 404 and
    /// search pages): no section open, nothing marked.
    pub(super) fn without_page(&self, lang: &str) -> String {
        self.shared
            .get(&(lang, None))
            .and_then(OnceLock::get)
            .and_then(|r| r.as_ref().ok())
            .cloned()
            .unwrap_or_default()
    }

    /// The sidebar of page `i` in `lang`.
    pub(super) fn for_page(&self, lang: &str, i: usize) -> Result<String, Diagnostic> {
        let pages = &self.site.pages;
        let url = pages[i].url.as_str();
        let open = self.tops.get(lang).and_then(|tops| {
            tops.iter()
                .filter(|&&t| pages[t].is_section() && url.starts_with(pages[t].url.as_str()))
                .max_by_key(|&&t| pages[t].url.len())
                .copied()
        });
        let key = match self.shared.contains_key(&(lang, open)) {
            true => (lang, open),
            false => (lang, None),
        };
        let Some(slot) = self.shared.get(&key) else {
            return Ok(String::new());
        };
        let shared = slot
            .get_or_init(|| self.render(key.0, key.1, None, key.1))
            .as_ref()
            .map_err(Clone::clone)?;
        // In a big section, a page past the first window has a window of its own.
        let entry = open.and_then(|o| entry_in(self.site, o, i));
        // Among many top-level entries, a page of the home's own past the first window
        // has a window of its own too.
        let tops = self.tops.get(lang).map(Vec::as_slice).unwrap_or_default();
        let top_own = open.is_none()
            && tops.contains(&i)
            && window(tops.len(), tops.iter().position(|&t| t == i)) != window(tops.len(), None);
        let own = match (open, entry) {
            (Some(o), Some(_)) if windows(self.site, o, entry) != windows(self.site, o, None) => {
                Some(self.render(lang, open, entry, open)?)
            }
            (None, _) if top_own => Some(self.render(lang, None, None, Some(i))?),
            _ => None,
        };
        let mut out = own.unwrap_or_else(|| shared.clone());
        if let Some(marked) = mark(&out, url, "page") {
            out = marked;
        }
        if let Some(o) = open.map(|o| pages[o].url.as_str()).filter(|o| *o != url) {
            if let Some(marked) = mark(&out, o, "true") {
                out = marked;
            }
        }
        Ok(out)
    }

    /// `lang`'s sidebar with top-level section `open` open, its window around `entry`
    /// (the entry that is or holds the current page; `None`: the first entries); among
    /// many top-level entries, a window of them around `around` (`None`: the first).
    fn render(
        &self,
        lang: &str,
        open: Option<usize>,
        entry: Option<usize>,
        around: Option<usize>,
    ) -> Result<String, Diagnostic> {
        let site = self.site;
        let full = self.full.get(lang).copied().unwrap_or(false);
        let tops = self.tops.get(lang).map(Vec::as_slice).unwrap_or_default();
        let shown = window(
            tops.len(),
            around.and_then(|a| tops.iter().position(|&t| t == a)),
        );
        let (gap_before, more) = (shown.start > 0, shown.len() < tops.len());
        let items: Vec<NavItem<'_>> = tops[shown]
            .iter()
            .map(|&i| {
                let is_open = open == Some(i);
                let mut item = nav_item(site, i);
                item.open = is_open;
                if is_open || full {
                    fill_children(site, &mut item, i, entry.filter(|_| is_open));
                }
                item
            })
            .collect();
        let mut ctx = self.bases.get(lang).cloned().unwrap_or_default();
        ctx.insert("nav", &items);
        // The top-level list's own window (see the module docs).
        ctx.insert("nav_gap_before", &gap_before);
        ctx.insert("nav_more", &more);
        ctx.insert("nav_count", &tops.len());
        self.tera
            .render("partials/nav.html", &ctx)
            .map_err(|e| super::template_error("partials/nav.html", &e, None))
    }
}

/// The entry of top-level section `open` that is page `i` or holds it (`None`: `i` is
/// `open` itself, or not under it).
fn entry_in(site: &Site, open: usize, i: usize) -> Option<usize> {
    let mut c = i;
    while let Some(p) = site.pages[c].parent {
        if p == open {
            return Some(c);
        }
        c = p;
    }
    None
}

/// The part of a list of `len` entries a section shows: all of it up to
/// [`BIG_SECTION`], else [`WINDOW_RADIUS`] entries on either side of position `at` (the
/// first ones when `None`), shifted to stay inside the list.
fn window(len: usize, at: Option<usize>) -> Range<usize> {
    let size = 2 * WINDOW_RADIUS + 1;
    if len <= BIG_SECTION {
        return 0..len;
    }
    let start = at.map_or(0, |k| k.saturating_sub(WINDOW_RADIUS).min(len - size));
    start..start + size
}

/// The windows of section `s`'s pages and subsections around `entry`.
fn windows(site: &Site, s: usize, entry: Option<usize>) -> (Range<usize>, Range<usize>) {
    let p = &site.pages[s];
    let at = |list: &[usize]| entry.and_then(|e| list.iter().position(|&j| j == e));
    (
        window(p.pages.len(), at(&p.pages)),
        window(p.subsections.len(), at(&p.subsections)),
    )
}

/// Gives `item` (section `s`) its entries: its pages, then its subsections, each a
/// window around `entry` when there are many.
fn fill_children<'a>(site: &'a Site, item: &mut NavItem<'a>, s: usize, entry: Option<usize>) {
    let p = &site.pages[s];
    let (pages, subs) = windows(site, s, entry);
    item.count = p.pages.len() + p.subsections.len();
    item.more = pages.len() + subs.len() < item.count;
    item.gap_before = pages.start > 0;
    item.children = p.pages[pages]
        .iter()
        .chain(&p.subsections[subs])
        .map(|&j| nav_item(site, j))
        .collect();
}

/// `html` with its first link to `target` given `aria-current="{value}"`, if it has one.
fn mark(html: &str, target: &str, value: &str) -> Option<String> {
    let href = format!("href=\"{}\">", crate::html::escape(target));
    html.contains(&href).then(|| {
        html.replacen(
            &href,
            &format!("{} aria-current=\"{value}\">", href.trim_end_matches('>')),
            1,
        )
    })
}

/// A sidebar entry for page `i`, closed and without children.
fn nav_item(site: &Site, i: usize) -> NavItem<'_> {
    let p = &site.pages[i];
    let source_name = p.fallback_from.as_deref().map_or("", |c| {
        site.config.language(c).map_or(c, |l| l.name.as_str())
    });
    NavItem {
        title: &p.title,
        url: &p.url,
        is_section: p.is_section(),
        fallback: p.fallback_from.is_some(),
        content_lang: &p.content_lang,
        content_dir: direction_of(site, &p.content_lang),
        source_name,
        open: false,
        children: Vec::new(),
        more: false,
        gap_before: false,
        count: 0,
    }
}

/// The writing direction of `lang` (`ltr` for a language the site does not list).
pub(super) fn direction_of(site: &Site, lang: &str) -> &'static str {
    site.config
        .language(lang)
        .map_or("ltr", |l| l.direction().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_list_is_shown_whole() {
        assert_eq!(window(BIG_SECTION, Some(40)), 0..BIG_SECTION);
        assert_eq!(window(3, None), 0..3);
    }

    #[test]
    fn a_big_list_shows_a_window_around_the_entry_kept_inside_the_list() {
        let size = 2 * WINDOW_RADIUS + 1;
        assert_eq!(window(300, None), 0..size);
        assert_eq!(window(300, Some(2)), 0..size);
        assert_eq!(window(300, Some(150)), 145..156);
        assert_eq!(window(300, Some(299)), 300 - size..300);
    }
}
