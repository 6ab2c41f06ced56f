//! Small sites written to a temporary folder, for unit tests.
//!
//! Takes a list of `(path, text)` files; gives the folder (removed when dropped) and,
//! with [`load`], the loaded [`Site`]. A `site.yaml` with English and Spanish is written
//! unless the list has one.

use std::path::Path;

use crate::site::{BuildOptions, Site};

/// `site.yaml` of the test sites: English (the default) and Spanish, base path `/docs`.
pub(crate) const SITE_YAML: &str = "title: Test guides
base_url: https://example.org/docs/
languages:
  - code: en
    name: English
  - code: es
    name: Español
";

/// Writes `files` into a new temporary folder (and [`SITE_YAML`] unless given).
pub(crate) fn site_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    if !files.iter().any(|(p, _)| *p == "site.yaml") {
        write(dir.path(), "site.yaml", SITE_YAML);
    }
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

/// Writes one file of a test site, creating its folders.
pub(crate) fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("folders");
    std::fs::write(path, text).expect("write");
}

/// Writes `files` and loads the site with the default options; panics on errors.
pub(crate) fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Site) {
    let dir = site_dir(files);
    let site = crate::site::load(dir.path(), &BuildOptions::default())
        .unwrap_or_else(|e| panic!("the test site loads: {e}"));
    (dir, site)
}

/// The index of the page of `lang` at `rel`; panics when there is none.
pub(crate) fn page(site: &Site, lang: &str, rel: &str) -> usize {
    site.find(lang, rel)
        .unwrap_or_else(|| panic!("no page {lang}/{rel}"))
}
