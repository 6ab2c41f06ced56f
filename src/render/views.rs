//! Borrowed views of the site for templates.
//!
//! Takes the [`Site`] and today's date; gives Tera contexts for pages, the language
//! chooser and the 404 pages. Views borrow from the site; what is the same for every page
//! of a language (site title, language list, the sidebar navigation) is built once: the
//! sidebar (`partials/nav.html`, `render::nav`) is rendered once per language and
//! top-level section, and each page only marks its own link in it (a page of a big
//! section past its first window has its own).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use tera::Context;

use super::dates::format_date;
use crate::content::{Date, FacetValue};
use crate::markdown::TocEntry;
use crate::site::Site;

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: Option<&'a str>,
    base_url: &'a str,
    base_path: &'a str,
    default_language: &'a str,
    languages: Vec<LangView<'a>>,
    extra: &'a serde_json::Value,
    search: bool,
    /// Offline reading is on: pages register the worker and offer to save the language.
    offline: bool,
    review_after_days: u32,
    /// URLs of the theme's stylesheet and script by file name (`waypost.css` →
    /// `/waypost.3f9a2c1e.css` in a build): `{{ site.assets["waypost.css"] }}`.
    assets: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize, Clone)]
struct LangView<'a> {
    code: &'a str,
    name: &'a str,
    dir: &'static str,
    url: String,
    permalink: String,
    feed_url: String,
    /// Some of the site's pages are published in this language as fallbacks (not
    /// translated yet): its search also shows the default language's results.
    partial: bool,
}

#[derive(Serialize, Clone)]
struct Link<'a> {
    title: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct DateView {
    iso: String,
    display: String,
}

#[derive(Serialize)]
struct FacetValueView<'a> {
    value: &'a str,
    label: &'a str,
}

#[derive(Serialize)]
struct FacetView<'a> {
    name: &'a str,
    label: &'a str,
    values: Vec<FacetValueView<'a>>,
}

#[derive(Serialize)]
struct ChildView<'a> {
    title: &'a str,
    url: &'a str,
    description: &'a str,
    is_section: bool,
    fallback: bool,
    /// Language and direction of the title and description (the source's for a
    /// fallback).
    content_lang: &'a str,
    content_dir: &'static str,
    facets: Vec<FacetView<'a>>,
    reviewed: Option<DateView>,
}

#[derive(Serialize)]
struct SwitchItem<'a> {
    code: &'a str,
    name: &'a str,
    dir: &'static str,
    url: String,
    current: bool,
    /// The page is shown there in another language (not translated yet).
    fallback: bool,
    /// The page does not exist there at all (fallback off): the link goes to its home.
    missing: bool,
}

#[derive(Serialize)]
struct Alternate<'a> {
    hreflang: &'a str,
    href: &'a str,
}

#[derive(Serialize)]
struct FallbackView<'a> {
    code: &'a str,
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    description: &'a str,
    url: &'a str,
    permalink: &'a str,
    kind: &'static str,
    is_home: bool,
    lang: &'a str,
    content_lang: &'a str,
    content_dir: &'static str,
    content: &'a str,
    toc: &'a [TocEntry],
    show_toc: bool,
    summary: &'a str,
    words: usize,
    reading_minutes: usize,
    date: Option<DateView>,
    updated: Option<DateView>,
    reviewed: Option<DateView>,
    review_overdue: bool,
    tags: &'a [String],
    facets: Vec<FacetView<'a>>,
    extra: &'a std::collections::BTreeMap<String, serde_yaml::Value>,
    breadcrumbs: Vec<Link<'a>>,
    prev: Option<Link<'a>>,
    next: Option<Link<'a>>,
    pages: Vec<ChildView<'a>>,
    subsections: Vec<ChildView<'a>>,
    facet_columns: Vec<(&'a str, &'a str)>,
    fallback_from: Option<FallbackView<'a>>,
    /// A translation behind its source (stamp or dates; see `check::coverage`): the
    /// source page, for the "outdated" notice.
    outdated: Option<FallbackView<'a>>,
    source: Option<String>,
}

/// What every context of a build shares.
pub(super) struct Shared<'a> {
    site: &'a Site,
    today: NaiveDate,
    /// The site as each language shows it (its own title and description).
    site_views: HashMap<&'a str, SiteView<'a>>,
    default_lang: &'a str,
    langs: HashMap<&'a str, LangView<'a>>,
    /// The sidebars (`partials/nav.html`), rendered once per language and open
    /// top-level section, and per page only where a big section shows a window.
    nav: super::nav::Sidebars<'a>,
}

