//! Incremental updates for `serve`: re-read one edited page and find what shows it.
//!
//! Takes the loaded [`Site`] and the path of a changed Markdown file; re-parses only that
//! file (and re-renders its fallback copies), checks its links and the links that point
//! into it, and returns the pages whose HTML may have changed: the page, its fallback
//! copies, its section (which lists it), its prev/next neighbours, its translations when
//! its body changed (their "outdated" notices), and — when its title or weight changed —
//! the whole language (every page carries the sidebar, which lists it). Anything that
//! can move URLs (new, deleted or renamed files, `slug`, `translation_key`, `draft`,
//! `aliases`) asks for a full rebuild.
//! On error the site is left exactly as it was.

use std::collections::BTreeSet;
use std::path::Path;

use super::links::{alert_labels, check_anchors, render_problems};
use super::load::{assemble, render_body, PageText};
use super::{tree, Site};
use crate::content::{front_matter, read_text};
use crate::error::{DiagnosticKind, Error, Result};
use crate::markdown;

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Update {
    /// These pages must be re-rendered.
    Pages {
        /// The pages.
        pages: Vec<usize>,
        /// What lists pages changed too (a title, description, date, facet, review date
        /// or outdated status): the feeds, sitemap, status, search and 404 pages must be
        /// made again. A body edit that changes none of these leaves them as they are.
        listings: bool,
    },
    /// The change can move URLs or the tree: rebuild everything.
    Full,
}

impl Site {
    /// Index of the page published in `lang` at `rel`.
    pub(crate) fn find(&self, lang: &str, rel: &str) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.lang == lang && p.rel == rel)
    }

    /// Re-reads the Markdown file `display` (relative to the site root).
    pub(crate) fn update_page(&mut self, display: &Path) -> Result<Update> {
        let own: Vec<usize> = (0..self.pages.len())
            .filter(|&i| self.pages[i].is_from(display))
            .collect();
        let Some(&primary) = own.iter().find(|&&i| self.pages[i].fallback_from.is_none()) else {
            return Ok(Update::Full);
        };
        let path = self.root.join(display);
        if !path.is_file() {
            return Ok(Update::Full);
        }
        let text = read_text(&path, display).map_err(Error::one)?;
        let split = front_matter::split(&text, display).map_err(Error::one)?;
        let fm = split.front_matter;
        let old = &self.pages[primary].fm;
        if fm.slug != old.slug
            || fm.translation_key != old.translation_key
            || fm.draft != old.draft
            || fm.aliases != old.aliases
        {
            return Ok(Update::Full);
        }

        // Render the page and its fallback copies, each with its own language's links.
        let rendered: Vec<markdown::Rendered> = own
            .iter()
            .map(|&i| {
                let p = &self.pages[i];
                render_body(
                    &self.config,
                    (split.body, split.body_line),
                    &fm,
                    p.dir(),
                    &alert_labels(&self.i18n, &p.content_lang),
                    &self.links.resolver(&p.lang, &p.content_lang),
                    (&(), &p.lang, &p.content_lang),
                )
            })
            .collect();
        let k = own.iter().position(|&i| i == primary).unwrap_or(0);
        // The image catalog is the whole site's: a page that now shows other images
        // is rebuilt with the rest.
        let urls = |images: &[markdown::ImageRef]| -> BTreeSet<String> {
            images.iter().map(|i| i.url.clone()).collect()
        };
        if urls(&rendered[k].images) != urls(&self.pages[primary].rendered.images) {
            return Ok(Update::Full);
        }
        self.check_edited_links(display, primary, &rendered[k])?;
        let rendered: Vec<markdown::Rendered> = rendered
            .into_iter()
            .map(|mut r| {
                if !r.images.is_empty() {
                    r.html = crate::images::rewrite(&r.html, &self.images);
                }
                r
            })
            .collect();

        // Commit.
        let before = Shown::of(&self.pages[primary]);
        for (&i, r) in own.iter().zip(rendered) {
            let text = PageText {
                fm: fm.clone(),
                rendered: r,
                body: Some((split.body, split.body_line)),
            };
            assemble(&mut self.pages[i], text, &self.config);
        }
        Ok(self.showing(&own, primary, &before))
    }

    /// Checks the links of the edited page `primary` (rendered as `new`, from the file
    /// `display`) and the links of other pages into its headings, sorted by the link
    /// policy as a full load sorts them: an error fails the update and changes nothing;
    /// otherwise the warnings of this file, and those of other files about links into
    /// it, are replaced by what was found now.
    fn check_edited_links(
        &mut self,
        display: &Path,
        primary: usize,
        new: &markdown::Rendered,
    ) -> Result<()> {
        let lang = self.pages[primary].lang.clone();
        let rel = self.pages[primary].rel.clone();
        let policy = self.config.links;
        // A diagnostic about a link into this page's headings, from another page.
        let into = |d: &crate::error::Diagnostic| {
            d.kind == DiagnosticKind::MissingAnchor
                && d.link
                    .as_ref()
                    .is_some_and(|l| l.page.as_deref() == Some(rel.as_str()))
        };
        let mut found = render_problems(display, new, &policy);
        found.add_anchors(
            &policy,
            check_anchors(display, new, |r| {
                if r == rel {
                    Some(new)
                } else {
                    self.find(&lang, r).map(|t| &self.pages[t].rendered)
                }
            }),
        );
        for (j, p) in self.pages.iter().enumerate() {
            if j == primary || p.lang != lang || p.fallback_from.is_some() {
                continue;
            }
            let Some(src) = &p.source else { continue };
            if !p
                .rendered
                .anchor_links
                .iter()
                .any(|l| l.page.as_deref() == Some(rel.as_str()))
            {
                continue;
            }
            found.add_anchors(
                &policy,
                check_anchors(
                    src,
                    &p.rendered,
                    |r| if r == rel { Some(new) } else { None },
                )
                .into_iter()
                .filter(|d| into(d))
                .collect(),
            );
        }
        let mut errors = found.errors;
        if !errors.is_empty() {
            errors.sort();
            errors.dedup();
            return Err(Error::Site(errors));
        }
        let lang_dir = Path::new("content").join(&lang);
        self.warnings
            .retain(|d| d.path != display && !(d.path.starts_with(&lang_dir) && into(d)));
        self.warnings.extend(found.warnings);
        self.warnings.sort();
        self.warnings.dedup();
        Ok(())
    }

    /// What shows the edited pages `own` (`primary` and its fallback copies), now that
    /// `primary` is no longer as `before`: its section lists its title, description,
    /// facets and review date; its neighbours show its title; every page of the
    /// language shows the sidebar, which lists it by title and weight; translations
    /// stamped with a source hash, or dated, show whether they are outdated.
    fn showing(&mut self, own: &[usize], primary: usize, before: &Shown) -> Update {
        let now = Shown::of(&self.pages[primary]);
        let title_changed = now.title != before.title;
        let structural = title_changed || now.weight != before.weight;
        let listing_changed = structural
            || now.description != before.description
            || now.facets != before.facets
            || now.reviewed != before.reviewed;
        if structural {
            tree::relink(&mut self.pages, &self.config);
        }
        let mut set: BTreeSet<usize> = own.iter().copied().collect();
        for &i in own {
            let p = &self.pages[i];
            if listing_changed {
                set.extend(p.parent);
            }
            if title_changed {
                set.extend(p.prev);
                set.extend(p.next);
            }
            if structural {
                if let Some(parent) = p.parent {
                    set.extend(self.pages[parent].pages.iter().copied());
                    set.extend(self.pages[parent].subsections.iter().copied());
                }
                let lang = &p.lang;
                set.extend((0..self.pages.len()).filter(|&j| &self.pages[j].lang == lang));
            }
        }
        let members = &self.groups[self.pages[primary].group].members;
        let stamped = members
            .iter()
            .any(|(_, j)| self.pages[*j].fm.source_hash.is_some());
        let outdated_changed =
            (now.body_hash != before.body_hash && stamped) || now.dates != before.dates;
        if outdated_changed {
            set.extend(members.iter().map(|(_, j)| *j));
        }
        Update::Pages {
            pages: set.into_iter().collect(),
            listings: listing_changed || outdated_changed || now.source_hash != before.source_hash,
        }
    }
}

