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

/// A site of `pages` English pages (one section), search on, and a static file that
/// takes the output path of page 7.
fn large_site(pages: usize) -> tempfile::TempDir {
    english_site(
        (0..pages)
            .map(|i| {
                (
                    format!("content/en/guides/p{i:04}.md"),
                    format!(
                        "---\ntitle: Guide {i}\n---\n\nActivate line {i} online or in a store.\n\n## Step {i}\n\nBring your ID.\n"
                    ),
                )
            })
            .chain([(
                "static/en/guides/p0007/index.html".to_string(),
                "the site's own file".to_string(),
            )]),
    )
}

#[test]
fn a_site_written_in_parts_equals_the_site_built_in_memory() {
    let pages = waypost::render::PAGES_PER_PART + 60;
    let site = large_site(pages);
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let writer = waypost::output::Writer::new(public.clone(), site.path(), false).unwrap();
    waypost::build(site.path(), &writer, &Default::default(), None, &()).expect("builds");

    let (_, files) = waypost::build_in_memory(site.path(), &Default::default()).unwrap();
    let in_memory: std::collections::BTreeMap<String, Vec<u8>> = files
        .iter()
        .map(|f| (f.path.clone(), f.read().unwrap().into_owned()))
        .collect();
    let mut written = list_files(&public);
    assert!(
        written.remove(waypost::output::MARKER).is_some(),
        "a built site carries the marker that lets the next build replace it"
    );
    assert!(written.contains_key(&format!("en/guides/p{:04}/index.html", pages - 1)));
    assert_eq!(
        written["en/guides/p0007/index.html"], b"the site's own file",
        "the site's own file replaces the page, whichever part the page is in"
    );
    assert_same_tree(&written, &in_memory);
}

#[test]
fn a_template_error_in_every_part_is_reported_once_with_the_count_of_pages() {
    let pages = waypost::render::PAGES_PER_PART + 60;
    let site = large_site(pages);
    let templates = site.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("page.html"),
        "{% extends \"base.html\" %}{% block content %}{{ page.no_such_field.deeper }}{% endblock %}",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = run(waypost()
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .arg("--output")
        .arg(out.path().join("public")));
    run.assert_failure()
        .stderr_has("page.html")
        .stderr_has(&format!("(and {} other pages)", pages - 1));
    assert!(
        !out.path().join("public").exists(),
        "nothing is left behind"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no staging folder is left behind"
    );
}

/// Runs `waypost build --output <out>` on `site` from the site's folder (so that a
/// relative `out` names a folder of the site).
fn build_into(site: &std::path::Path, out: &str, extra: &[&str]) -> Run {
    run(waypost()
        .current_dir(site)
        .arg("build")
        .arg("--output")
        .arg(out)
        .args(extra))
}

#[test]
fn no_source_folder_of_the_site_can_be_the_output() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join(".git")).unwrap();
    std::fs::write(site.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let before = list_files(&site);
    for out in [
        "templates",
        "static",
        "i18n",
        "content",
        "content/en",
        "templates/partials-new",
        ".git",
        "site.yaml",
        ".",
        "..",
        "./templates/../static",
    ] {
        let r = build_into(&site, out, &[]);
        r.assert_failure();
        r.stderr_has("output");
        // Not even --force replaces a source folder.
        build_into(&site, out, &["--force"]).assert_failure();
        assert_same_tree(&before, &list_files(&site));
    }
    let beside: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("waypost"))
        .collect();
    assert!(beside.is_empty(), "nothing left beside: {beside:?}");
}

#[test]
fn an_existing_file_as_output_is_an_error_that_changes_nothing() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    std::fs::write(tmp.path().join("notes.txt"), "my notes").unwrap();
    let before = list_files(tmp.path());
    let r = build_into(&site, "../notes.txt", &["--force"]);
    r.assert_failure();
    r.stderr_has("is a file, not a folder");
    assert_same_tree(&before, &list_files(tmp.path()));
    let names = names_in(tmp.path());
    assert_eq!(
        names.len(),
        2,
        "no hidden temporary copy is left: {names:?}"
    );
}

