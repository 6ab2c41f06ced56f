//! Nothing lost: no spelling of `--output`, `--cache` or `WAYPOST_CACHE` — through `..`,
//! `.`, symbolic links and missing folders — lets a build replace or write into the
//! site's sources or a folder it did not write; builds started at once on one site,
//! output and cache (and the cache deleted mid-build) always leave a complete site equal
//! to a build without the cache; what is published keeps the mode a written file gets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// A site (`search` fixture) in `<tmp>/site` with a fake `.git`, a template and a static
/// file, next to a folder that is not the site's (`<tmp>/victim`, holding a key), and
/// links among them.
struct Sandbox {
    tmp: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = copy_site(&fixture("search"));
        let site = tmp.path().join("site");
        for (path, text) in [
            (".git/HEAD", "ref: refs/heads/main\n"),
            (
                "templates/shortcodes/note.html",
                "<p class=\"note\">{{ body }}</p>\n",
            ),
            ("static/files/checklist.txt", "passport\nphone\n"),
        ] {
            let p = site.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let victim = tmp.path().join("victim");
        std::fs::create_dir_all(victim.join(".ssh")).unwrap();
        std::fs::write(victim.join(".ssh/id_rsa"), "PRIVATE KEY").unwrap();
        std::fs::write(victim.join("notes.txt"), "mine").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink("content", site.join("link-content")).unwrap();
            symlink("../victim", site.join("link-victim")).unwrap();
            symlink("site", tmp.path().join("link-site")).unwrap();
        }
        Sandbox { tmp }
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("site")
    }

    /// Everything that must never change: the site's sources and the victim's folder
    /// (links as their targets, not followed). The victim's folder may gain a new
    /// folder (a cache or output asked for inside it), never lose or change a file.
    fn precious(&self) -> Precious {
        Precious {
            sources: self.snapshot(&[
                "site/content",
                "site/templates",
                "site/static",
                "site/i18n",
                "site/site.yaml",
                "site/.git",
                "site/link-content",
                "site/link-victim",
                "link-site",
            ]),
            victim: self.snapshot(&["victim"]),
        }
    }

    fn snapshot(&self, tops: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let mut all = BTreeMap::new();
        let root = self.tmp.path();
        for top in tops {
            for entry in walkdir::WalkDir::new(root.join(top))
                .follow_links(false)
                .follow_root_links(false)
                .sort_by_file_name()
                .into_iter()
                .flatten()
            {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let t = entry.file_type();
                let value = if t.is_symlink() {
                    let target = std::fs::read_link(entry.path()).unwrap();
                    format!("link to {}", target.display()).into_bytes()
                } else if t.is_dir() {
                    b"folder".to_vec()
                } else {
                    std::fs::read(entry.path()).unwrap()
                };
                all.insert(rel, value);
            }
        }
        all
    }
}

/// `waypost --root ROOT build ARGS` run in `cwd`, with the cache on unless asked off.
fn build_in(cwd: &Path, root: &Path, args: &[String], env_cache: Option<&str>) -> Run {
    let mut cmd = waypost();
    cmd.current_dir(cwd)
        .env_remove("WAYPOST_NO_CACHE")
        .arg("--root")
        .arg(root)
        .arg("-q")
        .arg("build")
        .args(args);
    if let Some(dir) = env_cache {
        cmd.env("WAYPOST_CACHE", dir);
    }
    run(&mut cmd)
}

/// What a build must not lose (see [`Sandbox::precious`]).
struct Precious {
    sources: BTreeMap<String, Vec<u8>>,
    victim: BTreeMap<String, Vec<u8>>,
}

