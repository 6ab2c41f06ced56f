//! Offline reading: the service worker and each language's offline manifest.
//!
//! Takes the loaded [`Site`] and a [`Ledger`] of the files the build published (the size
//! and BLAKE3 digest of each file a reader of a language needs without a connection: the
//! language's pages and images, its search bundle, the theme's files); gives `/sw.js`, the
//! worker (`sw.js` beside this file, with the build's version, the base path and the
//! files every language's offline page needs filled in), and `/<lang>/offline.json`, the
//! list the theme's "save for offline reading" control stores:
//! `{"version", "lang", "bytes", "files": [[url, size, digest], …]}`. A language's
//! `version` is a hash of its list, the worker's a hash of every list: a build that
//! changes any of those files installs a new worker, which brings saved copies up to date
//! (fetching only the files whose digest changed).
//!
//! Written when site.yaml's `offline` is on (the default) and the theme's files have
//! content-hashed names (`waypost build`): the worker serves those from its cache without
//! asking the network. `serve` keeps plain names and previews must never be cached, so it
//! writes neither file and its pages register no worker.

use rayon::prelude::*;
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use crate::error::{Diagnostic, Error, Result};
use crate::output::{Contents, OutputFile};
use crate::site::Site;

/// The worker's path in the output folder (its scope is the whole site).
pub(crate) const WORKER: &str = "sw.js";
/// Each language's manifest, under the language's folder.
pub(crate) const MANIFEST: &str = "offline.json";
/// Each language's offline page (rendered by `render`), under the language's folder.
fn offline_page(lang: &str) -> String {
    format!("{lang}/{}/index.html", crate::url::OFFLINE_DIR)
}

/// One published file a reader may need offline.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    path: String,
    size: u64,
    digest: [u8; 32],
}

/// A phone's screen width in device pixels (390 CSS pixels at a pixel ratio of 2): a
/// saved language keeps each image's smallest WebP copy at least this wide.
const PHONE_PIXELS: u32 = 780;

/// What a language's readers need offline, gathered while the build writes its files.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    on: bool,
    languages: Vec<String>,
    /// Per language (in `languages`' order), the output paths of the images its pages
    /// show, each at a phone's size (wherever the file is: a translation may show the
    /// default language's screenshots).
    shown: Vec<BTreeSet<String>>,
    /// Every image file pages show and every copy of one: left out of a language's list
    /// unless it is the copy that language's pages show a phone.
    images: HashSet<String>,
    entries: Vec<Entry>,
    /// A file of the site's own at the worker's or a manifest's path.
    taken: Vec<String>,
}

impl Ledger {
    /// An empty ledger for `site` (one that keeps nothing when offline reading is off).
    pub(crate) fn new(site: &Site) -> Ledger {
        let languages: Vec<String> = site
            .config
            .languages
            .iter()
            .map(|l| l.code.clone())
            .collect();
        let mut shown = vec![BTreeSet::new(); languages.len()];
        for p in &site.pages {
            let Some(n) = languages.iter().position(|l| *l == p.lang) else {
                continue;
            };
            for r in &p.rendered.images {
                if let Some(Ok(image)) = site.images.get(&r.url) {
                    shown[n].insert(phone_copy(image).to_string());
                }
            }
        }
        let images = site
            .images
            .images()
            .flat_map(|i| {
                std::iter::once(i.output.clone()).chain(i.variants.iter().map(|v| v.output.clone()))
            })
            .collect();
        Ledger {
            on: site.offline_reading(),
            languages,
            shown,
            images,
            ..Ledger::default()
        }
    }

