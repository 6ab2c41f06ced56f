//! serve == build: a seeded random sequence of edits is applied to a copy of a site; after
//! each one, the site `serve` holds in memory (its [`Rebuilder`] fed the changed paths, as
//! the watcher does, and the files put in place as the server does) must equal a fresh
//! build of the same files, file by file and byte by byte; an edit that cannot build
//! must fail in both. `WAYPOST_DIFF_STEPS=5000` runs longer sequences; `WAYPOST_DIFF_SEED`
//! replays one. A failure prints the whole sequence of edits that led to it.
//!
//! The search index is left out (serve refreshes it in the background from the same
//! `Site`; `search.rs` and `serve.rs` test it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use waypost::serve::rebuild::Rebuilder;
use waypost::BuildOptions;

use crate::common::*;

/// A small deterministic generator (xorshift64*), so a failing seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }
}

type Files = BTreeMap<String, Vec<u8>>;

fn options() -> BuildOptions {
    BuildOptions {
        base_url: Some("http://127.0.0.1:1111".into()),
        ..BuildOptions::default()
    }
}

/// A fresh build in memory, without the search index, and its warnings.
fn fresh_with_warnings(root: &Path) -> Result<(Files, Vec<String>), String> {
    let site = waypost::site::load(root, &options()).map_err(|e| e.to_string())?;
    let files = waypost::render::render_site(&site).map_err(|e| e.to_string())?;
    let files = files
        .into_iter()
        .map(|f| {
            let bytes = f.read().expect("read output file").into_owned();
            (f.path, bytes)
        })
        .collect();
    Ok((files, site.warnings.iter().map(|d| d.to_string()).collect()))
}

/// A fresh build in memory, without the search index.
fn fresh(root: &Path) -> Result<Files, String> {
    fresh_with_warnings(root).map(|(files, _)| files)
}

/// What the server does with a rebuild's files (`State::put`): a complete set replaces
/// everything, a partial one is laid over what is served.
fn put(served: &mut Files, files: Vec<waypost::OutputFile>, complete: bool) {
    let loaded: Files = files
        .into_iter()
        .map(|f| {
            let bytes = f.read().expect("read output file").into_owned();
            (f.path, bytes)
        })
        .collect();
    if complete {
        served.retain(|k, _| loaded.contains_key(k));
    }
    served.extend(loaded);
}

/// Markdown files of the site, relative to the root, sorted.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(&root.join("content"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Splits a page into (front-matter lines, body).
fn split(text: &str) -> (Vec<String>, String) {
    if let Some(rest) = text.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            let fm = rest[..end].lines().map(str::to_string).collect();
            return (fm, rest[end + 5..].to_string());
        }
    }
    (Vec::new(), text.to_string())
}

fn join(fm: &[String], body: &str) -> String {
    if fm.is_empty() {
        body.to_string()
    } else {
        format!("---\n{}\n---\n{body}", fm.join("\n"))
    }
}

/// Sets (or with None removes) a top-level front-matter key.
fn set_key(fm: &mut Vec<String>, key: &str, value: Option<&str>) {
    let prefix = format!("{key}:");
    // The key's line and the indented lines under it.
    if let Some(i) = fm.iter().position(|l| l.starts_with(&prefix)) {
        let mut j = i + 1;
        while j < fm.len() && (fm[j].starts_with(' ') || fm[j].starts_with('-')) {
            j += 1;
        }
        fm.drain(i..j);
    }
    if let Some(v) = value {
        fm.push(format!("{key}: {v}"));
    }
}