#[track_caller]
fn assert_unchanged(before: &Precious, after: &Precious, what: &str) {
    assert_same(&before.sources, &after.sources, what);
    let victim: BTreeMap<String, Vec<u8>> = after
        .victim
        .iter()
        .filter(|(k, _)| before.victim.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_same(&before.victim, &victim, what);
}

#[track_caller]
fn assert_same(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>, what: &str) {
    if before == after {
        return;
    }
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let changed: Vec<&String> = before
        .keys()
        .filter(|k| after.get(*k).is_some_and(|v| v != &before[*k]))
        .collect();
    panic!("{what}: sources or a folder not the build's changed\n gone: {gone:?}\n new: {new:?}\n changed: {changed:?}");
}

#[test]
fn an_output_or_cache_path_through_a_missing_folder_never_reaches_the_sources() {
    let sb = Sandbox::new();
    let root = sb.root();
    let before = sb.precious();
    let site = root.display().to_string();
    let cases: Vec<(PathBuf, Vec<String>)> = vec![
        (
            sb.tmp.path().into(),
            vec![
                "--no-cache".into(),
                "--output".into(),
                format!("{site}/nx/../content"),
            ],
        ),
        (
            root.clone(),
            vec![
                "--no-cache".into(),
                "--output".into(),
                "a/b/../../templates".into(),
            ],
        ),
        (
            root.clone(),
            vec![
                "--no-cache".into(),
                "--output".into(),
                "nx/../site.yaml".into(),
            ],
        ),
        (
            root.clone(),
            vec!["--no-cache".into(), "--output".into(), "nx/../i18n".into()],
        ),
        (
            root.clone(),
            vec!["--no-cache".into(), "--output".into(), "tmp/../.git".into()],
        ),
        (
            root.clone(),
            vec![
                "--no-cache".into(),
                "--output".into(),
                "nx/../../victim".into(),
            ],
        ),
        (
            root.clone(),
            vec![
                "--no-cache".into(),
                "--output".into(),
                "link-victim/nx/..".into(),
            ],
        ),
        (
            root.clone(),
            vec![
                "--no-cache".into(),
                "--output".into(),
                "nx/../link-content/en".into(),
            ],
        ),
        (
            root.clone(),
            vec![
                "--cache".into(),
                "nx/../content/en/kc".into(),
                "--output".into(),
                "public".into(),
            ],
        ),
        (
            root.clone(),
            vec!["--cache".into(), "link-content/../static/c".into()],
        ),
        (root.clone(), vec!["--cache".into(), "nx/..".into()]),
        (
            root.clone(),
            vec![
                "--output".into(),
                "public".into(),
                "--cache".into(),
                "public/nx/../c".into(),
            ],
        ),
    ];
    for (cwd, args) in &cases {
        let r = build_in(cwd, &root, args, None);
        r.assert_failure();
        assert!(
            r.stderr.contains("the site's")
                || r.stderr.contains("not empty")
                || r.stderr.contains("overlap")
                || r.stderr.contains("holds it"),
            "{args:?}: {}",
            r.stderr
        );
        assert_unchanged(&before, &sb.precious(), &format!("{args:?}"));
    }
    // Through the environment too.
    let r = build_in(&root, &root, &[], Some("nx/../content/en/kc"));
    r.assert_failure();
    assert_unchanged(&before, &sb.precious(), "WAYPOST_CACHE");
}

/// A small deterministic generator (xorshift), so a failing case can be run again from
/// its seed (`WAYPOST_GUARD_SEED`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A path made of the site's own names, `..`, `.`, links and missing folders.
fn random_path(rng: &mut Rng, tmp: &Path) -> String {
    const PARTS: [&str; 20] = [
        "..",
        "..",
        ".",
        "nx",
        "nx2",
        "content",
        "content/en",
        "templates",
        "static",
        "i18n",
        "site.yaml",
        ".git",
        "site",
        "victim",
        "link-site",
        "link-content",
        "link-victim",
        "public",
        "out",
        ".waypost-cache",
    ];
    let n = 1 + rng.below(4);
    let parts: Vec<&str> = (0..n).map(|_| *rng.pick(&PARTS)).collect();
    let rel = parts.join("/");
    if rng.below(3) == 0 {
        format!("{}/{rel}", tmp.display())
    } else {
        rel
    }
}

#[test]
fn random_output_and_cache_paths_leave_the_sources_byte_identical_or_are_refused() {
    let seed: u64 = std::env::var("WAYPOST_GUARD_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_1204);
    let cases: usize = std::env::var("WAYPOST_GUARD_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut rng = Rng(seed | 1);
    let sb = Sandbox::new();
    let root = sb.root();
    let tmp = sb.tmp.path().to_path_buf();
    let before = sb.precious();
    let (mut built, mut refused) = (0, 0);
    for case in 0..cases {
        let cwd = rng
            .pick(&[tmp.clone(), root.clone(), root.join("content")])
            .clone();
        let mut args = Vec::new();
        if rng.below(4) != 0 {
            args.extend(["--output".to_string(), random_path(&mut rng, &tmp)]);
        }
        let mut env_cache = None;
        match rng.below(4) {
            0 => args.push("--no-cache".into()),
            1 => env_cache = Some(random_path(&mut rng, &tmp)),
            2 => args.extend(["--cache".to_string(), random_path(&mut rng, &tmp)]),
            _ => {}
        }
        let what = format!(
            "case {case} (seed {seed}): in {} {args:?} WAYPOST_CACHE={env_cache:?}",
            cwd.display()
        );
        // Twice: a cache that was accepted must not be published by the next build.
        for _ in 0..2 {
            let r = build_in(&cwd, &root, &args, env_cache.as_deref());
            assert_no_panic(&r.stderr);
            if r.status.success() {
                built += 1;
            } else {
                refused += 1;
                assert!(r.stderr.contains("error"), "{what}: {}", r.stderr);
            }
            assert_unchanged(&before, &sb.precious(), &what);
        }
    }
    // The generator reaches both outcomes (else the test proves nothing).
    assert!(built > 0 && refused > 0, "built {built}, refused {refused}");
}

#[test]
fn builds_started_at_once_on_one_output_and_cache_always_publish_the_whole_site() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let expected = {
        let out = tmp.path().join("expected");
        run(waypost()
            .arg("--root")
            .arg(&root)
            .arg("-q")
            .arg("build")
            .arg("--output")
            .arg(&out))
        .assert_success();
        list_files(&out)
    };
    let out = tmp.path().join("public");
    let cache = tmp.path().join("cache");
    let mut rng = Rng(0x00c0_ffee);
    for round in 0..3 {
        let mut children = Vec::new();
        for _ in 0..4 {
            std::thread::sleep(std::time::Duration::from_millis(rng.below(150) as u64));
            children.push(
                waypost()
                    .env_remove("WAYPOST_NO_CACHE")
                    .arg("--root")
                    .arg(&root)
                    .arg("build")
                    .arg("--output")
                    .arg(&out)
                    .arg("--cache")
                    .arg(&cache)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
            // In one round the cache is deleted while builds run (it may be, at any
            // time).
            if round == 1 && rng.below(2) == 0 {
                let _ = std::fs::remove_dir_all(&cache);
            }
        }
        for c in children {
            let o = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "round {round}: {stderr}");
            assert_no_panic(&stderr);
            assert_same_tree(&list_files(&out), &expected);
        }
        assert_same_tree(&list_files(&out), &expected);
        let left: Vec<String> = names_in(tmp.path())
            .into_iter()
            .filter(|n| n.contains("waypost-new") || n.contains("waypost-old"))
            .collect();
        assert!(left.is_empty(), "staging folders left: {left:?}");
    }
}

#[test]
fn a_second_build_on_the_same_cache_says_it_waits() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let cache = tmp.path().join("cache");
    // Hold the cache's lock as a running build does.
    std::fs::create_dir_all(&cache).unwrap();
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cache.join("lock"))
        .unwrap();
    holder.lock().unwrap();
    let mut child = waypost()
        .env_remove("WAYPOST_NO_CACHE")
        .arg("--root")
        .arg(&root)
        .arg("build")
        .arg("--cache")
        .arg(&cache)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says so, then waits: it has built nothing while the lock is held.
    let mut stderr = child.stderr.take().unwrap();
    let mut first = [0u8; 120];
    let n = std::io::Read::read(&mut stderr, &mut first).unwrap();
    let said = String::from_utf8_lossy(&first[..n]).into_owned();
    assert!(said.contains("waiting for another build"), "{said}");
    assert!(!root.join("public").exists());
    drop(holder);
    assert!(child.wait().unwrap().success());
    assert!(root.join("public/en/index.html").is_file());
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
#[cfg(unix)]
fn a_published_page_gets_the_mode_of_a_written_file_whatever_was_done_to_the_last_one() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = root.join("public");
    let page = out.join("en/index.html");
    build_in(&root, &root, &[], None).assert_success();
    let written = mode(&page);
    for chmod in [0o600, 0o000, 0o777] {
        std::fs::set_permissions(&page, std::fs::Permissions::from_mode(chmod)).unwrap();
        build_in(&root, &root, &[], None).assert_success();
        assert_eq!(mode(&page), written, "after chmod {chmod:o}");
    }
}

