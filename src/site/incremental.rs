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
pub enum Update {
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
    pub fn find(&self, lang: &str, rel: &str) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.lang == lang && p.rel == rel)
    }

    /// Re-reads the Markdown file `display` (relative to the site root).
    pub fn update_page(&mut self, display: &Path) -> Result<Update> {
        let own: Vec<usize> = (0..self.pages.len())
            .filter(|&i| self.pages[i].source.as_deref() == Some(display))
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
                    split.body,
                    split.body_line,
                    &fm,
                    p.dir(),
                    &alert_labels(&self.i18n, &p.content_lang),
                    &self.links.resolver(&p.lang, &p.content_lang),
                )
            })
            .collect();
        let k = own.iter().position(|&i| i == primary).unwrap_or(0);
        let new = &rendered[k];
        let lang = self.pages[primary].lang.clone();
        let rel = self.pages[primary].rel.clone();

        // Its own links, and links of other pages into its headings, sorted by the
        // link policy as a full load sorts them.
        let policy = self.config.links;
        let into = format!("in `{rel}`");
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
                .filter(|d| d.message.contains(&into))
                .collect(),
            );
        }
        let mut errors = found.errors;
        if !errors.is_empty() {
            errors.sort();
            errors.dedup();
            return Err(Error::Site(errors));
        }
        // The warnings of this file, and those of other files about links into it, are
        // replaced by what was found now.
        let lang_dir = Path::new("content").join(&lang);
        self.warnings.retain(|d| {
            d.path != display
                && !(d.path.starts_with(&lang_dir)
                    && d.kind == DiagnosticKind::MissingAnchor
                    && d.message.ends_with(&into))
        });
        self.warnings.extend(found.warnings);
        self.warnings.sort();
        self.warnings.dedup();

        // Commit.
        let before = &self.pages[primary];
        let (old_title, old_description, old_hash, old_source_hash) = (
            before.title.clone(),
            before.description.clone(),
            before.body_hash.clone(),
            before.fm.source_hash.clone(),
        );
        let (old_weight, old_facets, old_reviewed, old_dates) = (
            before.fm.weight,
            before.fm.facets.clone(),
            before.fm.reviewed,
            (before.fm.date, before.fm.updated),
        );
        for (&i, r) in own.iter().zip(rendered) {
            let text = PageText {
                fm: fm.clone(),
                rendered: r,
                body: Some((split.body, split.body_line)),
            };
            assemble(&mut self.pages[i], text, &self.config);
        }
        let hash = self.pages[primary].body_hash.clone();

        // What else shows this page: its section lists its title, description, facets and
        // review date; its neighbours show its title; translations stamped with a source
        // hash show whether they are outdated.
        let now = &self.pages[primary];
        let title_changed = now.title != old_title;
        let structural = title_changed || fm.weight != old_weight;
        let listing_changed = structural
            || now.description != old_description
            || fm.facets != old_facets
            || fm.reviewed != old_reviewed;
        if structural {
            tree::relink(&mut self.pages, &self.config);
        }
        let mut set: BTreeSet<usize> = own.iter().copied().collect();
        for &i in &own {
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
                // Every page of the language shows the sidebar, which lists it.
                let lang = p.lang.clone();
                for (j, q) in self.pages.iter().enumerate() {
                    if q.lang == lang {
                        set.insert(j);
                    }
                }
            }
        }
        // Translations say whether they are behind their source: by stamp (the source's
        // body hash) or by date (the source's `updated` or `date`).
        let mut outdated_changed = false;
        let members = &self.groups[self.pages[primary].group].members;
        let stamped = members
            .iter()
            .any(|(_, j)| self.pages[*j].fm.source_hash.is_some());
        if (hash != old_hash && stamped) || (fm.date, fm.updated) != old_dates {
            set.extend(members.iter().map(|(_, j)| *j));
            outdated_changed = true;
        }
        let listings = listing_changed
            || outdated_changed
            || (fm.date, fm.updated) != old_dates
            || fm.source_hash != old_source_hash;
        Ok(Update::Pages {
            pages: set.into_iter().collect(),
            listings,
        })
    }
}
