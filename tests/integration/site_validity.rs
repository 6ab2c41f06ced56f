//! The built example site is valid: no duplicate ids on any page, and every internal link
//! (href and src, with its #fragment) resolves to a file of the site and an id on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{build_ok, repo_root};

/// Values of `attr="…"` in `html` (the theme and Markdown renderer always quote).
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn target_file(out: &Path, url_path: &str) -> Option<String> {
    let rel = percent_decode(url_path.trim_start_matches('/'));
    let candidates = if rel.is_empty() || rel.ends_with('/') {
        vec![format!("{rel}index.html")]
    } else {
        vec![rel.clone(), format!("{rel}/index.html")]
    };
    candidates.into_iter().find(|c| out.join(c).is_file())
}

#[test]
fn every_page_of_the_example_site_has_unique_ids_and_working_internal_links() {
    let built = build_ok(&repo_root());
    let out_dir = built.out();
    let out = out_dir.as_path();
    let mut pages: BTreeMap<String, String> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with(".html") && !rel.contains("/pagefind/") {
            pages.insert(rel, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    assert!(
        pages.len() > 80,
        "expected the whole example site, got {} pages",
        pages.len()
    );
    let ids: BTreeMap<&str, BTreeSet<String>> = pages
        .iter()
        .map(|(p, html)| {
            (
                p.as_str(),
                attrs(html, "id").into_iter().map(unescape).collect(),
            )
        })
        .collect();
    let mut problems = Vec::new();
    for (page, html) in &pages {
        let all: Vec<&str> = attrs(html, "id");
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        if unique.len() != all.len() {
            let mut seen = BTreeSet::new();
            let dups: Vec<&str> = all.iter().copied().filter(|i| !seen.insert(*i)).collect();
            problems.push(format!("{page}: duplicate ids {dups:?}"));
        }
        for link in attrs(html, "href").into_iter().chain(attrs(html, "src")) {
            let link = unescape(link);
            if !link.starts_with('/') || link.starts_with("//") {
                if let Some(frag) = link.strip_prefix('#') {
                    if !frag.is_empty() && !ids[page.as_str()].contains(&percent_decode(frag)) {
                        problems.push(format!("{page}: #{frag} is not an id on the page"));
                    }
                }
                continue;
            }
            let (path, frag) = match link.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (link.clone(), None),
            };
            let path = path.split('?').next().unwrap_or("").to_string();
            let Some(file) = target_file(out, &path) else {
                problems.push(format!("{page}: link to missing {link}"));
                continue;
            };
            if let Some(frag) = frag {
                let frag = percent_decode(&frag);
                if let Some(target_ids) = ids.get(file.as_str()) {
                    if !target_ids.contains(&frag) {
                        problems.push(format!("{page}: {link}: no id `{frag}` in {file}"));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
