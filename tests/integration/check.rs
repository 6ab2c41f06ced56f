//! `waypost check` and `waypost stamp`: one fixture site per problem under
//! `tests/fixtures/check/`, asserting on the text and JSON reports and the exit status;
//! git history in a temporary repository; external links against a server on 127.0.0.1;
//! the outdated notice and the status page of the built site; the example site.
//!
//! Fixtures are copied to a temporary folder before they are checked: the repository's
//! own git history must not decide whether a fixture's translation is up to date.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::*;

/// A copy of `tests/fixtures/check/<name>` in a temporary folder (not a git repository).
fn site(name: &str) -> (TempDir, PathBuf) {
    let tmp = copy_site(&fixture("check").join(name));
    let root = tmp.path().join("site");
    (tmp, root)
}

/// `waypost --root ROOT check ARGS…`.
fn check(root: &Path, args: &[&str]) -> Run {
    let r = run(without_git_env(
        waypost().arg("--root").arg(root).arg("check").args(args),
    ));
    assert_no_panic(&r.stderr);
    r
}

/// `check --format json`, parsed.
fn check_json(root: &Path, args: &[&str]) -> (Run, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = check(root, &all);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "check --format json printed no JSON ({e}):\n{}\n{}",
            r.stdout, r.stderr
        )
    });
    (r, v)
}

/// Leaves out the environment that would point git elsewhere, or send the requests to
/// 127.0.0.1 through a proxy.
fn without_git_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for v in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_CEILING_DIRECTORIES",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        cmd.env_remove(v);
    }
    cmd
}

#[track_caller]
fn code(r: &Run) -> i32 {
    r.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal:\n{}", r.stderr))
}

#[track_caller]
fn assert_code(r: &Run, want: i32) {
    assert_eq!(
        code(r),
        want,
        "exit status\n--- stdout ---\n{}\n--- stderr ---\n{}",
        r.stdout,
        r.stderr
    );
}

#[track_caller]
fn stdout_has(r: &Run, needle: &str) {
    assert_contains(&r.stdout, needle, "the report");
}

#[track_caller]
fn stdout_lacks(r: &Run, needle: &str) {
    assert_not_contains(&r.stdout, needle, "the report");
}

/// The findings of a JSON report.
fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings is an array")
}

/// (kind, file) of every finding.
fn kinds(v: &Value) -> Vec<(String, String)> {
    findings(v)
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Files with an outdated-or-unknown translation finding.
fn translation_findings(v: &Value) -> Vec<String> {
    kinds(v)
        .into_iter()
        .filter(|(k, _)| k == "outdated-translation" || k == "freshness-unknown")
        .map(|(_, f)| f)
        .collect()
}

/// The one finding of `kind` for `file`.
#[track_caller]
fn finding<'a>(v: &'a Value, kind: &str, file: &str) -> &'a Value {
    let found: Vec<&Value> = findings(v)
        .iter()
        .filter(|f| f["kind"] == kind && f["file"] == file)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one `{kind}` finding for {file} in {:#?}",
        kinds(v)
    );
    found[0]
}

/// The summary row of `lang`.
#[track_caller]
fn summary<'a>(v: &'a Value, lang: &str) -> &'a Value {
    v["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .find(|l| l["code"] == lang)
        .unwrap_or_else(|| panic!("no summary for {lang}: {v:#}"))
}

#[test]
fn a_clean_site_passes_with_nothing_to_report() {
    let (_tmp, root) = site("clean");
    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(&r, "0 errors, 0 warnings, 0 notes: passed");
    stdout_has(&r, "Summary\n  language      pages  translated  missing  outdated  stale\n  en (default)      2        100%        0         -      0\n  zh                2        100%        0         0      0\n");
    let (r, v) = check_json(&root, &["--strict"]);
    assert_code(&r, 0);
    assert_eq!(v["version"], 1);
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["today"], "2026-11-20", "SOURCE_DATE_EPOCH is today");
    assert_eq!(
        v["counts"],
        serde_json::json!({"errors": 0, "warnings": 0, "notes": 0})
    );
    assert!(findings(&v).is_empty(), "{v:#}");
    assert_eq!(summary(&v, "zh")["translated_percent"], 100.0);
}