#[test]
#[cfg(unix)]
fn a_same_size_edit_of_a_published_page_with_its_time_restored_is_not_published_again() {
    use std::os::unix::fs::FileExt;
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = root.join("public");
    build_in(&root, &root, &[], None).assert_success();
    let expected = list_files(&out);
    let page = out.join("en/visible/index.html");
    let mtime = std::fs::metadata(&page).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    // `dd conv=notrunc` + `touch -r`.
    let f = std::fs::OpenOptions::new().write(true).open(&page).unwrap();
    f.write_all_at(b"<script>alert(1)</script>", 0).unwrap();
    f.set_modified(mtime).unwrap();
    drop(f);
    let r = build_in(&root, &root, &[], None);
    r.assert_success();
    assert_same_tree(&list_files(&out), &expected);
}

#[test]
#[cfg(unix)]
fn a_cache_folder_linked_out_of_the_cache_deletes_and_writes_nothing_there() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    build_in(&root, &root, &[], None).assert_success();
    let expected = list_files(&root.join("public"));
    let victim = tmp.path().join("victim");
    std::fs::create_dir_all(victim.join(".ssh")).unwrap();
    std::fs::write(victim.join(".ssh/id_rsa"), "PRIVATE KEY").unwrap();
    let record = root.join(".waypost-cache/v1/record");
    std::fs::remove_dir_all(&record).unwrap();
    std::os::unix::fs::symlink(victim.join(".ssh"), &record).unwrap();
    let r = run(waypost()
        .env_remove("WAYPOST_NO_CACHE")
        .arg("--root")
        .arg(&root)
        .arg("build"));
    r.assert_success();
    r.stderr_has("symbolic link");
    assert_eq!(names_in(&victim.join(".ssh")), vec!["id_rsa".to_string()]);
    assert_same_tree(&list_files(&root.join("public")), &expected);
}

