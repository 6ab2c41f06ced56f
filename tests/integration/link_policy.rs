//! `links:` in site.yaml: what broken links of each kind do to `build`, `check` and
//! `serve` under each policy (error, warn, ignore), on a generated site.

use crate::common::*;

/// A site whose page has one broken link of each kind: a missing page (line 5), a
/// missing heading of an existing page (line 7), a missing file (line 9) and a missing
/// image (line 11); `links` is the `links:` block of site.yaml (empty: the default).
fn site_with_broken_links(links: &str) -> tempfile::TempDir {
    let site = english_site([
        ("content/en/_index.md", "# Home\n\nWelcome.\n".to_string()),
        ("content/en/target.md", "# Target\n\n## Real heading\n\nText.\n".to_string()),
        (
            "content/en/guide.md",
            "---\ntitle: Guide\n---\n\nSee [the missing page](nowhere.md) now.\n\nSee [a heading](target.md#no-such-heading) too.\n\nThe mnemonic [t](시간) stays.\n\n![A diagram](missing-diagram.svg)\n\n[A good link](target.md#real-heading).\n"
                .to_string(),
        ),
    ]);
    append_to_site_yaml(site.path(), links);
    site
}

const WARN_ALL: &str =
    "links:\n  missing_page: warn\n  missing_anchor: warn\n  missing_file: warn\n";
const IGNORE_ALL: &str =
    "links:\n  missing_page: ignore\n  missing_anchor: ignore\n  missing_file: ignore\n";

#[test]
fn broken_links_fail_the_build_by_default() {
    let site = site_with_broken_links("");
    let r = build_fails(site.path());
    r.stderr_has("content/en/guide.md:5: link to a missing page `nowhere.md`")
        .stderr_has("content/en/guide.md:7: link to a missing heading `#no-such-heading`")
        .stderr_has("content/en/guide.md:9: link to a missing file `시간`")
        .stderr_has("content/en/guide.md:11: link to a missing file `missing-diagram.svg`");
}

#[test]
fn with_warn_the_build_succeeds_lists_each_problem_once_and_renders_plain_text() {
    let site = site_with_broken_links(WARN_ALL);
    let b = build_ok(site.path());
    let err = &b.run.stderr;
    assert_eq!(
        err.matches("4 broken links rendered as plain text").count(),
        1,
        "one grouped warning: {err}"
    );
    for line in [
        "content/en/guide.md:5: link to a missing page",
        "content/en/guide.md:7: link to a missing heading",
        "content/en/guide.md:9: link to a missing file `시간`",
        "content/en/guide.md:11: link to a missing file `missing-diagram.svg`",
    ] {
        assert_eq!(err.matches(line).count(), 1, "{line} once in: {err}");
    }
    let html = content_of(&b.read("en/guide/index.html")).to_string();
    assert_contains(
        &html,
        "See the missing page now.",
        "a missing page's link is text",
    );
    assert_not_contains(&html, "nowhere", "no dead href");
    assert_contains(
        &html,
        "The mnemonic t stays.",
        "a missing file's link is text",
    );
    assert_not_contains(&html, "missing-diagram.svg", "no broken image");
    assert_contains(&html, "A diagram", "the image's description stays as text");
    assert_contains(&html, "/en/target/#real-heading", "good links are kept");
}

#[test]
fn strict_turns_the_warnings_into_errors_and_writes_nothing() {
    let site = site_with_broken_links(WARN_ALL);
    let b = build_with(site.path(), &["--strict"]);
    b.run.assert_failure();
    b.run
        .stderr_has("content/en/guide.md:5: link to a missing page");
    assert!(!b.out().exists(), "nothing written");
}

#[test]
fn with_ignore_the_build_is_silent_and_check_still_reports_them_as_warnings() {
    let site = site_with_broken_links(IGNORE_ALL);
    let b = build_ok(site.path());
    b.run.stderr_lacks("broken link");
    let html = content_of(&b.read("en/guide/index.html")).to_string();
    assert_not_contains(&html, "nowhere", "no dead href");

    let check = waypost_run(["--root", site.path().to_str().unwrap(), "check"]);
    check.assert_success();
    for needle in ["nowhere.md", "no-such-heading", "시간"] {
        assert_contains(&check.stdout, needle, "check's report");
    }
    let strict = waypost_run(["--root", site.path().to_str().unwrap(), "check", "--strict"]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "warnings fail a strict check: {}",
        strict.stdout
    );
}

#[test]
fn each_kind_follows_its_own_policy() {
    let site = site_with_broken_links(
        "links:\n  missing_page: warn\n  missing_anchor: error\n  missing_file: ignore\n",
    );
    let r = build_fails(site.path());
    r.stderr_has("content/en/guide.md:7: link to a missing heading")
        .stderr_lacks("nowhere.md")
        .stderr_lacks("시간");
}

#[test]
fn an_unknown_policy_is_an_error_naming_its_line() {
    let site = site_with_broken_links("links:\n  missing_page: warning\n");
    let r = build_fails(site.path());
    r.stderr_has("site.yaml").stderr_has("warning");
}

#[test]
fn many_warnings_are_capped_with_a_count_of_the_rest() {
    let mut body = String::from("# Many\n\n");
    for n in 0..30 {
        body.push_str(&format!("[link {n}](missing-{n}.md)\n\n"));
    }
    let site = english_site([
        ("content/en/_index.md", "# Home\n".to_string()),
        ("content/en/many.md", body),
    ]);
    append_to_site_yaml(site.path(), "links:\n  missing_page: warn\n");
    let b = build_ok(site.path());
    b.run
        .stderr_has("30 broken links")
        .stderr_has("… and 10 more (`waypost check` lists every one)");
    assert_eq!(b.run.stderr.matches("link to a missing page").count(), 20);
}