impl<'a> Shared<'a> {
    /// Builds the per-language parts once; `assets` are the theme's stylesheet and script
    /// URLs by file name (content-hashed in a build), for `site.assets`.
    pub(super) fn new(
        site: &'a Site,
        today: NaiveDate,
        tera: &'a tera::Tera,
        assets: std::collections::BTreeMap<String, String>,
    ) -> Result<Self, crate::error::Diagnostic> {
        let cfg = &site.config;
        let lang_views: Vec<LangView<'a>> = cfg
            .languages
            .iter()
            .map(|l| {
                let home = site.home(&l.code).map(|h| &site.pages[h]);
                LangView {
                    code: &l.code,
                    name: &l.name,
                    dir: l.direction().as_str(),
                    url: home.map_or_else(
                        || crate::url::language_url(&cfg.base_path, &l.code),
                        |h| h.url.clone(),
                    ),
                    permalink: home.map_or_else(
                        || format!("{}/{}/", cfg.base_url, l.code),
                        |h| h.permalink.clone(),
                    ),
                    feed_url: format!(
                        "{}atom.xml",
                        crate::url::language_url(&cfg.base_path, &l.code)
                    ),
                    partial: site
                        .pages
                        .iter()
                        .any(|p| p.lang == l.code && p.fallback_from.is_some()),
                }
            })
            .collect();
        let langs: HashMap<&'a str, LangView<'a>> =
            lang_views.iter().map(|l| (l.code, l.clone())).collect();
        let default_lang: &'a str = &cfg.default_language().code;
        let site_views: HashMap<&'a str, SiteView<'a>> = cfg
            .languages
            .iter()
            .map(|l| {
                (
                    l.code.as_str(),
                    SiteView {
                        title: cfg.title(&l.code),
                        description: cfg.description(&l.code),
                        base_url: &cfg.base_url,
                        base_path: &cfg.base_path,
                        default_language: default_lang,
                        languages: lang_views.clone(),
                        extra: &cfg.extra,
                        search: cfg.search.enabled,
                        offline: site.offline_reading(),
                        review_after_days: cfg.review_after_days,
                        assets: assets.clone(),
                    },
                )
            })
            .collect();
        let bases = site
            .homes
            .iter()
            .map(|(code, _)| {
                let code = code.as_str();
                let mut ctx = Context::new();
                if let Some(v) = site_views.get(code) {
                    ctx.insert("site", v);
                }
                if let Some(l) = langs.get(code) {
                    ctx.insert("lang", l);
                }
                ctx.insert("t", site.i18n.strings(code));
                (code, ctx)
            })
            .collect();
        let nav = super::nav::Sidebars::new(site, tera, bases)?;
        Ok(Shared {
            site,
            today,
            site_views,
            default_lang,
            langs,
            nav,
        })
    }

