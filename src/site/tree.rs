//! The section tree: parents, ordered children, prev/next.

use std::collections::HashMap;

use super::Page;
use crate::config::Config;
use crate::url::{dir_of, parent_dir};

/// Links pages into their sections, orders children by weight then title, sets prev/next;
/// returns each language's home section in configured order.
pub(super) fn link(pages: &mut [Page], config: &Config) -> Vec<(String, usize)> {
    let mut sections: HashMap<(String, String), usize> = HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        if p.is_section() {
            sections.insert((p.lang.clone(), dir_of(&p.rel).to_string()), i);
        }
    }
    for i in 0..pages.len() {
        let dir = dir_of(&pages[i].rel).to_string();
        let parent_key = if pages[i].is_section() {
            parent_dir(&dir).map(str::to_string)
        } else {
            Some(dir)
        };
        let parent = parent_key.and_then(|d| sections.get(&(pages[i].lang.clone(), d)).copied());
        pages[i].parent = parent;
        if let Some(p) = parent {
            if pages[i].is_section() {
                pages[p].subsections.push(i);
            } else {
                pages[p].pages.push(i);
            }
        }
    }
    let sort_key = |pages: &[Page], i: usize| {
        (
            pages[i].fm.weight.unwrap_or(i64::MAX),
            pages[i].title.to_lowercase(),
            pages[i].rel.clone(),
        )
    };
    for s in 0..pages.len() {
        if !pages[s].is_section() {
            continue;
        }
        let mut children = std::mem::take(&mut pages[s].pages);
        children.sort_by_cached_key(|&i| sort_key(pages, i));
        for w in children.windows(2) {
            pages[w[0]].next = Some(w[1]);
            pages[w[1]].prev = Some(w[0]);
        }
        pages[s].pages = children;
        let mut subs = std::mem::take(&mut pages[s].subsections);
        subs.sort_by_cached_key(|&i| sort_key(pages, i));
        pages[s].subsections = subs;
    }
    config
        .languages
        .iter()
        .filter_map(|l| {
            sections
                .get(&(l.code.clone(), String::new()))
                .map(|&i| (l.code.clone(), i))
        })
        .collect()
}

/// Clears and recomputes the tree after titles or weights changed.
pub(super) fn relink(pages: &mut [Page], config: &Config) -> Vec<(String, usize)> {
    for p in pages.iter_mut() {
        p.parent = None;
        p.pages.clear();
        p.subsections.clear();
        p.prev = None;
        p.next = None;
    }
    link(pages, config)
}
