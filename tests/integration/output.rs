//! The output folder: deterministic bytes, replaced as a whole, and left as it was when
//! a build fails.

use crate::common::*;

#[test]
fn two_builds_of_the_same_site_are_byte_for_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["one", "two"] {
        run(waypost()
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .arg("--root")
            .arg(repo_root())
            .arg("build")
            .arg("--output")
            .arg(tmp.path().join(name)))
        .assert_success();
    }
    let one = list_files(&tmp.path().join("one"));
    assert!(one.len() > 10, "{:?}", one.keys());
    assert_same_tree(&one, &list_files(&tmp.path().join("two")));
}

/// Builds the example into `<tmp>/public`, then `broken` into the same folder, which must
/// fail and leave the first site exactly as it was.
fn failed_build_keeps_previous_output(broken: &std::path::Path) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    run(waypost()
        .arg("--root")
        .arg(repo_root())
        .arg("build")
        .arg("--output")
        .arg(&out))
    .assert_success();
    let before = list_files(&out);
    assert!(before.contains_key("en/index.html"));

    run(waypost()
        .arg("--root")
        .arg(broken)
        .arg("build")
        .arg("--output")
        .arg(&out))
    .assert_failure();

    assert_same_tree(&before, &list_files(&out));
    let beside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        beside,
        ["public"],
        "no temporary folders are left beside the output"
    );
}

#[test]
fn failed_build_leaves_the_previous_output_untouched() {
    failed_build_keeps_previous_output(&fixture("errors/missing-page-link"));
}

#[test]
fn failed_render_leaves_the_previous_output_untouched() {
    failed_build_keeps_previous_output(&fixture("errors/template-error"));
}

#[test]
fn rebuild_removes_the_output_of_a_deleted_page() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let out = tmp.path().join("public");
    let build = || {
        run(waypost()
            .arg("--root")
            .arg(&site)
            .arg("build")
            .arg("--output")
            .arg(&out))
        .assert_success();
    };
    build();
    assert!(out.join("en/topics/first/index.html").is_file());
    std::fs::remove_file(site.join("content/en/topics/first.md")).unwrap();
    build();
    assert!(out.join("en/topics/index.html").is_file());
    assert!(
        !out.join("en/topics/first").exists(),
        "the deleted page's output is gone after the rebuild"
    );
}

#[test]
fn output_folder_that_holds_the_sources_is_refused() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let before = list_files(&site);
    let r = run(waypost()
        .arg("--root")
        .arg(&site)
        .arg("build")
        .arg("--output")
        .arg(&site));
    r.assert_failure();
    r.stderr_has("output folder");
    assert_same_tree(&before, &list_files(&site));
}