#[test]
fn a_folder_waypost_did_not_write_is_replaced_only_with_force() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("thesis.tex"), "years of work").unwrap();

    let r = build_into(&site, "../docs", &[]);
    r.assert_failure();
    r.stderr_has("not empty and was not written by `waypost build`");
    r.stderr_has("--force");
    assert_eq!(
        std::fs::read_to_string(docs.join("thesis.tex")).unwrap(),
        "years of work"
    );

    // An empty folder is fine, and once built it carries the marker: the next build
    // replaces it without --force.
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    build_into(&site, "../fresh", &[]).assert_success();
    assert!(fresh.join(waypost::output::MARKER).is_file());
    build_into(&site, "../fresh", &[]).assert_success();

    build_into(&site, "../docs", &["--force"]).assert_success();
    assert!(!docs.join("thesis.tex").exists());
    assert!(docs.join("en/index.html").is_file());
}

#[test]
fn a_symbolic_link_as_output_is_refused() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let target = tmp.path().join("www");
    std::fs::create_dir_all(&target).unwrap();
    std::os::unix::fs::symlink(&target, tmp.path().join("public-link")).unwrap();
    let r = build_into(&site, "../public-link", &[]);
    r.assert_failure();
    r.stderr_has("symbolic link");
    assert!(std::fs::symlink_metadata(tmp.path().join("public-link"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_read_only_output_folder_is_refused_and_nothing_is_left_behind() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let out = tmp.path().join("public");
    build_into(&site, "../public", &[]).assert_success();
    let before = list_files(&out);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
    let r = build_into(&site, "../public", &[]);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
    r.assert_failure();
    r.stderr_has("read-only");
    assert_same_tree(&before, &list_files(&out));
    let names = names_in(tmp.path());
    assert_eq!(names.len(), 2, "no temporary folder left beside: {names:?}");
}

#[test]
fn a_previous_site_with_read_only_folders_is_still_replaced_and_removed() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let out = tmp.path().join("public");
    build_into(&site, "../public", &[]).assert_success();
    // A deploy tool left a folder inside the site read-only.
    std::fs::set_permissions(out.join("en"), std::fs::Permissions::from_mode(0o555)).unwrap();
    build_into(&site, "../public", &[]).assert_success();
    let names = names_in(tmp.path());
    assert_eq!(names.len(), 2, "the previous site was removed: {names:?}");
    assert!(out.join("en/index.html").is_file());
}

#[test]
fn precompression_writes_gzip_and_brotli_copies_that_decode_to_the_same_bytes() {
    use std::io::Read;
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    append_to_site_yaml(&site, "output:\n  precompress: [gzip, br]\n");
    std::fs::write(site.join("static/photo.png"), vec![7u8; 4096]).unwrap();
    build_into(&site, "../public", &[]).assert_success();
    let files = list_files(&tmp.path().join("public"));

    let mut checked = 0;
    for (path, bytes) in &files {
        if path.ends_with(".gz") || path.ends_with(".br") || path == waypost::output::MARKER {
            continue;
        }
        let (gz, br) = (format!("{path}.gz"), format!("{path}.br"));
        if !waypost::output::is_compressible(path) || bytes.len() < 256 {
            assert!(
                !files.contains_key(&gz) && !files.contains_key(&br),
                "{path}"
            );
            continue;
        }
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&files[&gz][..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(&plain, bytes, "{gz}");
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &files[&br][..], &mut plain).unwrap();
        assert_eq!(&plain, bytes, "{br}");
        checked += 1;
    }
    assert!(checked > 5, "pages, CSS and JS are compressed ({checked})");
    assert!(files.contains_key("en/index.html.gz"));
    assert!(
        !files.contains_key("photo.png.gz"),
        "images are left as they are"
    );

    // Reproducible: a second build is byte-identical, compressed copies included.
    build_into(&site, "../public2", &[]).assert_success();
    assert_same_tree(&files, &list_files(&tmp.path().join("public2")));
}