#[test]
fn check_writes_nothing() {
    let (tmp, root) = site("broken-link");
    let before = list_files(tmp.path());
    check(&root, &[]);
    check(&root, &["--format", "json"]);
    assert_same_tree(&before, &list_files(tmp.path()));
}

#[test]
fn a_stamped_translation_whose_source_changed_is_outdated_and_dates_decide_the_unstamped() {
    let (_tmp, root) = site("outdated");
    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(
        &r,
        "Translations\n  zh 中文\n    warning: content/zh/dated.md:3: outdated: content/en/dated.md was updated on 2026-10-01, this translation on 2026-09-01\n",
    );
    stdout_has(&r, "    warning: content/zh/stamped.md:4: outdated: content/en/stamped.md changed since this translation was stamped\n      help: bring it up to date with content/en/stamped.md, then run `waypost stamp content/zh/stamped.md`\n");
    stdout_has(&r, "    note: content/zh/undated.md: cannot tell whether this translation of content/en/undated.md is up to date");
    stdout_lacks(&r, "content/zh/current.md");
    stdout_has(
        &r,
        "  zh                5        100%        0         2      0\n",
    );
    stdout_has(&r, "0 errors, 2 warnings, 1 note: passed");

    let (r, v) = check_json(&root, &[]);
    assert_code(&r, 0);
    let f = finding(&v, "outdated-translation", "content/zh/stamped.md");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["category"], "translations");
    assert_eq!(f["basis"], "hash");
    assert_eq!(f["line"], 4);
    assert_eq!(f["language"], "zh");
    assert_eq!(f["source"], "content/en/stamped.md");
    assert_eq!(f["stamped_hash"], "00000000deadbeef");
    assert_eq!(f["source_hash"].as_str().map(str::len), Some(16));
    assert!(f.get("diff").is_none(), "no git, no diff: {f:#}");
    assert_eq!(
        finding(&v, "outdated-translation", "content/zh/dated.md")["basis"],
        "updated"
    );
    assert_eq!(
        finding(&v, "freshness-unknown", "content/zh/undated.md")["severity"],
        "note"
    );
    assert_eq!(summary(&v, "zh")["outdated"], 2);
    assert_eq!(summary(&v, "zh")["unknown"], 1);

    let strict = check(&root, &["--strict"]);
    assert_code(&strict, 1);
    stdout_has(
        &strict,
        "0 errors, 2 warnings, 1 note: failed (--strict: warnings count)",
    );
}

