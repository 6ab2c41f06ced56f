//! The command line: where `--root` may go, where the output goes, `init`, `--version`,
//! `-q`.

use crate::common::*;

#[test]
fn root_flag_works_before_and_after_the_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let site = fixture("overrides");
    let before = run(waypost()
        .arg("--root")
        .arg(&site)
        .arg("build")
        .arg("--output")
        .arg(tmp.path().join("before")));
    before.assert_success();
    let after = run(waypost()
        .arg("build")
        .arg("--root")
        .arg(&site)
        .arg("--output")
        .arg(tmp.path().join("after")));
    after.assert_success();
    let a = list_files(&tmp.path().join("before"));
    assert!(
        a.contains_key("en/topics/first/index.html"),
        "{:?}",
        a.keys()
    );
    assert_same_tree(&a, &list_files(&tmp.path().join("after")));
}

#[test]
fn relative_output_is_taken_from_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("somewhere");
    std::fs::create_dir_all(&cwd).unwrap();
    let r = run(waypost()
        .current_dir(&cwd)
        .arg("--root")
        .arg(fixture("overrides"))
        .args(["build", "--output", "out/site"]));
    r.assert_success();
    assert!(
        cwd.join("out/site/en/topics/first/index.html").is_file(),
        "expected the site in <cwd>/out/site; found {:?}",
        list_files(tmp.path()).keys().collect::<Vec<_>>()
    );
    assert!(
        !fixture("overrides").join("out").exists(),
        "nothing is written into the site"
    );
}

#[test]
fn output_defaults_to_public_inside_the_root() {
    let tmp = copy_site(&fixture("overrides"));
    let site = tmp.path().join("site");
    let r = run(waypost().arg("--root").arg(&site).arg("build"));
    r.assert_success();
    assert!(site.join("public/en/topics/first/index.html").is_file());
    assert!(site.join("public/index.html").is_file());
}

#[test]
fn init_writes_a_starter_site_that_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("starter");
    let init = run(waypost().arg("init").arg(&dir));
    init.assert_success();
    assert!(dir.join("site.yaml").is_file(), "init writes site.yaml");
    let mut langs: Vec<String> = std::fs::read_dir(dir.join("content"))
        .expect("init writes content/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    langs.sort();
    assert_eq!(langs.len(), 2, "two languages: {langs:?}");
    let files = list_files(&dir.join("content").join(&langs[0]));
    assert!(
        files.keys().any(|k| k.ends_with("/_index.md")),
        "one section: {:?}",
        files.keys()
    );
    assert!(
        files
            .keys()
            .any(|k| k.ends_with(".md") && !k.ends_with("_index.md")),
        "one page: {:?}",
        files.keys()
    );

    let out = tmp.path().join("public");
    let build = run(waypost()
        .arg("--root")
        .arg(&dir)
        .arg("build")
        .arg("--output")
        .arg(&out));
    build.assert_success();
    build.stderr_has("pages in 2 languages");
    let ignored = std::fs::read_to_string(dir.join(".gitignore")).expect("init writes .gitignore");
    for line in ["/public/", "/.waypost-cache/"] {
        assert!(ignored.lines().any(|l| l == line), "{line} in {ignored}");
    }
    for l in &langs {
        assert!(out.join(l).join("index.html").is_file(), "{l}/index.html");
    }
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
    let r = run(waypost().arg("init").arg(tmp.path()));
    r.assert_failure();
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("keep.txt")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("site.yaml").exists());
}

#[test]
fn version_flag_prints_the_version() {
    let r = waypost_run(["--version"]);
    r.assert_success();
    assert_eq!(
        r.stdout.trim(),
        format!("waypost {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn quiet_flag_leaves_only_errors_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(waypost()
        .arg("-q")
        .arg("--root")
        .arg(fixture("overrides"))
        .arg("build")
        .arg("--output")
        .arg(tmp.path().join("public")));
    r.assert_success();
    assert_eq!(r.stderr, "", "nothing but errors with -q");
}

#[test]
fn root_defaults_to_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let r = run(waypost()
        .current_dir(fixture("overrides"))
        .arg("build")
        .arg("--output")
        .arg(&out));
    r.assert_success();
    assert!(out.join("en/topics/first/index.html").is_file());
}

#[test]
fn error_paths_are_relative_to_the_site_root_whatever_the_root_is() {
    // Root given as `.`, as a relative path and as an absolute path.
    let fixtures = fixture("errors");
    let tmp = tempfile::tempdir().unwrap();
    let runs = [
        run(waypost()
            .current_dir(fixtures.join("unknown-key"))
            .arg("build")
            .arg("--output")
            .arg(tmp.path().join("a"))),
        run(waypost()
            .current_dir(&fixtures)
            .args(["--root", "unknown-key", "build", "--output"])
            .arg(tmp.path().join("b"))),
        run(waypost()
            .arg("--root")
            .arg(fixtures.join("unknown-key"))
            .arg("build")
            .arg("--output")
            .arg(tmp.path().join("c"))),
    ];
    for r in &runs {
        r.assert_failure();
        r.stderr_has("error: content/en/page.md:4:1: unknown front-matter key `titel`");
    }
}

