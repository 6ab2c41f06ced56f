//! The house's rules, read from the code: which modules each stage may name
//! (ARCHITECTURE.md, "Dependencies point down the pipeline"). A stage that starts to
//! reach into a stage above it, or a module that starts to name the build cache, fails
//! here with the file and the name, before it becomes a circle.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::repo_root;

/// Each part of `src/` (a file, or a folder ending in `/`; the longest match wins) and
/// the crate's modules its code (tests aside) may name as `crate::…`.
const MAY_NAME: &[(&str, &[&str])] = &[
    // The ground floor: named by everyone, naming (almost) nothing.
    ("src/url.rs", &[]),
    ("src/html.rs", &[]),
    ("src/yaml.rs", &["error"]),
    ("src/error.rs", &[]),
    ("src/paths.rs", &["error"]),
    // The cache knows nothing of the stages whose results it keeps.
    ("src/cache/", &["error", "paths"]),
    ("src/config.rs", &["error", "yaml"]),
    ("src/content/", &["config", "error", "paths", "yaml"]),
    ("src/markdown/", &["config", "html"]),
    // Beside markdown, as search's kept state is beside search: the one markdown file
    // that knows the cache.
    ("src/markdown/kept.rs", &["cache", "config", "html"]),
    // Images read the files the Markdown shows and rewrite its HTML; the site model asks
    // them, they never read it.
    (
        "src/images/",
        &["config", "error", "html", "markdown", "output"],
    ),
    (
        "src/images/kept.rs",
        &["cache", "config", "error", "html", "markdown", "output"],
    ),
    (
        "src/site/",
        &[
            "config", "content", "error", "images", "markdown", "paths", "url", "yaml",
        ],
    ),
    // Rendering and search read the site model, never `check` or `serve`, and ask a memo
    // for what may be kept (`render::PageMemo`, `search::IndexMemo`): the cache is named
    // only by the file beside each stage that makes it one (`kept.rs`), and by the kept
    // search bundle's byte format.
    (
        "src/render/",
        &[
            "content", "error", "html", "images", "markdown", "output", "paths", "site", "url",
            "yaml",
        ],
    ),
    ("src/render/kept.rs", &["cache", "error", "output"]),
    (
        "src/search/",
        &[
            "content", "error", "html", "markdown", "output", "paths", "site", "url",
        ],
    ),
    (
        "src/search/kept.rs",
        &["cache", "error", "output", "paths", "site"],
    ),
    ("src/search/bundle.rs", &["cache"]),
    // Offline reading comes after rendering and search: it lists what they published.
    (
        "src/offline/",
        &["error", "images", "output", "site", "url"],
    ),
    ("src/output/", &["cache", "config", "error", "paths"]),
    // Whether a build changes nothing: the sources' and the output's metadata, kept in
    // the cache with the output's manifest; it knows no stage.
    ("src/unchanged.rs", &["cache", "output", "paths", "site"]),
    // `check` loads and renders, and writes nothing: no output, no cache.
    (
        "src/check/",
        &[
            "config", "content", "error", "images", "markdown", "paths", "pipeline", "render",
            "site", "url",
        ],
    ),
    (
        "src/serve/",
        &[
            "cache", "content", "error", "output", "paths", "pipeline", "render", "search", "site",
        ],
    ),
    // The one place the stages are called in order.
    (
        "src/pipeline.rs",
        &[
            "cache", "config", "error", "images", "markdown", "output", "render", "search", "site",
        ],
    ),
    (
        "src/stamp.rs",
        &["content", "error", "paths", "pipeline", "site"],
    ),
    ("src/init.rs", &["error"]),
];

/// The `crate::name` modules a file's code names, tests left out (a `#[cfg(test)]`
/// module at the end of a file, and `tests.rs` files).
fn named_modules(text: &str) -> BTreeSet<String> {
    let code = text
        .split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(text);
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = code[at + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // The crate's root re-exports `error`'s types; anything else named at the root
        // is the library's own (`lib.rs`), above every stage.
        let module = match name.as_str() {
            "Diagnostic" | "Error" | "Result" => "error".to_string(),
            n if n.starts_with(char::is_uppercase) => "lib".to_string(),
            _ => name,
        };
        if !module.is_empty() {
            out.insert(module);
        }
    }
    out
}