#[test]
fn a_missing_translation_is_a_note_with_its_coverage() {
    let (_tmp, root) = site("missing");
    let r = check(&root, &["--strict"]);
    assert_code(&r, 0);
    stdout_has(&r, "Translations\n  zh 中文\n    note: content/zh/untranslated.md: not translated yet: content/en/untranslated.md is published here in English\n");
    stdout_has(
        &r,
        "  zh                2       66.6%        1         0      0\n",
    );
    let (_, v) = check_json(&root, &[]);
    let f = finding(&v, "missing-translation", "content/zh/untranslated.md");
    assert_eq!(f["severity"], "note");
    assert_eq!(f["source"], "content/en/untranslated.md");
    let zh = summary(&v, "zh");
    assert_eq!(
        (
            zh["sources"].as_u64(),
            zh["translated"].as_u64(),
            zh["missing"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(zh["translated_percent"], 66.6);
}

#[test]
fn guides_reviewed_too_long_ago_or_never_are_warnings_that_fail_only_with_strict() {
    let (_tmp, root) = site("stale");
    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(
        &r,
        "Reviews\n  en English\n    warning: content/en/never.md: no `reviewed` date: the steps have never been checked\n",
    );
    stdout_has(&r, "    warning: content/en/old.md:4: steps last reviewed on 2025-01-10, 679 days ago (review_after_days: 180)\n");
    stdout_has(&r, "  zh 中文\n    warning: content/zh/old.md:4: steps last reviewed on 2025-01-10, 679 days ago");
    stdout_lacks(&r, "topic/_index.md");
    stdout_lacks(&r, "content/zh/never.md");
    stdout_has(&r, "0 errors, 3 warnings, 0 notes: passed");
    let strict = check(&root, &["--strict"]);
    assert_code(&strict, 1);
    let (_, v) = check_json(&root, &[]);
    let f = finding(&v, "stale-review", "content/en/old.md");
    assert_eq!(
        (f["reviewed"].as_str(), f["category"].as_str()),
        (Some("2025-01-10"), Some("reviews"))
    );
    assert_eq!(
        finding(&v, "not-reviewed", "content/en/never.md")["severity"],
        "warning"
    );
    assert_eq!(summary(&v, "en")["stale"], 2);
    assert_eq!(summary(&v, "zh")["stale"], 1);
}

#[test]
fn facets_that_differ_from_the_source_are_named() {
    let (_tmp, root) = site("facets");
    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(
        &r,
        "Facets\n  zh 中文\n    warning: content/zh/guide.md:7: facets differ from content/en/guide.md: channel: `store` here, `online` in the source; cost: nothing here, `free` in the source\n",
    );
    stdout_lacks(&r, "documents:");
    let (_, v) = check_json(&root, &[]);
    assert_eq!(
        finding(&v, "facet-mismatch", "content/zh/guide.md")["category"],
        "facets"
    );
}

#[test]
fn a_translation_linking_to_an_anchor_only_its_source_has_is_an_error() {
    let (_tmp, root) = site("translation-anchor");
    let r = check(&root, &[]);
    assert_code(&r, 1);
    stdout_has(
        &r,
        "  error: content/zh/help.md:8: link to `#steps`: the source page content/en/steps.md has this heading (“Steps”), but its translation content/zh/steps.md does not\n    help: keep the source's heading ids in translations: write `{#steps}` after the translated heading in content/zh/steps.md\n",
    );
    // Reported once, not also as a plain missing heading.
    stdout_lacks(&r, "missing heading");
    stdout_lacks(&r, "what-you-need");
    let (_, v) = check_json(&root, &[]);
    let f = finding(&v, "translation-anchor", "content/zh/help.md");
    assert_eq!(
        (f["anchor"].as_str(), f["source"].as_str()),
        (Some("steps"), Some("content/en/steps.md"))
    );
    assert_eq!(v["counts"]["errors"], 1);
}

#[test]
fn missing_ui_strings_are_listed_per_language() {
    let (_tmp, root) = site("ui-strings");
    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(&r, "UI strings\n  warning: i18n/fr.yaml: ");
    stdout_has(&r, "missing in `fr` (shown in a fallback language): ");
    let (_, v) = check_json(&root, &[]);
    let f = finding(&v, "missing-ui-strings", "i18n/fr.yaml");
    let keys: Vec<&str> = f["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        keys.contains(&"skip_to_content") && keys.contains(&"alerts.tip"),
        "{keys:?}"
    );
    assert!(
        !keys.contains(&"home") && !keys.contains(&"alerts.note") && !keys.contains(&"search"),
        "{keys:?}"
    );
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted: {keys:?}");
    assert_eq!(
        findings(&v).len(),
        1,
        "only the French strings: {:#?}",
        kinds(&v)
    );
    assert_eq!(check(&root, &["--strict"]).status.code(), Some(1));
}

#[test]
fn broken_links_fail_the_check_and_the_rest_is_still_reported() {
    let (_tmp, root) = site("broken-link");
    let r = check(&root, &[]);
    assert_code(&r, 1);
    stdout_has(
        &r,
        "Links and anchors\n  error: content/en/guide.md:9: link to a missing page `missing.md`",
    );
    stdout_has(
        &r,
        "  error: content/en/guide.md:9: link to a missing heading `#nowhere` in `other.md`\n",
    );
    stdout_has(&r, "  error: content/en/guide.md:10: link to a missing heading `#stepz` on this page\n    help: did you mean `#steps`?\n");
    stdout_has(
        &r,
        "warning: content/en/guide.md:4: steps last reviewed on 2025-01-10",
    );
    stdout_has(&r, "note: content/zh/guide.md: not translated yet");
    stdout_has(&r, "3 errors, 1 warning, 2 notes: failed\n");
    let (r, v) = check_json(&root, &[]);
    assert_code(&r, 1);
    assert_eq!(v["exit_code"], 1);
    let links: Vec<(String, String)> = kinds(&v)
        .into_iter()
        .filter(|(k, _)| k == "broken-link" || k == "missing-anchor")
        .collect();
    assert_eq!(links.len(), 3, "{links:?}");
}

#[test]
fn links_to_ids_that_depend_on_heading_order_are_warnings() {
    let (_tmp, root) = site("ambiguous-anchor");
    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(&r, "warning: content/en/guide.md:23: link to `#steps` on this page: 2 headings there are titled “Steps”");
    stdout_has(&r, "warning: content/en/guide.md:23: link to `#steps-1` on this page: 2 headings there are titled “Steps”");
    stdout_lacks(&r, "`#hours`");
    stdout_has(&r, "help: give the heading an explicit id");
}

#[test]
fn json_output_is_stable_and_sorted() {
    let (_tmp, root) = site("broken-link");
    let a = check(&root, &["--format", "json"]);
    let b = check(&root, &["--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "two runs, the same bytes");
    let v: Value = serde_json::from_str(&a.stdout).unwrap();
    let order = [
        "content",
        "links",
        "external-links",
        "translations",
        "facets",
        "reviews",
        "ui-strings",
    ];
    let ranks: Vec<usize> = findings(&v)
        .iter()
        .map(|f| {
            order
                .iter()
                .position(|c| f["category"] == *c)
                .expect("a known category")
        })
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "grouped by category: {ranks:?}"
    );
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    for k in [
        "version",
        "site",
        "default_language",
        "today",
        "strict",
        "external",
        "exit_code",
        "counts",
        "languages",
        "findings",
    ] {
        assert!(keys.iter().any(|x| *x == k), "top-level `{k}` in {keys:?}");
    }
}

#[test]
fn a_site_that_does_not_load_reports_its_errors_and_exits_1() {
    let (_tmp, root) = {
        let tmp = copy_site(&fixture("errors/unknown-key"));
        let root = tmp.path().join("site");
        (tmp, root)
    };
    let r = check(&root, &[]);
    assert_code(&r, 1);
    stdout_has(&r, "Content\n  error: content/en/page.md:4:1: unknown front-matter key `titel`\n    help: did you mean `title`?\n");
    stdout_has(&r, "note: the other checks need a site that loads");
}

#[test]
fn a_template_that_does_not_render_is_an_error_and_the_rest_is_reported() {
    let r = check(&fixture("errors/template-error"), &[]);
    assert_code(&r, 1);
    stdout_has(
        &r,
        "Content\n  error: templates/page.html: Failed to render 'page.html'",
    );
    stdout_has(&r, "    help: while rendering content/en/page.md\n");
    stdout_has(&r, "Reviews\n");
    let (_, v) = check_json(&fixture("errors/template-error"), &[]);
    assert_eq!(
        finding(&v, "template", "templates/page.html")["category"],
        "content"
    );
}

#[test]
fn check_exits_2_when_it_cannot_run() {
    let r = check(&fixture("errors/no-site-yaml"), &[]);
    assert_code(&r, 2);
    r.stderr_has("no site.yaml here");
    assert!(r.stdout.is_empty(), "no report: {}", r.stdout);
    let r = check(&fixture("errors/unknown-site-key"), &["--format", "json"]);
    assert_code(&r, 2);
    r.stderr_has("error");
}

// ---- git ----------------------------------------------------------------------------

fn git_available() -> bool {
    std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs git in `dir` with a fixed identity and commit date (`day` of 2026).
#[track_caller]
fn git(dir: &Path, args: &[&str], date: &str) {
    let r = run(without_git_env(
        std::process::Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "user.name=Waypost Test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir.join("..")),
    ));
    assert!(r.status.success(), "git {args:?} failed:\n{}", r.stderr);
}

#[test]
fn in_a_git_repository_an_outdated_translation_shows_what_changed_in_its_source() {
    if !git_available() {
        eprintln!("skipped: no git");
        return;
    }
    let (_tmp, root) = site("git");
    git(&root, &["init", "-q"], "2026-01-01T00:00:00Z");
    git(&root, &["add", "-A"], "2026-01-01T00:00:00Z");
    git(
        &root,
        &["commit", "-q", "-m", "Source v1"],
        "2026-01-01T00:00:00Z",
    );

    assert_code(&stamp(&root, &["content/zh/guide.md"]), 0);
    git(
        &root,
        &["commit", "-q", "-am", "Stamp the Chinese guide"],
        "2026-02-01T00:00:00Z",
    );

    let guide = root.join("content/en/guide.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(
        &guide,
        text.replace(
            "2. Scan your passport.",
            "2. Scan your passport or national ID card.",
        ),
    )
    .unwrap();
    let notes = root.join("content/en/notes.md");
    std::fs::write(
        &notes,
        std::fs::read_to_string(&notes)
            .unwrap()
            .replace("Version one", "Version two"),
    )
    .unwrap();
    git(
        &root,
        &["commit", "-q", "-am", "Source v2"],
        "2026-03-01T00:00:00Z",
    );

    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_has(&r, "    warning: content/zh/guide.md:4: outdated: content/en/guide.md changed since this translation was stamped (stamped version: commit ");
    stdout_has(&r, " of 2026-01-01, “Source v1”)\n");
    stdout_has(
        &r,
        "      changed in the source since then:\n      | @@ -9,4 +9,4 @@\n      |  \n      |  1. Open the app.\n      | -2. Scan your passport.\n      | +2. Scan your passport or national ID card.\n      |  3. Wait for the text message.\n",
    );
    // Unstamped and undated: the commit times decide (one git call for the whole site).
    stdout_has(&r, "    warning: content/zh/notes.md: outdated: content/en/notes.md was committed after this translation was last committed\n");
    stdout_lacks(&r, "_index.md");

    let (_, v) = check_json(&root, &[]);
    let f = finding(&v, "outdated-translation", "content/zh/guide.md");
    assert_eq!(f["stamped_commit"]["subject"], "Source v1");
    assert_eq!(f["stamped_commit"]["date"], "2026-01-01");
    assert_eq!(
        f["stamped_commit"]["commit"].as_str().map(str::len),
        Some(40)
    );
    assert!(
        f["diff"]
            .as_str()
            .unwrap()
            .contains("+2. Scan your passport or national ID card."),
        "{f:#}"
    );
    assert_eq!(
        finding(&v, "outdated-translation", "content/zh/notes.md")["basis"],
        "git"
    );

    // Stamping again brings it up to date.
    assert_code(&stamp(&root, &["content/zh/guide.md"]), 0);
    let (_, v) = check_json(&root, &[]);
    assert!(
        !translation_findings(&v).contains(&"content/zh/guide.md".to_string()),
        "{:#?}",
        kinds(&v)
    );
}

#[test]
fn a_stamp_not_found_in_the_history_is_still_outdated() {
    if !git_available() {
        eprintln!("skipped: no git");
        return;
    }
    let (_tmp, root) = site("outdated");
    git(&root, &["init", "-q"], "2026-01-01T00:00:00Z");
    git(&root, &["add", "-A"], "2026-01-01T00:00:00Z");
    git(
        &root,
        &["commit", "-q", "-m", "All"],
        "2026-01-01T00:00:00Z",
    );
    let r = check(&root, &[]);
    stdout_has(&r, "content/zh/stamped.md:4: outdated: content/en/stamped.md changed since this translation was stamped (the stamped version is not in the git history of content/en/stamped.md)");
    // The undated translation is now dated by its commit (the same as its source's).
    stdout_lacks(&r, "content/zh/undated.md");
}

// ---- stamp --------------------------------------------------------------------------

/// `waypost --root ROOT stamp FILES…`, run from outside the site (paths are taken from
/// the site root when they do not exist from the current folder).
fn stamp(root: &Path, files: &[&str]) -> Run {
    let cwd = root.parent().expect("the site is in a temporary folder");
    let r = run(without_git_env(
        waypost()
            .current_dir(cwd)
            .arg("--root")
            .arg(root)
            .arg("stamp")
            .args(files),
    ));
    assert_no_panic(&r.stderr);
    r
}

#[test]
fn stamp_changes_one_line_and_keeps_every_other_byte() {
    let (_tmp, root) = site("stamp");
    let path = root.join("content/zh/guide.md");
    let before = std::fs::read(&path).unwrap();
    let r = stamp(&root, &["content/zh/guide.md"]);
    assert_code(&r, 0);
    r.stderr_has("stamped content/zh/guide.md with source_hash ");
    let after = std::fs::read(&path).unwrap();
    let (b, a): (Vec<&[u8]>, Vec<&[u8]>) = (
        before.split(|&c| c == b'\n').collect(),
        after.split(|&c| c == b'\n').collect(),
    );
    assert_eq!(a.len(), b.len(), "the same number of lines");
    let changed: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    assert_eq!(changed, vec![2], "only the source_hash line changes");
    let line = String::from_utf8(a[2].to_vec()).unwrap();
    assert!(
        line.starts_with("source_hash: ")
            && line.ends_with('\r')
            && line.len() == "source_hash: ".len() + 16 + 1,
        "{line:?}"
    );

    // The check agrees that it is up to date now; stamping again changes nothing.
    let (_, v) = check_json(&root, &[]);
    assert!(
        !translation_findings(&v).contains(&"content/zh/guide.md".to_string()),
        "{:#?}",
        kinds(&v)
    );
    let again = stamp(&root, &["content/zh/guide.md"]);
    assert_code(&again, 0);
    again.stderr_has("content/zh/guide.md already matches content/en/guide.md");
    assert_eq!(std::fs::read(&path).unwrap(), after);
}

#[test]
fn stamp_adds_a_front_matter_block_where_there_is_none() {
    let (_tmp, root) = site("stamp");
    let path = root.join("content/zh/plain.md");
    let before = std::fs::read(&path).unwrap();
    // A path from the current folder works as well as one from the site root.
    let r = run(waypost()
        .current_dir(&root)
        .args(["stamp", "content/zh/plain.md"]));
    assert_code(&r, 0);
    let after = std::fs::read(&path).unwrap();
    let head = b"---\nsource_hash: ";
    assert!(
        after.starts_with(head),
        "{}",
        String::from_utf8_lossy(&after)
    );
    let rest = &after[head.len() + 16..];
    assert_eq!(&rest[..5], b"\n---\n");
    assert_eq!(
        &rest[5..],
        &before[..],
        "the original bytes follow the block"
    );
    let (_, v) = check_json(&root, &[]);
    assert!(
        !translation_findings(&v).contains(&"content/zh/plain.md".to_string()),
        "{:#?}",
        kinds(&v)
    );
}

#[test]
fn stamp_takes_paths_from_the_site_root_when_the_current_folder_has_another_file() {
    let (tmp, root) = site("stamp");
    // A decoy with the same relative path outside the site, in the current folder.
    let decoy = tmp.path().join("content/zh/guide.md");
    std::fs::create_dir_all(decoy.parent().unwrap()).unwrap();
    std::fs::write(&decoy, "not a page of the site\n").unwrap();
    let r = stamp(&root, &["content/zh/guide.md", "content/zh"]);
    assert_code(&r, 1);
    r.stderr_has("stamped content/zh/guide.md");
    r.stderr_has("error: content/zh: is a folder, not a page");
    assert_eq!(
        std::fs::read_to_string(&decoy).unwrap(),
        "not a page of the site\n"
    );
}

#[test]
fn stamp_refuses_what_is_not_a_translation_and_names_the_file() {
    let (_tmp, root) = site("stamp");
    let before = list_files(&root);
    let r = stamp(
        &root,
        &[
            "content/en/guide.md",
            "content/zh/orphan.md",
            "site.yaml",
            "content/zh/nope.md",
            "content/zh/guide.md",
        ],
    );
    assert_code(&r, 1);
    r.stderr_has("error: content/en/guide.md: is in the default language (en): only translations are stamped");
    r.stderr_has(
        "error: content/zh/orphan.md:1: has no source page: content/en/orphan.md does not exist",
    );
    r.stderr_has("error: site.yaml: is not a page of the site: it is not under ");
    r.stderr_has("error: content/zh/nope.md: no such file");
    // The good file in the same run is stamped; nothing else changed.
    r.stderr_has("stamped content/zh/guide.md");
    let after = list_files(&root);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(changed, vec!["content/zh/guide.md"]);

    let r = stamp(&fixture("errors/no-site-yaml"), &["content/en/_index.md"]);
    assert_code(&r, 2);
}

// ---- the built site -----------------------------------------------------------------

#[test]
fn the_built_site_shows_outdated_notices_and_a_status_page() {
    let (_tmp, root) = site("outdated");
    let b = build_ok(&root);
    let stamped = b.read("zh/stamped/index.html");
    let notice = between(
        &stamped,
        "<div class=\"notice notice-outdated\" role=\"note\">",
        "</div>",
    );
    assert_contains(notice, "本页原文在翻译后已有更新", "the notice");
    assert_contains(
        notice,
        "<a href=\"/en/stamped/\" hreflang=\"en\" lang=\"en\">阅读原文 (English)</a>",
        "the notice",
    );
    assert_contains(
        &b.read("zh/dated/index.html"),
        "notice-outdated",
        "zh/dated",
    );
    for page in [
        "zh/current/index.html",
        "zh/undated/index.html",
        "en/stamped/index.html",
    ] {
        assert_not_contains(&b.read(page), "notice-outdated", page);
    }

    let status = b.read("zh/status/index.html");
    assert_contains(&status, "<h1>翻译状态</h1>", "zh/status");
    assert_contains(
        &status,
        "<meta name=\"robots\" content=\"noindex\">",
        "zh/status",
    );
    let outdated = between(&status, "<section class=\"status-outdated\"", "</section>");
    assert_contains(outdated, "落后于原文的译文 (2)", "the outdated list");
    assert_contains(
        outdated,
        "<a href=\"/zh/stamped/\">已盖章的指南</a>",
        "the outdated list",
    );
    assert_contains(
        outdated,
        "<a href=\"/zh/dated/\">有日期的指南</a>",
        "the outdated list",
    );
    let row = between(
        &status,
        "<tr aria-current=\"true\" data-language=\"zh\">",
        "</tr>",
    );
    assert_contains(
        row,
        "<td>5</td><td>100%</td><td>0</td><td>2</td><td>0</td>",
        "the zh row",
    );
    let en = b.read("en/status/index.html");
    assert_contains(&en, "<h1>Translation status</h1>", "en/status");
    assert_contains(
        &en,
        "This is the original language of the site",
        "en/status",
    );
    assert!(
        !b.read("sitemap.xml").contains("/status/"),
        "the status page is not in the sitemap"
    );

    // Off by default.
    let (_tmp2, clean) = site("clean");
    build_ok(&clean)
        .assert_no_file("en/status/index.html")
        .assert_no_file("zh/status/index.html");
}

// ---- external links -----------------------------------------------------------------

/// A tiny HTTP server on 127.0.0.1: answers by path and method, counts requests, stops
/// when dropped (or after a minute at most).
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    hits: Arc<Mutex<BTreeMap<String, usize>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(Mutex::new(BTreeMap::new()));
        let (s, h) = (stop.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !s.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).ok();
                        conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
                        let mut buf = Vec::new();
                        let mut chunk = [0u8; 1024];
                        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            match conn.read(&mut chunk) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let head = String::from_utf8_lossy(&buf);
                        let mut words = head.split_whitespace();
                        let (method, path) =
                            (words.next().unwrap_or(""), words.next().unwrap_or(""));
                        *h.lock()
                            .unwrap()
                            .entry(format!("{method} {path}"))
                            .or_default() += 1;
                        let status = match (method, path) {
                            (_, "/ok") => "200 OK",
                            (_, "/gone") => "404 Not Found",
                            ("HEAD", "/no-head") => "405 Method Not Allowed",
                            ("GET", "/no-head") => "200 OK",
                            (_, "/private") => "403 Forbidden",
                            (_, "/error") => "500 Internal Server Error",
                            _ => "400 Bad Request",
                        };
                        let _ = conn.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            port,
            stop,
            hits,
            thread: Some(thread),
        }
    }

    fn hits(&self) -> BTreeMap<String, usize> {
        self.hits.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn external_links_are_checked_only_when_asked_against_a_local_server() {
    let server = Server::start();
    let (_tmp, root) = site("external");
    let page = root.join("content/en/guide.md");
    let text = std::fs::read_to_string(&page)
        .unwrap()
        .replace("PORT", &server.port.to_string());
    std::fs::write(&page, text).unwrap();
    let base = format!("http://127.0.0.1:{}", server.port);

    let r = check(&root, &[]);
    assert_code(&r, 0);
    stdout_lacks(&r, "External links");
    assert!(
        server.hits().is_empty(),
        "no request without --external: {:?}",
        server.hits()
    );

    let r = check(&root, &["--external"]);
    assert_code(&r, 1);
    stdout_has(&r, &format!("External links\n  error: content/en/guide.md:7: external link `{base}/gone#top` answered 404 Not Found\n"));
    stdout_has(&r, &format!("  error: content/en/guide.md:11: external link `{base}/error` answered 500 Internal Server Error\n"));
    stdout_has(&r, &format!("  warning: content/en/guide.md:11: external link `{base}/private` answered 403 Forbidden\n"));
    stdout_lacks(&r, "/ok");
    stdout_lacks(&r, "/no-head");
    let hits = server.hits();
    assert_eq!(
        hits.get("HEAD /ok"),
        Some(&1),
        "each URL once, without its fragment: {hits:?}"
    );
    assert_eq!(hits.get("GET /ok"), None, "{hits:?}");
    assert_eq!(
        (hits.get("HEAD /no-head"), hits.get("GET /no-head")),
        (Some(&1), Some(&1)),
        "GET after a refused HEAD: {hits:?}"
    );

    let (_, v) = check_json(&root, &["--external"]);
    assert_eq!(v["external"], true);
    let gone: Vec<&Value> = findings(&v)
        .iter()
        .filter(|f| f["kind"] == "external-link" && f["status"] == 404)
        .collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["url"], format!("{base}/gone#top"));
    assert_eq!(gone[0]["category"], "external-links");

    // A port nobody listens on: a warning, not an error, and no long wait.
    drop(server);
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = closed.local_addr().unwrap().port();
    drop(closed);
    std::fs::write(&page, format!("---\ntitle: G\nreviewed: 2026-11-01\nupdated: 2026-10-01\n---\n\n[down](http://127.0.0.1:{dead_port}/x)\n")).unwrap();
    let started = Instant::now();
    let r = check(&root, &["--external"]);
    assert_code(&r, 0);
    stdout_has(&r, &format!("warning: content/en/guide.md:7: external link `http://127.0.0.1:{dead_port}/x` could not be reached: "));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

// ---- the example site ---------------------------------------------------------------

#[test]
fn the_example_site_checks_clean_except_for_its_deliberate_gaps() {
    let (r, v) = check_json(&repo_root(), &[]);
    assert_code(&r, 0);
    assert_eq!(v["counts"]["errors"], 0, "{:#?}", kinds(&v));
    for f in findings(&v) {
        let (kind, file) = (
            f["kind"].as_str().unwrap(),
            f["file"].as_str().unwrap_or(""),
        );
        match kind {
            // The partial Arabic translation.
            "missing-translation" => assert!(file.starts_with("content/ar/"), "{f:#}"),
            // The one guide with an old `reviewed` date, in each language that has it.
            "stale-review" => assert!(file.ends_with("/number-transfer/by-post.md"), "{f:#}"),
            _ => panic!("unexpected finding in the example site: {f:#}"),
        }
    }
    let stale: Vec<&str> = findings(&v)
        .iter()
        .filter(|f| f["kind"] == "stale-review")
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(
        stale.contains(&"content/en/number-transfer/by-post.md"),
        "{stale:?}"
    );
    let ar = summary(&v, "ar");
    assert!(
        ar["missing"].as_u64().unwrap() > 0 && ar["translated_percent"].as_f64().unwrap() < 100.0,
        "{ar:#}"
    );
    for lang in ["zh", "es"] {
        assert_eq!(summary(&v, lang)["missing"], 0, "{lang}");
        assert_eq!(summary(&v, lang)["outdated"], 0, "{lang}");
    }
    let text = check(&repo_root(), &[]);
    assert_code(&text, 0);
    stdout_has(&text, "note: content/ar/");
    stdout_has(&text, ": passed\n");
}