    /// Notes the files of one part of the output (sizes and digests in parallel).
    pub(crate) fn add(&mut self, files: &[OutputFile]) -> Result<()> {
        if !self.on {
            return Ok(());
        }
        for f in files {
            if self.reserved(&f.path) {
                self.taken.push(f.path.clone());
            }
        }
        let entries: Vec<std::result::Result<Entry, Error>> = files
            .par_iter()
            .filter(|f| self.wanted(&f.path))
            .map(|f| {
                let (size, digest) = match &f.contents {
                    Contents::Bytes(b) => (b.len() as u64, *blake3::hash(b).as_bytes()),
                    Contents::Cached(kept) => kept.size_and_hash(),
                    Contents::Copy(_) => {
                        let bytes = f.bytes_or_error()?;
                        (bytes.len() as u64, *blake3::hash(&bytes).as_bytes())
                    }
                };
                Ok(Entry {
                    path: f.path.clone(),
                    size,
                    digest,
                })
            })
            .collect();
        for e in entries {
            self.entries.push(e?);
        }
        Ok(())
    }

    fn reserved(&self, path: &str) -> bool {
        path == WORKER
            || self.languages.iter().any(|l| {
                path.strip_prefix(l.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                    == Some(MANIFEST)
            })
    }

    /// Whether a reader of some language needs `path` offline: the language's pages,
    /// images and search bundle, and the files outside every language's folder that
    /// pages load (the theme's stylesheet, script and icons). Text exports (Markdown
    /// sources, llms.txt, feeds) and the status pages are not read offline.
    fn wanted(&self, path: &str) -> bool {
        if self.images.contains(path) {
            // Only the copies some language's pages show a phone are listed: the
            // originals and other copies are not read again to be hashed.
            return self.shown.iter().any(|s| s.contains(path));
        }
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        if matches!(ext, "md" | "txt" | "xml" | "br" | "gz" | "zst") {
            return false;
        }
        match path.split_once('/') {
            Some((first, rest)) if self.languages.iter().any(|l| l == first) => {
                rest != "404.html" && !rest.starts_with("status/") && !pagefind_ui(rest)
            }
            _ => is_page_asset(ext) && path != WORKER,
        }
    }

    /// The worker and each language's manifest. A file of the site's own at one of
    /// their paths is an error (it would be replaced without a word).
    pub(crate) fn files(mut self, site: &Site) -> Result<Vec<OutputFile>> {
        if !self.on {
            return Ok(Vec::new());
        }
        if let Some(path) = self.taken.first() {
            return Err(Error::one(
                Diagnostic::new(
                    site.root.join("static").join(path),
                    format!("`/{path}` is written by the build for offline reading"),
                )
                .hint("rename the file, or set `offline: false` in site.yaml"),
            ));
        }
        self.entries.sort_by(|a, b| a.path.cmp(&b.path));
        self.entries.dedup_by(|a, b| a.path == b.path);
        let base = &site.config.base_path;
        let shared: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !self.images.contains(&e.path))
            .filter(|e| !self.languages.iter().any(|l| in_language(&e.path, l)))
            .collect();
        let shared: Vec<&Entry> = shared
            .iter()
            .copied()
            .filter(|e| loaded_by_pages(&shared, e))
            .collect();
        let mut out = Vec::new();
        let mut all = blake3::Hasher::new();
        let none = BTreeSet::new();
        for (n, lang) in self.languages.iter().enumerate() {
            let shown = self.shown.get(n).unwrap_or(&none);
            let mine: Vec<&Entry> = shared
                .iter()
                .copied()
                .chain(self.entries.iter().filter(|e| {
                    if self.images.contains(&e.path) {
                        shown.contains(&e.path)
                    } else {
                        in_language(&e.path, lang)
                    }
                }))
                .collect();
            let json = manifest(base, lang, &mine);
            all.update(json.as_bytes());
            out.push(OutputFile::bytes(format!("{lang}/{MANIFEST}"), json));
        }
        let version = hex(&all.finalize().as_bytes()[..8]);
        let shell: Vec<String> = shared
            .iter()
            .map(|e| url_of(base, &e.path))
            .chain(
                self.languages
                    .iter()
                    .map(|l| url_of(base, &offline_page(l))),
            )
            .collect();
        out.insert(
            0,
            OutputFile::bytes(WORKER, worker(&version, base, &self.languages, &shell)),
        );
        Ok(out)
    }
}