    /// The entries of [`Shared::base`] that are the same on every page of a language
    /// ([`Shared::shared_context`]): the build cache hashes them once per language
    /// ([`Shared::language_digest`]).
    #[cfg(test)]
    pub(super) const LANGUAGE_KEYS: [&'static str; 3] = ["site", "lang", "t"];

    /// A hash of the [`Shared::LANGUAGE_KEYS`] entries of `lang`'s pages.
    pub(super) fn language_digest(&self, lang: &str, memo: &dyn super::PageMemo) -> [u8; 32] {
        memo.digest(&self.shared_context(lang).into_json())
    }

    pub(super) fn shared_context(&self, lang: &str) -> Context {
        let mut ctx = Context::new();
        if let Some(v) = self
            .site_views
            .get(lang)
            .or_else(|| self.site_views.get(self.default_lang))
        {
            ctx.insert("site", v);
        }
        if let Some(l) = self.langs.get(lang) {
            ctx.insert("lang", l);
        }
        ctx.insert("t", self.site.i18n.strings(lang));
        ctx
    }

    /// The context of a page not made from content: the shared entries and a sidebar
    /// with no section open.
    fn base(&self, lang: &str) -> Context {
        let mut ctx = self.shared_context(lang);
        ctx.insert("nav_html", &self.nav.without_page(lang));
        ctx
    }

    fn date(&self, d: Option<Date>, lang: &str) -> Option<DateView> {
        d.map(|d| DateView {
            iso: d.to_string(),
            display: format_date(d.0, lang),
        })
    }

    fn facets(
        &self,
        facets: &'a std::collections::BTreeMap<String, FacetValue>,
        lang: &str,
    ) -> Vec<FacetView<'a>> {
        let site: &'a Site = self.site;
        // A token without a translation is shown as written.
        let look = |group: &str, key: &'a str| -> &'a str { site.i18n.label(lang, group, key) };
        facets
            .iter()
            .map(|(name, v)| FacetView {
                name,
                label: look("facet_names", name),
                values: v
                    .0
                    .iter()
                    .map(|x| FacetValueView {
                        value: x,
                        label: look("facet_values", x),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The context of page `i`.
    pub(super) fn page_context(&self, i: usize) -> Result<Context, crate::error::Diagnostic> {
        let mut ctx = self.shared_context(&self.site.pages[i].lang);
        ctx.extend(self.page_own_context(i)?);
        Ok(ctx)
    }

    /// The entries of page `i`'s context other than its language's shared ones
    /// ([`Shared::LANGUAGE_KEYS`]): with the build cache, a page's key is made from these
    /// (and the language's digest), and the shared entries, the same for thousands of
    /// pages, are added only to pages that are rendered.
    pub(super) fn page_own_context(&self, i: usize) -> Result<Context, crate::error::Diagnostic> {
        let site = self.site;
        let p = &site.pages[i];
        let mut ctx = Context::new();
        let nav = self
            .nav
            .for_page(&p.lang, i)
            .map_err(|d| d.hint(format!("while rendering {}", p.display())))?;
        ctx.insert("nav_html", &nav);
        let link = |j: usize| Link {
            title: &site.pages[j].title,
            url: &site.pages[j].url,
        };
        let child = |j: usize| {
            let c = &site.pages[j];
            ChildView {
                title: &c.title,
                url: &c.url,
                description: &c.description,
                is_section: c.is_section(),
                fallback: c.fallback_from.is_some(),
                content_lang: &c.content_lang,
                content_dir: super::nav::direction_of(site, &c.content_lang),
                facets: self.facets(&c.fm.facets, &p.lang),
                reviewed: self.date(c.fm.reviewed, &p.lang),
            }
        };
        let mut facet_columns: Vec<(&str, &str)> = Vec::new();
        for &j in &p.pages {
            for f in self.facets(&site.pages[j].fm.facets, &p.lang) {
                if !facet_columns.iter().any(|(n, _)| *n == f.name) {
                    facet_columns.push((f.name, f.label));
                }
            }
        }
        let review_overdue = p.fm.reviewed.is_some_and(|r| {
            (self.today - r.0).num_days() > i64::from(site.config.review_after_days)
        });
        let fallback_from = p.fallback_from.as_deref().map(|code| {
            let src = site.in_language(i, code).unwrap_or(i);
            FallbackView {
                code: site.config.language(code).map_or(code, |l| l.code.as_str()),
                name: site.config.language(code).map_or(code, |l| l.name.as_str()),
                url: &site.pages[src].url,
            }
        });
        let outdated = crate::site::coverage::outdated_source(site, i).map(|s| {
            let code = site.pages[s].lang.as_str();
            FallbackView {
                code,
                name: site.config.language(code).map_or(code, |l| l.name.as_str()),
                url: &site.pages[s].url,
            }
        });
        let content_dir = super::nav::direction_of(site, &p.content_lang);
        let view = PageView {
            title: &p.title,
            description: &p.description,
            url: &p.url,
            permalink: &p.permalink,
            kind: if p.is_section() { "section" } else { "page" },
            is_home: p.is_section() && p.parent.is_none(),
            lang: &p.lang,
            content_lang: &p.content_lang,
            content_dir,
            content: &p.rendered.html,
            toc: &p.rendered.toc,
            show_toc: p.fm.toc.unwrap_or(true) && p.rendered.toc.len() > 1,
            summary: &p.rendered.summary,
            words: p.rendered.words,
            reading_minutes: p.rendered.words.div_ceil(200).max(1),
            date: self.date(p.fm.date, &p.lang),
            updated: self.date(p.fm.updated, &p.lang),
            reviewed: self.date(p.fm.reviewed, &p.lang),
            review_overdue,
            tags: &p.fm.tags,
            facets: self.facets(&p.fm.facets, &p.lang),
            extra: &p.fm.extra,
            breadcrumbs: site.ancestors(i).into_iter().map(link).collect(),
            prev: p.prev.map(link),
            next: p.next.map(link),
            pages: p.pages.iter().map(|&j| child(j)).collect(),
            subsections: p.subsections.iter().map(|&j| child(j)).collect(),
            facet_columns,
            fallback_from,
            outdated,
            source: p.source.as_ref().map(|s| s.display().to_string()),
        };
        ctx.insert("page", &view);

        let switcher = self.switcher(i);
        ctx.insert("switcher", &switcher);

        let (canonical, alternates) = self.canonical_and_alternates(i);
        ctx.insert("alternates", &alternates);
        ctx.insert("canonical", canonical);
        Ok(ctx)
    }

    /// The language switcher of page `i`: the same page in every language (a fallback
    /// copy marked, a missing one sent to the language's home).
    fn switcher(&self, i: usize) -> Vec<SwitchItem<'_>> {
        let site = self.site;
        let p = &site.pages[i];
        site.config
            .languages
            .iter()
            .map(|l| {
                let (url, fallback, missing) = match site.in_language(i, &l.code) {
                    Some(j) => (
                        site.pages[j].url.clone(),
                        site.pages[j].fallback_from.is_some(),
                        false,
                    ),
                    None => (
                        format!("{}?untranslated", self.langs[l.code.as_str()].url),
                        false,
                        true,
                    ),
                };
                SwitchItem {
                    code: &l.code,
                    name: &l.name,
                    dir: l.direction().as_str(),
                    url,
                    current: l.code == p.lang,
                    fallback,
                    missing,
                }
            })
            .collect()
    }

    /// Page `i`'s canonical URL and its hreflang alternates: translations only, never
    /// fallback copies (a fallback copy's canonical URL is its source's).
    fn canonical_and_alternates(&self, i: usize) -> (&str, Vec<Alternate<'_>>) {
        let site = self.site;
        let p = &site.pages[i];
        let mut alternates = Vec::new();
        let canonical = if p.fallback_from.is_none() {
            alternates = site
                .alternates(i)
                .into_iter()
                .map(|(hreflang, href)| Alternate { hreflang, href })
                .collect();
            p.permalink.as_str()
        } else {
            let src = p
                .fallback_from
                .as_deref()
                .and_then(|c| site.in_language(i, c))
                .unwrap_or(i);
            site.pages[src].permalink.as_str()
        };
        (canonical, alternates)
    }

    /// The context of the language chooser at `/`.
    pub(super) fn root_context(&self) -> Context {
        let default = &self.site.config.default_language().code;
        let mut ctx = self.base(default);
        ctx.insert("languages", &self.site_views[self.default_lang].languages);
        ctx.insert("canonical", &format!("{}/", self.site.config.base_url));
        ctx.insert("alternates", &Vec::<Alternate>::new());
        ctx.insert("switcher", &Vec::<SwitchItem>::new());
        ctx
    }

    /// The context of a page that exists once per language and is not made from content
    /// (404, search): the switcher links to `suffix` under each language's home.
    pub(super) fn language_context(&self, lang: &str, suffix: &str) -> Context {
        let mut ctx = self.base(lang);
        let switcher: Vec<SwitchItem> = self
            .site
            .config
            .languages
            .iter()
            .map(|l| SwitchItem {
                code: &l.code,
                name: &l.name,
                dir: l.direction().as_str(),
                url: format!("{}{suffix}", self.langs[l.code.as_str()].url),
                current: l.code == lang,
                fallback: false,
                missing: false,
            })
            .collect();
        ctx.insert("switcher", &switcher);
        ctx.insert("alternates", &Vec::<Alternate>::new());
        ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, page};
    use serde_json::{json, Value};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    /// The context of page `lang`/`rel` of a site made of `files`, as JSON.
    fn context_of(files: &[(&str, &str)], lang: &str, rel: &str) -> Value {
        let (_d, site) = testing::load(files);
        let (tera, _) = super::super::templates::load_templates(&site.root).unwrap();
        let shared = Shared::new(&site, today(), &tera, Default::default()).unwrap();
        shared
            .page_context(page(&site, lang, rel))
            .unwrap()
            .into_json()
    }

    #[test]
    fn a_page_context_is_its_languages_shared_entries_and_its_own() {
        let (_d, site) = testing::load(&translated());
        let (tera, _) = super::super::templates::load_templates(&site.root).unwrap();
        let shared = Shared::new(&site, today(), &tera, Default::default()).unwrap();
        let i = page(&site, "es", "guide/a.md");
        let whole = shared.page_context(i).unwrap().into_json();
        let own = shared.page_own_context(i).unwrap().into_json();
        let common = shared.shared_context("es").into_json();
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        let mut expected = Shared::LANGUAGE_KEYS.map(String::from).to_vec();
        expected.sort();
        assert_eq!(keys(&common), expected);
        for k in Shared::LANGUAGE_KEYS {
            assert!(own.get(k).is_none(), "{k} is shared, not the page's own");
            assert_eq!(whole[k], common[k]);
        }
        for (k, v) in own.as_object().unwrap() {
            assert_eq!(&whole[k], v, "{k}");
        }
        assert_eq!(
            keys(&whole).len(),
            keys(&own).len() + Shared::LANGUAGE_KEYS.len()
        );
    }

    fn translated() -> Vec<(&'static str, &'static str)> {
        vec![
            ("content/en/guide/a.md", "# A\n"),
            ("content/es/guide/a.md", "# A es\n"),
            ("content/en/guide/b.md", "# B\n"),
        ]
    }

    #[test]
    fn a_translated_page_lists_its_alternates_and_is_its_own_canonical() {
        let ctx = context_of(&translated(), "es", "guide/a.md");
        assert_eq!(
            ctx["alternates"],
            json!([
                {"hreflang": "en", "href": "https://example.org/docs/en/guide/a/"},
                {"hreflang": "es", "href": "https://example.org/docs/es/guide/a/"},
                {"hreflang": "x-default", "href": "https://example.org/docs/en/guide/a/"},
            ])
        );
        assert_eq!(ctx["canonical"], "https://example.org/docs/es/guide/a/");
    }

    #[test]
    fn a_fallback_copy_points_its_canonical_at_the_source_and_has_no_alternates() {
        let ctx = context_of(&translated(), "es", "guide/b.md");
        assert_eq!(ctx["alternates"], json!([]));
        assert_eq!(ctx["canonical"], "https://example.org/docs/en/guide/b/");
        assert_eq!(
            ctx["page"]["fallback_from"],
            json!({"code": "en", "name": "English", "url": "/docs/en/guide/b/"})
        );
    }

    #[test]
    fn the_switcher_links_the_same_page_in_every_language() {
        let ctx = context_of(&translated(), "en", "guide/b.md");
        let switcher = ctx["switcher"].as_array().unwrap();
        assert_eq!(switcher.len(), 2);
        assert_eq!(switcher[0]["current"], true);
        assert_eq!(switcher[1]["url"], "/docs/es/guide/b/");
        assert_eq!(
            switcher[1]["fallback"], true,
            "Spanish shows the English text"
        );
    }

    #[test]
    fn breadcrumbs_and_neighbours_come_from_the_tree() {
        let ctx = context_of(&translated(), "en", "guide/b.md");
        let page = &ctx["page"];
        let crumbs: Vec<&str> = page["breadcrumbs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["url"].as_str().unwrap())
            .collect();
        assert_eq!(crumbs, ["/docs/en/", "/docs/en/guide/"]);
        assert_eq!(page["prev"]["title"], "A");
        assert!(page["next"].is_null());
    }

    #[test]
    fn facets_are_labelled_in_the_page_language_or_shown_as_written() {
        let ctx = context_of(
            &[(
                "content/en/a.md",
                "---\nfacets:\n  channel: [online, by-pigeon]\n---\n",
            )],
            "en",
            "a.md",
        );
        assert_eq!(
            ctx["page"]["facets"],
            json!([{"name": "channel", "label": "Channel", "values": [
                {"value": "online", "label": "Online"},
                {"value": "by-pigeon", "label": "by-pigeon"},
            ]}])
        );
    }

    #[test]
    fn a_review_older_than_the_limit_is_overdue() {
        let page_reviewed = |day: &str| {
            let text = format!("---\nreviewed: {day}\n---\n");
            context_of(&[("content/en/a.md", &text)], "en", "a.md")["page"]["review_overdue"]
                .clone()
        };
        assert_eq!(page_reviewed("2020-01-01"), true);
        assert_eq!(page_reviewed("2026-05-30"), false);
    }

    #[test]
    fn a_language_page_switcher_links_the_same_page_under_each_home() {
        let (_d, site) = testing::load(&translated());
        let (tera, _) = super::super::templates::load_templates(&site.root).unwrap();
        let shared = Shared::new(&site, today(), &tera, Default::default()).unwrap();
        let ctx = shared.language_context("es", "search/").into_json();
        let urls: Vec<&str> = ctx["switcher"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["url"].as_str().unwrap())
            .collect();
        assert_eq!(urls, ["/docs/en/search/", "/docs/es/search/"]);
        assert_eq!(ctx["lang"]["code"], "es");
    }
}
