//! Heading ids: readable, unique, Unicode-aware.
//!
//! Takes heading texts (and explicit `{#id}`s); gives ids that keep letters and digits of
//! every script (a Chinese heading keeps its characters), lowercase, with runs of other
//! characters turned into one `-`, made unique within the page with `-1`, `-2`…

use std::collections::{HashMap, HashSet};

/// Turns heading text into an id: `Steps & tips` → `steps-tips`, `准备材料` → `准备材料`.
pub(crate) fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c == '-' || c.is_whitespace() || c.is_ascii_punctuation() || !c.is_control() {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

/// Ids the built-in theme uses around the content; generated heading ids avoid them.
pub(crate) const THEME_IDS: &[&str] = &[
    "main",
    "search-q",
    "search-page",
    "search-page-q",
    "search-status",
    "search-results",
    "search-filters",
    "search-page-status",
    "search-page-results",
    "search-page-filters",
    "sidebar",
    "toc-title",
    "compare-title",
    "pages-title",
    "sections-title",
];

/// Hands out unique ids within one page.
#[derive(Debug)]
pub(crate) struct IdAllocator {
    used: HashSet<String>,
    /// Per base id, the next number to try: without it, a page of n equal headings
    /// would cost n² tries (a hostile page with 100,000 `## Steps` never finishes).
    next: HashMap<String, usize>,
}

impl Default for IdAllocator {
    fn default() -> Self {
        IdAllocator {
            used: THEME_IDS.iter().map(|s| s.to_string()).collect(),
            next: HashMap::new(),
        }
    }
}

impl IdAllocator {
    /// Reserves an explicit id (`{#id}`); returns false if another heading has it.
    pub(crate) fn reserve(&mut self, id: &str) -> bool {
        self.used.insert(id.to_string()) || THEME_IDS.contains(&id)
    }

    /// A unique id derived from `base`.
    pub(crate) fn unique(&mut self, base: &str) -> String {
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let n = self.next.entry(base.to_string()).or_insert(1);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_non_latin_letters() {
        assert_eq!(slugify("What you need"), "what-you-need");
        assert_eq!(slugify("准备材料"), "准备材料");
        assert_eq!(slugify("Qué necesitas: ¿DNI?"), "qué-necesitas-dni");
        assert_eq!(slugify("eSIM — in the app"), "esim-in-the-app");
        assert_eq!(slugify("第 2 步：扫描证件"), "第-2-步-扫描证件");
        assert_eq!(slugify("!!!"), "section");
    }

    #[test]
    fn repeated_headings_get_numbered_ids() {
        let mut ids = IdAllocator::default();
        assert!(ids.reserve("steps-1"));
        assert_eq!(ids.unique("steps"), "steps");
        assert_eq!(ids.unique("steps"), "steps-2");
        assert_eq!(ids.unique("steps"), "steps-3");
    }

    #[test]
    fn many_equal_headings_get_ids_in_linear_time() {
        let mut ids = IdAllocator::default();
        // Quadratic numbering would take minutes here; linear takes milliseconds.
        for _ in 0..200_000 {
            ids.unique("steps");
        }
        assert_eq!(ids.unique("steps"), "steps-200000");
        assert_eq!(ids.unique("steps-200001"), "steps-200001");
        assert_eq!(ids.unique("steps"), "steps-200002");
    }

    #[test]
    fn generated_ids_avoid_the_theme_ids() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.unique("main"), "main-1");
    }
}