/// Writes a file as an editor would, making folders.
fn write(root: &Path, rel: &Path, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const WORDS: &[&str] = &[
    "activation",
    "store",
    "passport",
    "eSIM",
    "número",
    "实名",
    "verify",
    "QR",
    "counter",
];

/// Applies one random edit to the site on disk; returns what it did and the paths the
/// watcher would report.
fn edit(rng: &mut Rng, root: &Path, n: usize) -> (String, BTreeSet<PathBuf>) {
    let all = pages(root);
    let Some(page) = rng.pick(&all).cloned() else {
        let p = PathBuf::from("content/en/new-page.md");
        write(root, &p, "# A new page\n\nText.\n");
        return (format!("add {}", p.display()), BTreeSet::from([p]));
    };
    let text = std::fs::read_to_string(root.join(&page)).unwrap_or_default();
    let (mut fm, mut body) = split(&text);
    let word = WORDS[rng.below(WORDS.len())];
    let lang = page
        .components()
        .nth(1)
        .unwrap()
        .as_os_str()
        .to_string_lossy()
        .to_string();
    // Edits outside content/ now and then.
    if rng.below(10) == 0 {
        return edit_outside_content(rng, root, n);
    }
    let what = match rng.below(20) {
        0..=3 => {
            body.push_str(&format!("\nAnother paragraph about {word} ({n}).\n"));
            "append a paragraph".to_string()
        }
        4 => {
            set_key(&mut fm, "title", Some(&format!("\"Title {word} {n}\"")));
            "set the title".into()
        }
        5 => {
            set_key(&mut fm, "title", None);
            "remove the title".into()
        }
        6 => {
            set_key(
                &mut fm,
                "weight",
                Some(&(rng.below(20) as i64 - 5).to_string()),
            );
            "set the weight".into()
        }
        7 => {
            set_key(&mut fm, "description", Some(&format!("\"About {word}\"")));
            "set the description".into()
        }
        8 => {
            set_key(&mut fm, "description", None);
            "remove the description".into()
        }
        9 => {
            let facets = ["online", "store", "esim"];
            set_key(
                &mut fm,
                "facets",
                Some(&format!("{{channel: {}}}", facets[rng.below(3)])),
            );
            "set a facet".into()
        }
        10 => {
            let on = rng.below(2) == 0;
            set_key(&mut fm, "draft", on.then_some("true"));
            format!("draft: {on}")
        }
        11 => {
            set_key(&mut fm, "slug", Some(&format!("slug-{n}")));
            "set the slug".into()
        }
        12 => {
            set_key(&mut fm, "aliases", Some(&format!("[\"/{lang}/old-{n}/\"]")));
            "set aliases".into()
        }
        13 => {
            let key = ["reviewed", "date", "updated", "source_hash"][rng.below(4)];
            let value = if key == "source_hash" {
                format!("{:016x}", rng.next())
            } else {
                format!(
                    "20{:02}-0{}-1{}",
                    10 + rng.below(16),
                    1 + rng.below(9),
                    rng.below(10)
                )
            };
            set_key(&mut fm, key, Some(&value));
            format!("set {key}")
        }
        14 => {
            // A new page next to this one.
            let p = page.with_file_name(format!("added-{n}.md"));
            write(
                root,
                &p,
                &format!(
                    "---\ntitle: Added {word} {n}\nweight: {}\n---\n\nNew page.\n",
                    rng.below(9)
                ),
            );
            return (format!("add {}", p.display()), BTreeSet::from([p]));
        }
        15 => {
            if page.file_name().is_some_and(|f| f == "_index.md") {
                body.push_str("\nA section edit.\n");
                "append to a section".into()
            } else {
                std::fs::remove_file(root.join(&page)).unwrap();
                return (format!("delete {}", page.display()), BTreeSet::from([page]));
            }
        }
        16 => {
            if page.file_name().is_some_and(|f| f == "_index.md") {
                set_key(&mut fm, "title", Some(&format!("Section {n}")));
                "retitle a section".into()
            } else {
                let to = page.with_file_name(format!("renamed-{n}.md"));
                std::fs::rename(root.join(&page), root.join(&to)).unwrap();
                return (
                    format!("rename {} to {}", page.display(), to.display()),
                    BTreeSet::from([page, to]),
                );
            }
        }
        17 => {
            // A translation appears or goes away.
            let rest: PathBuf = page.components().skip(2).collect();
            let other = ["en", "zh", "es"][rng.below(3)];
            let t = Path::new("content").join(other).join(&rest);
            if root.join(&t).exists() && other != lang {
                std::fs::remove_file(root.join(&t)).unwrap();
                return (
                    format!("delete translation {}", t.display()),
                    BTreeSet::from([t]),
                );
            }
            if !root.join("content").join(other).is_dir() {
                body.push_str("\nNo such language here.\n");
                "append (no translation possible)".into()
            } else {
                write(
                    root,
                    &t,
                    &format!("---\ntitle: Translated {n}\n---\n\nTranslated text.\n"),
                );
                return (
                    format!("add translation {}", t.display()),
                    BTreeSet::from([t]),
                );
            }
        }
        18 => {
            // A template edit.
            let t = PathBuf::from("templates/base.html");
            if let Ok(text) = std::fs::read_to_string(root.join(&t)) {
                let marker = format!("<!-- edit {n} -->");
                write(root, &t, &format!("{text}{marker}\n"));
                return ("edit templates/base.html".into(), BTreeSet::from([t]));
            }
            body.push_str("\nNo template to edit.\n");
            "append (no template)".into()
        }
        _ => {
            // A broken link: must fail in both.
            body.push_str("\n[broken](does-not-exist.md)\n");
            "add a broken link".into()
        }
    };
    write(root, &page, &join(&fm, &body));
    (
        format!("{what} in {}", page.display()),
        BTreeSet::from([page]),
    )
}

/// An edit of a UI string, a static file or site.yaml.
fn edit_outside_content(rng: &mut Rng, root: &Path, n: usize) -> (String, BTreeSet<PathBuf>) {
    match rng.below(3) {
        0 => {
            let p = PathBuf::from("i18n/en.yaml");
            let text = std::fs::read_to_string(root.join(&p)).unwrap_or_default();
            let mut lines: Vec<String> = text
                .lines()
                .filter(|l| !l.starts_with("footer:"))
                .map(str::to_string)
                .collect();
            lines.push(format!("footer: \"Footer text {n}\""));
            write(root, &p, &(lines.join("\n") + "\n"));
            (
                "set the footer string in i18n/en.yaml".into(),
                BTreeSet::from([p]),
            )
        }
        1 => {
            let p = PathBuf::from(format!("static/extra-{}.css", rng.below(3)));
            write(root, &p, &format!("body{{--n:{n}}}\n"));
            (format!("write {}", p.display()), BTreeSet::from([p]))
        }
        _ => {
            let p = PathBuf::from("site.yaml");
            let text = std::fs::read_to_string(root.join(&p)).unwrap();
            let mut lines: Vec<String> = text
                .lines()
                .filter(|l| !l.starts_with("review_after_days:") && !l.starts_with("fallback:"))
                .map(str::to_string)
                .collect();
            lines.push(format!("review_after_days: {}", 1 + rng.below(4000)));
            lines.push(format!("fallback: {}", rng.below(2) == 0));
            write(root, &p, &(lines.join("\n") + "\n"));
            (
                "change review_after_days and fallback in site.yaml".into(),
                BTreeSet::from([p]),
            )
        }
    }
}

/// Removes the broken links the edits added, so the sequence goes on from a site that
/// builds; returns the paths changed.
fn repair(root: &Path) -> BTreeSet<PathBuf> {
    let mut changed = BTreeSet::new();
    for p in pages(root) {
        let text = std::fs::read_to_string(root.join(&p)).unwrap();
        if text.contains("[broken](does-not-exist.md)") {
            write(
                root,
                &p,
                &text.replace("\n[broken](does-not-exist.md)\n", "\n"),
            );
            changed.insert(p);
        }
    }
    changed
}

fn diff_summary(served: &Files, built: &Files) -> String {
    let mut out = Vec::new();
    for (k, v) in built {
        match served.get(k) {
            None => out.push(format!("missing in serve: {k}")),
            Some(s) if s != v => {
                let (s, v) = (String::from_utf8_lossy(s), String::from_utf8_lossy(v));
                let at = s
                    .char_indices()
                    .zip(v.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(s.len().min(v.len()), |((i, _), _)| i);
                let around = |t: &str| -> String {
                    t.chars()
                        .skip(t[..at.min(t.len())].chars().count().saturating_sub(80))
                        .take(160)
                        .collect()
                };
                out.push(format!(
                    "differs: {k}\n  serve: …{}…\n  build: …{}…",
                    around(&s),
                    around(&v)
                ));
            }
            _ => {}
        }
    }
    for k in served.keys() {
        if !built.contains_key(k) {
            out.push(format!("only in serve: {k}"));
        }
    }
    out.truncate(6);
    out.join("\n")
}

/// Runs `steps` random edits on `root` and compares after each.
fn differential(root: &Path, seed: u64, steps: usize) {
    let (mut rebuilder, files) = Rebuilder::new(root, &options(), None).expect("the site builds");
    let mut served = Files::new();
    put(&mut served, files, true);
    let mut rng = Rng(seed | 1);
    let mut log: Vec<String> = Vec::new();
    let (mut partial, mut whole, mut failed) = (0, 0, 0);
    for n in 0..steps {
        let (what, batch) = if n % 7 == 6 {
            let b = repair(root);
            ("repair broken links".to_string(), b)
        } else {
            edit(&mut rng, root, n)
        };
        log.push(format!("{n}: {what}"));
        if batch.is_empty() {
            continue;
        }
        let inc = rebuilder.apply(&batch);
        let built = fresh_with_warnings(root);
        let context = || format!("seed {seed}, after:\n{}", log.join("\n"));
        match (inc, built) {
            (Ok(outcome), Ok((built, warnings))) => {
                if outcome.complete {
                    whole += 1;
                } else {
                    partial += 1;
                }
                put(&mut served, outcome.files, outcome.complete);
                let served_warnings: Vec<String> = rebuilder
                    .site()
                    .warnings
                    .iter()
                    .map(|d| d.to_string())
                    .collect();
                assert_eq!(
                    served_warnings,
                    warnings,
                    "serve's warnings differ from build's\n{}",
                    context()
                );
                if served != built {
                    panic!(
                        "serve differs from build\n{}\n{}",
                        diff_summary(&served, &built),
                        context()
                    );
                }
            }
            (Err(e), Err(b)) => {
                // Same problems (serve may stop at the first file of a batch).
                let first = |s: &str| s.lines().next().unwrap_or("").to_string();
                assert!(
                    b.contains(&first(&e.to_string())),
                    "serve's error is not build's:\nserve: {e}\nbuild: {b}\n{}",
                    context()
                );
                rebuilder.failed();
                failed += 1;
                if std::env::var("WAYPOST_DIFF_VERBOSE").is_ok() {
                    eprintln!("{n}: {}", b.lines().next().unwrap_or(""));
                }
            }
            (Ok(_), Err(b)) => panic!(
                "serve accepted a site that does not build: {b}\n{}",
                context()
            ),
            (Err(e), Ok(_)) => panic!("serve refused a site that builds: {e}\n{}", context()),
        }
    }
    // Shown with --nocapture: how much of the sequence took the incremental paths.
    eprintln!("seed {seed}: {partial} partial rebuilds, {whole} whole, {failed} failed in both");
}

fn steps(default: usize) -> usize {
    std::env::var("WAYPOST_DIFF_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn seeds(default: &[u64]) -> Vec<u64> {
    match std::env::var("WAYPOST_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(s) => vec![s],
        None => default.to_vec(),
    }
}

#[test]
fn serve_holds_the_site_a_fresh_build_makes_after_every_edit_of_the_example_site() {
    for seed in seeds(&[1, 2]) {
        let dir = example_site_copy();
        differential(dir.path(), seed, steps(60));
    }
}

#[test]
fn serve_holds_the_site_a_fresh_build_makes_after_every_edit_of_a_synthetic_site() {
    for seed in seeds(&[3, 4]) {
        let mut files: Vec<(String, String)> = vec![(
            "content/en/_index.md".into(),
            "---\ntitle: Home\n---\n\nWelcome.\n".into(),
        )];
        for s in 0..3 {
            files.push((
                format!("content/en/s{s}/_index.md"),
                format!("---\ntitle: Section {s}\nweight: {s}\n---\n\nSection text.\n"),
            ));
            for p in 0..4 {
                files.push((
                    format!("content/en/s{s}/p{p}.md"),
                    format!("---\ntitle: Page {s}.{p}\nweight: {p}\n---\n\n## Steps {{#steps}}\n\nSee [the section](_index.md).\n"),
                ));
            }
        }
        let dir = english_site(files);
        differential(dir.path(), seed, steps(80));
    }
}

#[test]
fn removing_the_title_from_front_matter_is_seen_by_serve() {
    // The first mismatch the differential test found (issue 14's example).
    let dir = english_site([
        ("content/en/_index.md", "# Home\n"),
        (
            "content/en/my-page.md",
            "---\ntitle: Alpha Title\n---\nBody text.\n",
        ),
    ]);
    let root = dir.path();
    let (mut rebuilder, files) = Rebuilder::new(root, &options(), None).unwrap();
    let mut served = Files::new();
    put(&mut served, files, true);
    std::fs::write(root.join("content/en/my-page.md"), "Body text changed.\n").unwrap();
    let outcome = rebuilder
        .apply(&BTreeSet::from([PathBuf::from("content/en/my-page.md")]))
        .unwrap();
    put(&mut served, outcome.files, outcome.complete);
    let built = fresh(root).unwrap();
    let page = String::from_utf8_lossy(&served["en/my-page/index.html"]).into_owned();
    assert!(!page.contains("Alpha Title"), "{page}");
    assert_eq!(served, built, "{}", diff_summary(&served, &built));
}

#[test]
fn a_retitled_page_is_seen_in_the_feed_and_in_the_navigation_of_every_page() {
    // Two mismatches the differential test found: the feed kept the old title, and a
    // page at the top of the language (listed in the navigation of every page) was
    // re-rendered without the pages that show it.
    let dir = english_site([
        ("content/en/_index.md", "# Home\n"),
        (
            "content/en/top.md",
            "---\ntitle: Old top title\ndate: 2026-01-02\n---\nText.\n",
        ),
        ("content/en/s/_index.md", "# Section\n"),
        ("content/en/s/deep.md", "# Deep page\n\nText.\n"),
    ]);
    let root = dir.path();
    let (mut rebuilder, files) = Rebuilder::new(root, &options(), None).unwrap();
    let mut served = Files::new();
    put(&mut served, files, true);
    std::fs::write(
        root.join("content/en/top.md"),
        "---\ntitle: New top title\ndate: 2026-01-02\n---\nText.\n",
    )
    .unwrap();
    let outcome = rebuilder
        .apply(&BTreeSet::from([PathBuf::from("content/en/top.md")]))
        .unwrap();
    put(&mut served, outcome.files, outcome.complete);
    for file in ["en/atom.xml", "en/s/deep/index.html", "en/404.html"] {
        let text = String::from_utf8_lossy(&served[file]).into_owned();
        assert!(!text.contains("Old top title"), "{file}: {text}");
    }
    let built = fresh(root).unwrap();
    assert_eq!(served, built, "{}", diff_summary(&served, &built));
}

#[test]
fn serve_holds_the_site_a_fresh_build_makes_when_broken_links_are_warnings() {
    for seed in seeds(&[5]) {
        let mut files: Vec<(String, String)> = vec![(
            "content/en/_index.md".into(),
            "---\ntitle: Home\n---\n\nWelcome.\n".into(),
        )];
        for p in 0..6 {
            files.push((
                format!("content/en/s/p{p}.md"),
                format!("---\ntitle: Page {p}\n---\n\n## Steps {{#steps}}\n\nSee [the next](p{}.md#steps).\n", (p + 1) % 6),
            ));
        }
        let dir = english_site(files);
        let yaml = dir.path().join("site.yaml");
        let mut text = std::fs::read_to_string(&yaml).unwrap();
        text.push_str(
            "links:\n  missing_page: warn\n  missing_anchor: warn\n  missing_file: ignore\n",
        );
        std::fs::write(&yaml, text).unwrap();
        differential(dir.path(), seed, steps(80));
    }
}

#[test]
fn a_new_date_on_a_source_page_updates_its_translations_outdated_notice() {
    // Found by the differential test (seed 22, 600 steps): translations say whether they
    // are behind their source by date, and kept the old notice when only the source's
    // `updated` changed.
    let dir = english_site([
        ("content/en/_index.md", "# Home\n"),
        ("content/es/_index.md", "# Inicio\n"),
        (
            "content/en/guide.md",
            "---\ntitle: Guide\nupdated: 2026-05-01\n---\nText.\n",
        ),
        (
            "content/es/guide.md",
            "---\ntitle: Guía\nupdated: 2026-03-01\n---\nTexto.\n",
        ),
    ]);
    let root = dir.path();
    std::fs::write(
        root.join("site.yaml"),
        "title: T\nbase_url: https://t.example.org/\nlanguages:\n  - code: en\n    name: English\n  - code: es\n    name: Español\n",
    )
    .unwrap();
    let (mut rebuilder, files) = Rebuilder::new(root, &options(), None).unwrap();
    let mut served = Files::new();
    put(&mut served, files, true);
    let before = String::from_utf8_lossy(&served["es/guide/index.html"]).into_owned();
    assert_contains(&before, "notice-outdated", "the Spanish guide is behind");
    std::fs::write(
        root.join("content/en/guide.md"),
        "---\ntitle: Guide\nupdated: 2026-01-01\n---\nText.\n",
    )
    .unwrap();
    let outcome = rebuilder
        .apply(&BTreeSet::from([PathBuf::from("content/en/guide.md")]))
        .unwrap();
    put(&mut served, outcome.files, outcome.complete);
    let built = fresh(root).unwrap();
    assert_eq!(served, built, "{}", diff_summary(&served, &built));
    let after = String::from_utf8_lossy(&served["es/guide/index.html"]).into_owned();
    assert_not_contains(
        &after,
        "notice-outdated",
        "the Spanish guide is current now",
    );
}