#[test]
fn a_build_on_a_terminal_shows_progress_and_logs_stay_clean() {
    let site = english_site([
        ("content/en/_index.md", "# Home\n"),
        ("content/en/guide.md", "# Guide\n\nText.\n"),
    ]);
    let out = site.path().join("public");
    // Not a terminal (a pipe, as in CI): no progress drawn.
    let r = run(waypost()
        .env("WAYPOST_PROGRESS_DELAY_MS", "0")
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .arg("--output")
        .arg(&out));
    r.assert_success();
    assert!(!r.stderr.contains("rendering pages"), "{}", r.stderr);
    assert!(!r.stderr.contains('\r'), "{:?}", r.stderr);

    // A terminal (a pseudo-terminal from util-linux's `script`): the stages are drawn.
    let cmd = format!(
        "{} --root '{}' build --output '{}'",
        env!("CARGO_BIN_EXE_waypost"),
        site.path().display(),
        out.display()
    );
    let r = run(std::process::Command::new("script")
        .env("WAYPOST_PROGRESS_DELAY_MS", "0")
        .args(["-qec", &cmd, "/dev/null"]));
    r.assert_success();
    assert!(r.stdout.contains("rendering pages"), "{:?}", r.stdout);

    // -q on a terminal: nothing.
    let r = run(std::process::Command::new("script")
        .env("WAYPOST_PROGRESS_DELAY_MS", "0")
        .args(["-qec", &format!("{cmd} -q"), "/dev/null"]));
    r.assert_success();
    assert!(!r.stdout.contains("rendering pages"), "{:?}", r.stdout);
}

/// The steps of `job` in a parsed workflow.
fn steps<'a>(workflow: &'a serde_yaml::Value, job: &str) -> &'a Vec<serde_yaml::Value> {
    workflow["jobs"][job]["steps"]
        .as_sequence()
        .unwrap_or_else(|| panic!("job {job} has steps"))
}

#[test]
fn init_writes_a_github_workflow_whose_commands_publish_the_starter_site() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("starter");
    run(waypost()
        .arg("init")
        .arg(&dir)
        .args(["--waypost-git", "https://git.example.org/waypost.git"]))
    .assert_success();
    let text = std::fs::read_to_string(dir.join(".github/workflows/publish.yml"))
        .expect("init writes the workflow");
    let wf: serde_yaml::Value = serde_yaml::from_str(&text).expect("the workflow is YAML");
    assert_eq!(
        wf["env"]["WAYPOST_GIT"].as_str(),
        Some("https://git.example.org/waypost.git")
    );
    assert_eq!(
        wf["env"]["WAYPOST_VERSION"].as_str(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert!(wf["on"]["pull_request"].is_null() && wf["on"].get("pull_request").is_some());
    let build = steps(&wf, "build");
    let uses: Vec<&str> = build.iter().filter_map(|s| s["uses"].as_str()).collect();
    for action in [
        "actions/checkout@v4",
        "actions/configure-pages@v5",
        "actions/upload-pages-artifact@v3",
    ] {
        assert!(uses.contains(&action), "{action} in {uses:?}");
    }
    let upload = build
        .iter()
        .find(|s| s["uses"].as_str() == Some("actions/upload-pages-artifact@v3"))
        .unwrap();
    assert_eq!(upload["with"]["path"].as_str(), Some("public"));
    let deploy = &wf["jobs"]["deploy"];
    assert_eq!(deploy["needs"].as_str(), Some("build"));
    assert_eq!(deploy["permissions"]["pages"].as_str(), Some("write"));
    assert_eq!(deploy["permissions"]["id-token"].as_str(), Some("write"));
    assert!(steps(&wf, "deploy")
        .iter()
        .any(|s| s["uses"].as_str() == Some("actions/deploy-pages@v4")));

    // The waypost commands, in order, and the same as the README's publishing section.
    let commands: Vec<String> = build
        .iter()
        .filter_map(|s| s["run"].as_str())
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|l| l.starts_with("waypost "))
        .map(str::to_string)
        .collect();
    let plain: Vec<String> = commands
        .iter()
        .map(|c| {
            c.split_whitespace()
                .take_while(|w| !w.starts_with('$'))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(plain, ["waypost check --format github", "waypost build"]);
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let publishing = between(&readme, "## Publishing", "\n## ");
    for c in &plain {
        assert_contains(publishing, c, "README's publishing section");
    }

    // Run as the workflow runs them (bash, in the checkout, the Pages URL given), the
    // commands check and build the starter site for that URL.
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_waypost"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for c in &commands {
        let r = run(std::process::Command::new("bash")
            .args(["-eo", "pipefail", "-c", c])
            .current_dir(&dir)
            .env("PATH", &path)
            .env("PAGES_URL", "https://owner.example.io/starter")
            .env("WAYPOST_NO_CACHE", "1")
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH));
        assert!(r.status.success(), "{c}: {}\n{}", r.stdout, r.stderr);
        if c.starts_with("waypost check") {
            // A new site checks clean: its guides were reviewed the day it was made.
            assert_contains(&r.stdout, "0 errors, 0 warnings", "check");
        }
    }
    let home = std::fs::read_to_string(dir.join("public/en/index.html")).unwrap();
    assert_contains(
        &home,
        "href=\"https://owner.example.io/starter/en/\"",
        "the home page's canonical URL",
    );
}

#[test]
fn init_without_an_install_url_writes_a_workflow_that_asks_for_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("starter");
    let r = run(waypost().arg("init").arg(&dir).arg("--waypost-git="));
    r.assert_success();
    r.stderr_has("WAYPOST_GIT");
    let text = std::fs::read_to_string(dir.join(".github/workflows/publish.yml")).unwrap();
    let wf: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(wf["env"]["WAYPOST_GIT"].as_str(), Some(""));
    assert_contains(
        &text,
        "::error file=.github/workflows/publish.yml::set WAYPOST_GIT",
        "workflow",
    );
}