#[test]
fn empty_cache_variables_count_as_unset_and_contradictions_are_errors() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let r = run(waypost()
        .env("WAYPOST_NO_CACHE", "")
        .env("WAYPOST_CACHE", "")
        .arg("--root")
        .arg(&root)
        .arg("build"));
    r.assert_success();
    assert!(
        root.join(".waypost-cache/CACHEDIR.TAG").is_file(),
        "the default cache"
    );
    let r = run(waypost()
        .arg("--root")
        .arg(&root)
        .args(["build", "--cache", "c", "--no-cache"]));
    r.assert_failure();
    r.stderr_has("cannot be used with");
    let r = run(waypost()
        .env("WAYPOST_NO_CACHE", "maybe")
        .arg("--root")
        .arg(&root)
        .arg("build"));
    r.assert_failure();
    r.stderr_has("WAYPOST_NO_CACHE=maybe");
    let r = run(waypost()
        .env("WAYPOST_NO_CACHE", "1")
        .env("WAYPOST_CACHE", tmp.path().join("c"))
        .arg("--root")
        .arg(&root)
        .arg("build"));
    r.assert_failure();
    r.stderr_has("both set");
}

#[test]
fn a_cache_folder_that_cannot_be_made_is_a_warning_and_the_site_still_builds() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    std::fs::write(tmp.path().join("file"), "").unwrap();
    let r = run(waypost()
        .env_remove("WAYPOST_NO_CACHE")
        .arg("--root")
        .arg(&root)
        .arg("build")
        .arg("--cache")
        .arg(tmp.path().join("file/cache")));
    r.assert_success();
    r.stderr_has("cannot create the build cache");
    r.stderr_lacks("warning: error");
    assert!(root.join("public/en/index.html").is_file());
}

#[test]
fn a_sites_own_file_where_a_compressed_copy_goes_is_an_error_naming_it() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    append_to_site_yaml(&root, "output:\n  precompress: [gzip]\n");
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(
        root.join("static/app.css"),
        "body { margin: 0 }\n".repeat(30),
    )
    .unwrap();
    std::fs::write(root.join("static/app.css.gz"), "my own gzip").unwrap();
    let r = run(waypost().arg("--root").arg(&root).arg("build"));
    r.assert_failure();
    r.stderr_has("static/app.css.gz");
    r.stderr_has("compressed copy of `app.css`");
}

#[test]
fn serve_refuses_a_cache_asked_for_inside_the_sources_as_build_does() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    for command in [&["build"][..], &["serve", "--port", "0"][..]] {
        let r = run(waypost()
            .env_remove("WAYPOST_NO_CACHE")
            .arg("--root")
            .arg(&root)
            .args(command)
            .arg("--cache")
            .arg(root.join("content/en/kc")));
        r.assert_failure();
        r.stderr_has("inside the site's `content`");
        assert!(!root.join("content/en/kc").exists(), "{command:?}");
    }
}