/// What other pages show of a page (its section, neighbours, sidebar, translations),
/// taken before and after an edit to tell what changed.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    title: String,
    description: String,
    body_hash: String,
    source_hash: Option<String>,
    weight: Option<i64>,
    facets: std::collections::BTreeMap<String, crate::content::front_matter::FacetValue>,
    reviewed: Option<crate::content::front_matter::Date>,
    dates: (
        Option<crate::content::front_matter::Date>,
        Option<crate::content::front_matter::Date>,
    ),
}

impl Shown {
    fn of(p: &super::Page) -> Shown {
        Shown {
            title: p.title.clone(),
            description: p.description.clone(),
            body_hash: p.body_hash.clone(),
            source_hash: p.fm.source_hash.clone(),
            weight: p.fm.weight,
            facets: p.fm.facets.clone(),
            reviewed: p.fm.reviewed,
            dates: (p.fm.date, p.fm.updated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::BuildOptions;
    use crate::testing::{self, page};

    const A: &str = "content/en/guide/a.md";

    fn guide() -> (tempfile::TempDir, Site) {
        testing::load(&[
            ("content/en/guide/a.md", "# Alpha\n\nFirst.\n\nSecond.\n"),
            ("content/en/guide/b.md", "# Beta\n\nSee [alpha](a.md).\n"),
            ("content/en/other.md", "# Other\n"),
        ])
    }

    fn edit(dir: &tempfile::TempDir, text: &str) {
        testing::write(dir.path(), A, text);
    }

    /// What a fresh load says of page `lang`/`rel`, to compare with the update.
    fn fresh(dir: &tempfile::TempDir, lang: &str, rel: &str) -> crate::site::Page {
        let site = crate::site::load(dir.path(), &BuildOptions::default()).unwrap();
        site.pages[page(&site, lang, rel)].clone()
    }

    #[test]
    fn an_edited_page_is_assembled_as_a_fresh_load_assembles_it() {
        let (dir, mut site) = guide();
        edit(
            &dir,
            "---\nweight: 1\n---\n# Alpha\n\nFirst, changed.\n\n## Alpha part\n",
        );
        site.update_page(Path::new(A)).unwrap();
        for lang in ["en", "es"] {
            let updated = &site.pages[page(&site, lang, "guide/a.md")];
            let loaded = fresh(&dir, lang, "guide/a.md");
            assert_eq!(updated.title, loaded.title);
            assert_eq!(updated.description, loaded.description);
            assert_eq!(updated.fm, loaded.fm);
            assert_eq!(updated.rendered.html, loaded.rendered.html);
            assert_eq!(updated.body_line, loaded.body_line);
            assert_eq!(updated.body_hash, loaded.body_hash);
        }
    }

    #[test]
    fn a_body_edit_rerenders_the_page_and_its_copies_but_not_the_listings() {
        let (dir, mut site) = guide();
        edit(&dir, "# Alpha\n\nFirst.\n\nSecond, changed.\n");
        let update = site.update_page(Path::new(A)).unwrap();
        let en = page(&site, "en", "guide/a.md");
        let es = page(&site, "es", "guide/a.md");
        assert_eq!(
            update,
            Update::Pages {
                pages: vec![en.min(es), en.max(es)],
                listings: false
            }
        );
    }

    #[test]
    fn a_new_description_rerenders_the_section_and_the_listings() {
        let (dir, mut site) = guide();
        edit(&dir, "# Alpha\n\nA new first paragraph.\n");
        let Update::Pages { pages, listings } = site.update_page(Path::new(A)).unwrap() else {
            panic!("a body edit is not a full rebuild");
        };
        assert!(listings);
        assert!(pages.contains(&page(&site, "en", "guide/_index.md")));
        assert!(!pages.contains(&page(&site, "en", "other.md")));
    }

    #[test]
    fn a_new_title_rerenders_the_whole_language() {
        let (dir, mut site) = guide();
        edit(&dir, "# Renamed\n\nFirst.\n\nSecond.\n");
        let Update::Pages { pages, listings } = site.update_page(Path::new(A)).unwrap() else {
            panic!("a title edit is not a full rebuild");
        };
        assert!(listings);
        for (i, p) in site.pages.iter().enumerate() {
            if p.lang == "en" {
                assert!(pages.contains(&i), "{} shows the sidebar", p.rel);
            }
        }
        assert_eq!(site.pages[page(&site, "en", "guide/a.md")].title, "Renamed");
    }

    #[test]
    fn what_can_move_urls_asks_for_a_full_rebuild() {
        for text in [
            "---\nslug: moved\n---\n# Alpha\n",
            "---\ntranslation_key: k\n---\n# Alpha\n",
            "---\ndraft: true\n---\n# Alpha\n",
            "---\naliases: [/en/old/]\n---\n# Alpha\n",
        ] {
            let (dir, mut site) = guide();
            edit(&dir, text);
            assert_eq!(
                site.update_page(Path::new(A)).unwrap(),
                Update::Full,
                "{text}"
            );
        }
        let (dir, mut site) = guide();
        std::fs::remove_file(dir.path().join(A)).unwrap();
        assert_eq!(site.update_page(Path::new(A)).unwrap(), Update::Full);
        assert_eq!(
            site.update_page(Path::new("content/en/new.md")).unwrap(),
            Update::Full,
            "a file the site does not have yet"
        );
    }

    #[test]
    fn a_broken_link_fails_the_update_and_leaves_the_site_as_it_was() {
        let (dir, mut site) = guide();
        let before = site.pages[page(&site, "en", "guide/a.md")]
            .rendered
            .html
            .clone();
        edit(&dir, "# Alpha\n\n[gone](missing.md)\n");
        let e = site.update_page(Path::new(A)).unwrap_err();
        assert!(e.to_string().contains("content/en/guide/a.md:3"), "{e}");
        assert_eq!(
            site.pages[page(&site, "en", "guide/a.md")].rendered.html,
            before
        );
    }

    #[test]
    fn a_removed_heading_that_another_page_links_to_is_an_error_there() {
        let (dir, mut site) = testing::load(&[
            ("content/en/guide/a.md", "# Alpha\n\n## Alpha part\n"),
            (
                "content/en/guide/b.md",
                "# Beta\n\nSee [alpha](a.md#alpha-part).\n",
            ),
        ]);
        edit(&dir, "# Alpha\n\n## Renamed part\n");
        let e = site.update_page(Path::new(A)).unwrap_err();
        let d = &e.diagnostics()[0];
        assert_eq!(d.path, Path::new("content/en/guide/b.md"));
        assert_eq!(d.kind, DiagnosticKind::MissingAnchor);
    }
}