/// Every source file of the crate but the `tests.rs` files: its path from the
/// repository (`src/site/load.rs`) and its text.
fn source_files() -> Vec<(String, String)> {
    let root = repo_root();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("src")).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs")
            || path.file_name().and_then(|n| n.to_str()) == Some("tests.rs")
        {
            continue;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        out.push((rel, std::fs::read_to_string(path).unwrap()));
    }
    out
}

fn rule_for(rel: &str) -> Option<&'static [&'static str]> {
    MAY_NAME
        .iter()
        .filter(|(part, _)| {
            if part.ends_with('/') {
                rel.starts_with(part)
            } else {
                rel == *part
            }
        })
        .max_by_key(|(part, _)| part.len())
        .map(|(_, names)| *names)
}

#[test]
fn every_stage_names_only_the_modules_below_it() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for (rel, text) in source_files() {
        let Some(allowed) = rule_for(&rel) else {
            continue;
        };
        checked += 1;
        let own = own_module(&rel);
        for name in named_modules(&text) {
            if name != own && !allowed.contains(&name.as_str()) {
                broken.push(format!("{rel} names `crate::{name}`"));
            }
        }
    }
    assert!(checked > 30, "the rules reach the code ({checked} files)");
    assert!(
        broken.is_empty(),
        "a module names one it should not (see ARCHITECTURE.md; change the code, or the rule \
         there and here with a reason):\n{}",
        broken.join("\n")
    );
}

/// The crate module a file belongs to (`src/site/load.rs` → `site`).
fn own_module(rel: &str) -> String {
    let rest = rel.trim_start_matches("src/");
    let first = rest.split('/').next().unwrap_or(rest);
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn the_rules_catch_a_stage_reaching_up() {
    let text = "use crate::config::X;\nfn f() { crate::render::g(); }\n#[cfg(test)]\nmod tests {\n use crate::serve::x;\n}\n";
    let named = named_modules(text);
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        vec!["config".to_string(), "render".to_string()]
    );
    assert_eq!(
        rule_for("src/markdown/kept.rs"),
        Some(&["cache", "config", "html"][..])
    );
    assert_eq!(
        rule_for("src/markdown/mod.rs"),
        Some(&["config", "html"][..])
    );
    assert!(!rule_for("src/check/mod.rs").unwrap().contains(&"cache"));
    for stage in [
        "src/render/mod.rs",
        "src/render/views.rs",
        "src/search/mod.rs",
    ] {
        assert!(!rule_for(stage).unwrap().contains(&"cache"), "{stage}");
    }
    assert!(Path::new(&repo_root().join("ARCHITECTURE.md")).is_file());
}

/// The longest a function may be, in lines (its signature to its closing brace): a
/// function holds one step; a phase of a stage is a function of its own.
const MAX_FUNCTION_LINES: usize = 100;

/// Each function of a file's code (tests left out): its name and length in lines, found
/// by its `fn` line and the closing brace at the same indentation.
fn functions(text: &str) -> Vec<(String, usize)> {
    let code = text
        .split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let rest = ["pub(crate) ", "pub(super) ", "pub ", ""]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p))
            .unwrap_or(trimmed);
        let Some(rest) = rest.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = " ".repeat(indent) + "}";
        let end = lines[i + 1..]
            .iter()
            .position(|l| l.starts_with(&close) && l.len() - l.trim_start().len() == indent)
            .map_or(lines.len(), |n| i + 1 + n);
        out.push((name, end - i + 1));
    }
    out
}

#[test]
fn no_function_outside_tests_is_longer_than_a_hundred_lines() {
    let mut too_long = Vec::new();
    for (rel, text) in source_files() {
        for (name, len) in functions(&text) {
            if len > MAX_FUNCTION_LINES {
                too_long.push(format!("{rel}: fn {name} is {len} lines"));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "split these into the steps they hold (at most {MAX_FUNCTION_LINES} lines):\n{}",
        too_long.join("\n")
    );
}

#[test]
fn a_function_is_measured_from_its_signature_to_its_brace() {
    let text =
        "fn a() {\n    x();\n}\n\npub(crate) fn b(\n    y: u8,\n) -> u8 {\n    y\n}\nfn c();\n";
    assert_eq!(
        functions(text),
        vec![("a".to_string(), 3), ("b".to_string(), 5)]
    );
}