/// The file a phone at [`PHONE_PIXELS`] loads for `image`: its smallest WebP copy at
/// least that wide, else its widest WebP copy, else the image itself.
fn phone_copy(image: &crate::images::Image) -> &str {
    let webp = || {
        image
            .variants
            .iter()
            .filter(|v| v.format == crate::images::Format::WebP)
    };
    webp()
        .filter(|v| v.width >= PHONE_PIXELS)
        .min_by_key(|v| v.width)
        .or_else(|| webp().max_by_key(|v| v.width))
        .map_or(image.output.as_str(), |v| v.output.as_str())
}

/// Pagefind's own search interfaces, which its bundle carries and the theme does not use
/// (it loads `pagefind.js` and the index).
fn pagefind_ui(rest: &str) -> bool {
    rest.strip_prefix(crate::url::SEARCH_BUNDLE_DIR)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|name| {
            name == "pagefind-highlight.js"
                || (name.starts_with("pagefind-") && name.contains("ui."))
        })
}

/// Of the theme's files, those the pages load: `waypost.css` is left out when its
/// content-hashed copy `waypost.<hash>.css` is there.
fn loaded_by_pages(shared: &[&Entry], e: &Entry) -> bool {
    let Some((stem, ext)) = e.path.rsplit_once('.') else {
        return true;
    };
    !shared.iter().any(|o| {
        o.path
            .strip_prefix(stem)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.strip_suffix(ext))
            .and_then(|r| r.strip_suffix('.'))
            .is_some_and(|hash| hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

fn in_language(path: &str, lang: &str) -> bool {
    path.strip_prefix(lang).is_some_and(|r| r.starts_with('/'))
}

fn is_page_asset(ext: &str) -> bool {
    matches!(
        ext,
        "css"
            | "js"
            | "svg"
            | "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "webp"
            | "avif"
            | "ico"
            | "woff"
            | "woff2"
    )
}

/// The URL a file is fetched at: `en/esim/index.html` → `/base/en/esim/`.
fn url_of(base: &str, path: &str) -> String {
    let path = if path == "index.html" {
        ""
    } else {
        path.strip_suffix("/index.html")
            .map_or(path, |dir| &path[..dir.len() + 1])
    };
    format!("{base}/{path}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn manifest(base: &str, lang: &str, entries: &[&Entry]) -> String {
    let mut list = blake3::Hasher::new();
    let mut bytes = 0u64;
    let mut files = Vec::with_capacity(entries.len());
    for e in entries {
        let url = url_of(base, &e.path);
        let digest = hex(&e.digest[..8]);
        list.update(url.as_bytes());
        list.update(digest.as_bytes());
        bytes += e.size;
        files.push(serde_json::json!([url, e.size, digest]));
    }
    let version = hex(&list.finalize().as_bytes()[..8]);
    let value = serde_json::json!({
        "version": version,
        "lang": lang,
        "bytes": bytes,
        "files": files,
    });
    value.to_string()
}

fn worker(version: &str, base: &str, languages: &[String], shell: &[String]) -> String {
    // Lists of strings always have a JSON text; the base path is a JSON string too.
    let json = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
    let base = serde_json::to_string(base).unwrap_or_default();
    include_str!("sw.js")
        .replace("\"__VERSION__\"", &format!("\"{version}\""))
        .replace("\"__BASE__\"", &base)
        .replace("__LANGS__", &json(languages))
        .replace("__SHELL__", &json(shell))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_fetched_at_its_folder_url_under_the_base_path() {
        assert_eq!(url_of("", "index.html"), "/");
        assert_eq!(url_of("", "en/esim/index.html"), "/en/esim/");
        assert_eq!(url_of("/guides", "en/index.html"), "/guides/en/");
        assert_eq!(
            url_of("/guides", "waypost.0123abcd.css"),
            "/guides/waypost.0123abcd.css"
        );
        assert_eq!(url_of("", "en/esim/qr-scan.svg"), "/en/esim/qr-scan.svg");
    }

    fn ledger() -> Ledger {
        Ledger {
            on: true,
            languages: vec!["en".into(), "zh-Hans".into()],
            ..Ledger::default()
        }
    }

    #[test]
    fn a_language_needs_its_pages_bundle_and_the_theme_but_not_exports_or_other_languages() {
        let l = ledger();
        for yes in [
            "en/index.html",
            "en/esim/qr-scan.svg",
            "en/pagefind/pagefind.js",
            "en/pagefind/index/en_0a1b2c.pf_index",
            "en/offline/index.html",
            "zh-Hans/index.html",
            "waypost.0123abcd.css",
            "waypost.0123abcd.js",
            "favicon.svg",
        ] {
            assert!(l.wanted(yes), "{yes}");
        }
        for no in [
            "en/esim/qr-code.md",
            "en/llms.txt",
            "en/feed.xml",
            "en/404.html",
            "en/status/index.html",
            "index.html",
            "404.html",
            "sitemap.xml",
            "_headers",
            "sw.js",
            "en/index.html.br",
            "zh/index.html",
            "en/pagefind/pagefind-ui.js",
            "en/pagefind/pagefind-component-ui.css",
            "en/pagefind/pagefind-highlight.js",
        ] {
            assert!(!l.wanted(no), "{no}");
        }
    }

    #[test]
    fn a_language_list_holds_the_shared_files_and_its_own_and_changes_with_a_digest() {
        let mut l = ledger();
        l.add(&[
            OutputFile::bytes("waypost.0123abcd.css", "body{}"),
            OutputFile::bytes("waypost.css", "body{}"),
            OutputFile::bytes("en/index.html", "<p>en</p>"),
            OutputFile::bytes("zh-Hans/index.html", "<p>zh</p>"),
            OutputFile::bytes("en/esim.md", "# md"),
        ])
        .unwrap();
        let (_dir, site) =
            crate::testing::load(&[("content/en/_index.md", "---\ntitle: Home\n---\n")]);
        let files = l.files(&site).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["sw.js", "en/offline.json", "zh-Hans/offline.json"]);
        let en: serde_json::Value =
            serde_json::from_slice(&files[1].bytes_or_error().unwrap()).unwrap();
        let urls: Vec<&str> = en["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f[0].as_str().unwrap())
            .collect();
        assert_eq!(urls, ["/docs/waypost.0123abcd.css", "/docs/en/"]);
        assert_eq!(en["bytes"], 6 + 9);
        let worker = String::from_utf8(files[0].bytes_or_error().unwrap().into_owned()).unwrap();
        assert!(
            worker.contains(r#"const LANGS = ["en","zh-Hans"];"#),
            "{worker}"
        );
        assert!(worker.contains(r#""/docs/en/offline/""#), "{worker}");
        assert!(worker.contains(r#"const BASE = "/docs";"#), "{worker}");
        for placeholder in ["__VERSION__", "__BASE__", "__LANGS__", "__SHELL__"] {
            assert!(
                !worker.contains(placeholder),
                "{placeholder} is left: {worker}"
            );
        }

        let mut changed = ledger();
        changed
            .add(&[
                OutputFile::bytes("waypost.0123abcd.css", "body{}"),
                OutputFile::bytes("en/index.html", "<p>EN</p>"),
                OutputFile::bytes("zh-Hans/index.html", "<p>zh</p>"),
            ])
            .unwrap();
        let again = changed.files(&site).unwrap();
        assert_ne!(files[0], again[0], "the worker's version follows the files");
        assert_ne!(files[1], again[1]);
        assert_eq!(files[2], again[2], "another language's list is unchanged");
    }

    #[test]
    fn a_site_file_at_the_workers_path_is_an_error_naming_it() {
        let mut l = ledger();
        l.add(&[OutputFile::bytes("sw.js", "self.x=1")]).unwrap();
        let (_dir, site) =
            crate::testing::load(&[("content/en/_index.md", "---\ntitle: Home\n---\n")]);
        let e = l.files(&site).unwrap_err().to_string();
        assert!(e.contains("sw.js") && e.contains("offline: false"), "{e}");
    }
}
