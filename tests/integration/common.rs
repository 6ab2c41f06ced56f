//! Shared helpers: run the real `waypost` binary as a subprocess, build sites into
//! temporary folders, read and compare what was written.
//!
//! Nothing here writes inside `tests/fixtures/`: every build goes to a temporary folder,
//! and a test that needs to change a site copies the fixture first ([`copy_site`]).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use tempfile::TempDir;

/// A fixed `SOURCE_DATE_EPOCH` (2026-11-20T00:00:00Z) so that "today" (review notices) is
/// the same for every run.
pub(crate) const SOURCE_DATE_EPOCH: &str = "1795132800";

/// The repository root: the example site and the crate.
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<name>`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests").join("fixtures").join(name)
}

/// A `waypost` command with a fixed clock, no inherited logging settings, and no
/// build cache (fixtures are built in place; `cache.rs` tests the cache).
pub(crate) fn waypost() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_waypost"));
    cmd.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("WAYPOST_NO_CACHE", "1")
        .env_remove("WAYPOST_CACHE")
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE");
    cmd
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    /// How it exited.
    pub status: ExitStatus,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error (logs and error messages).
    pub stderr: String,
}

impl Run {
    /// Asserts exit code 0.
    #[track_caller]
    pub(crate) fn assert_success(&self) -> &Self {
        assert!(
            self.status.success(),
            "waypost failed ({:?})\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.status,
            self.stderr,
            self.stdout
        );
        assert_no_panic(&self.stderr);
        self
    }

    /// Asserts a clean failure: a non-zero exit code (not a crash by signal), an error
    /// message, and no panic.
    #[track_caller]
    pub(crate) fn assert_failure(&self) -> &Self {
        assert!(
            !self.status.success(),
            "waypost succeeded but should have failed\n--- stderr ---\n{}",
            self.stderr
        );
        assert!(
            self.status.code().is_some_and(|c| c != 0),
            "waypost did not exit with an exit code ({:?}): a crash?\n--- stderr ---\n{}",
            self.status,
            self.stderr
        );
        assert_no_panic(&self.stderr);
        assert!(
            self.stderr.contains("error"),
            "a failed run must say `error` on stderr:\n{}",
            self.stderr
        );
        self
    }

    /// Asserts stderr contains `needle`.
    #[track_caller]
    pub(crate) fn stderr_has(&self, needle: &str) -> &Self {
        assert_contains(&self.stderr, needle, "stderr");
        self
    }

    /// Asserts stderr does not contain `needle`.
    #[track_caller]
    pub(crate) fn stderr_lacks(&self, needle: &str) -> &Self {
        assert_not_contains(&self.stderr, needle, "stderr");
        self
    }
}

/// Runs a command to completion and captures its output.
#[track_caller]
pub(crate) fn run(cmd: &mut Command) -> Run {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `waypost` with `args`.
#[track_caller]
pub(crate) fn waypost_run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(waypost().args(args))
}

/// A build into a fresh temporary folder: the output is `<tmp>/public`.
pub(crate) struct Built {
    /// The temporary folder (removed when dropped).
    pub tmp: TempDir,
    /// The run.
    pub run: Run,
}

impl Built {
    /// The output folder.
    pub(crate) fn out(&self) -> PathBuf {
        self.tmp.path().join("public")
    }

    /// Path of an output file.
    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.out().join(rel)
    }

    /// Whether an output file exists.
    pub(crate) fn exists(&self, rel: &str) -> bool {
        self.path(rel).is_file()
    }

    /// Reads an output file as text, failing the test if it is missing.
    #[track_caller]
    pub(crate) fn read(&self, rel: &str) -> String {
        let p = self.path(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| {
            panic!(
                "cannot read output file {rel}: {e}\noutput files:\n{}",
                list_files(&self.out())
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    /// Asserts an output file exists.
    #[track_caller]
    pub(crate) fn assert_file(&self, rel: &str) -> &Self {
        assert!(
            self.exists(rel),
            "expected output file {rel}; output files:\n{}",
            list_files(&self.out())
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        self
    }

    /// Asserts an output file does not exist.
    #[track_caller]
    pub(crate) fn assert_no_file(&self, rel: &str) -> &Self {
        assert!(
            !self.path(rel).exists(),
            "output file {rel} should not exist"
        );
        self
    }
}

/// Builds the site at `root` into `<tmp>/public` with extra `build` arguments.
#[track_caller]
pub(crate) fn build_with(root: &Path, extra: &[&str]) -> Built {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let out = tmp.path().join("public");
    let run = run(waypost()
        .arg("--root")
        .arg(root)
        .arg("build")
        .arg("--output")
        .arg(&out)
        .args(extra));
    Built { tmp, run }
}

/// Builds the site at `root` and asserts success.
#[track_caller]
pub(crate) fn build_ok(root: &Path) -> Built {
    let b = build_with(root, &[]);
    b.run.assert_success();
    b
}

/// Builds the fixture `tests/fixtures/<name>` and asserts success.
#[track_caller]
pub(crate) fn build_fixture(name: &str) -> Built {
    build_ok(&fixture(name))
}

/// Builds a site that must fail; asserts a clean failure and that nothing was written.
#[track_caller]
pub(crate) fn build_fails(root: &Path) -> Run {
    let b = build_with(root, &[]);
    b.run.assert_failure();
    assert!(
        !b.out().exists(),
        "a failed build must not write the output folder"
    );
    b.run
}

/// Copies a site into a new temporary folder (to change it without touching the
/// fixture); returns the folder, the site being `<tmp>/site`.
pub(crate) fn copy_site(src: &Path) -> TempDir {
    let tmp = tempfile::tempdir().expect("temporary folder");
    copy_dir(src, &tmp.path().join("site"));
    tmp
}

/// The example site (content, templates, i18n, static, site.yaml) in a temporary folder.
pub(crate) fn example_site_copy() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["content", "templates", "i18n", "static"] {
        if repo_root().join(sub).is_dir() {
            copy_dir(&repo_root().join(sub), &dir.path().join(sub));
        }
    }
    std::fs::copy(repo_root().join("site.yaml"), dir.path().join("site.yaml")).unwrap();
    dir
}

/// Copies a folder tree.
pub(crate) fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap_or_else(|e| panic!("create {}: {e}", dst.display()));
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.expect("folder entry");
        let from = entry.path();
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&from, &to);
        } else {
            std::fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("copy {} → {}: {e}", from.display(), to.display()));
        }
    }
}

/// Every file under `dir`: `/`-separated relative path → bytes.
pub(crate) fn list_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("under base")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&p).expect("read output file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts that two trees hold the same files with the same bytes, naming the first
/// difference.
#[track_caller]
pub(crate) fn assert_same_tree(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let ka: Vec<&String> = a.keys().collect();
    let kb: Vec<&String> = b.keys().collect();
    if ka != kb {
        let only_a: Vec<_> = ka.iter().filter(|k| !b.contains_key(**k)).collect();
        let only_b: Vec<_> = kb.iter().filter(|k| !a.contains_key(**k)).collect();
        panic!(
            "the file lists differ\nonly in the first: {only_a:?}\nonly in the second: {only_b:?}"
        );
    }
    for (k, va) in a {
        let vb = &b[k];
        if va != vb {
            let at = va
                .iter()
                .zip(vb.iter())
                .position(|(x, y)| x != y)
                .unwrap_or(va.len().min(vb.len()));
            let show = |v: &[u8]| {
                String::from_utf8_lossy(&v[at.saturating_sub(60)..(at + 60).min(v.len())])
                    .into_owned()
            };
            panic!(
                "{k} differs at byte {at} (sizes {} and {})\nfirst:  …{}…\nsecond: …{}…",
                va.len(),
                vb.len(),
                show(va),
                show(vb)
            );
        }
    }
}

/// Asserts `hay` contains `needle`, showing `hay` when not.
#[track_caller]
pub(crate) fn assert_contains(hay: &str, needle: &str, what: &str) {
    assert!(
        hay.contains(needle),
        "{what} should contain\n    {needle}\nbut is:\n{hay}"
    );
}

/// Asserts `hay` does not contain `needle`.
#[track_caller]
pub(crate) fn assert_not_contains(hay: &str, needle: &str, what: &str) {
    assert!(
        !hay.contains(needle),
        "{what} should not contain\n    {needle}\nbut is:\n{hay}"
    );
}

/// Asserts no panic message is on stderr.
#[track_caller]
pub(crate) fn assert_no_panic(stderr: &str) {
    assert!(!stderr.contains("panicked"), "waypost panicked:\n{stderr}");
}

/// The text between the first `start` and the next `end` after it (exclusive).
#[track_caller]
pub(crate) fn between<'a>(hay: &'a str, start: &str, end: &str) -> &'a str {
    let i = hay
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found in:\n{hay}"));
    let rest = &hay[i + start.len()..];
    let j = rest
        .find(end)
        .unwrap_or_else(|| panic!("`{end}` not found after `{start}` in:\n{hay}"));
    &rest[..j]
}

/// The body HTML of a page built with the built-in templates: what is inside the
/// `<div class="content" …>` element (nested `<div>`s such as callouts included).
#[track_caller]
pub(crate) fn content_of(page: &str) -> &str {
    let i = page
        .find("<div class=\"content\"")
        .unwrap_or_else(|| panic!("no content div in:\n{page}"));
    let rest = &page[i..];
    let body_start = rest.find('>').expect("end of the div tag") + 1;
    let body = &rest[body_start..];
    let mut depth = 0usize;
    let mut at = 0;
    loop {
        let open = body[at..].find("<div").map(|j| at + j);
        let close = body[at..]
            .find("</div>")
            .map(|j| at + j)
            .unwrap_or_else(|| panic!("no end of the content div in:\n{page}"));
        match open {
            Some(o) if o < close => {
                depth += 1;
                at = o + 4;
            }
            _ if depth == 0 => return &body[..close],
            _ => {
                depth -= 1;
                at = close + 6;
            }
        }
    }
}

/// The whole start tag (`<a …>`) that contains `needle`, if any.
pub(crate) fn tag_containing<'a>(html: &'a str, needle: &str) -> Option<&'a str> {
    let i = html.find(needle)?;
    let start = html[..i].rfind('<')?;
    let end = i + html[i..].find('>')? + 1;
    Some(&html[start..end])
}

/// The `href` of the link with `rel="<rel>"` (prev, next), if any.
pub(crate) fn href_of_rel(html: &str, rel: &str) -> Option<String> {
    let tag = tag_containing(html, &format!("rel=\"{rel}\""))?;
    attr_values(tag, "href").first().map(|s| s.to_string())
}

/// Byte offset of `needle` in `hay`, failing the test when absent.
#[track_caller]
pub(crate) fn position(hay: &str, needle: &str) -> usize {
    hay.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not found in:\n{hay}"))
}

/// Every `.html` output file (relative path → text).
pub(crate) fn html_files(out: &Path) -> BTreeMap<String, String> {
    list_files(out)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect()
}

/// The value of every `attr="…"` attribute in `html`.
pub(crate) fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&pat) {
        rest = &rest[i + pat.len()..];
        let j = rest.find('"').unwrap_or(rest.len());
        out.push(&rest[..j]);
        rest = &rest[j..];
    }
    out
}

/// `%E4%B8%AD` → `中`; invalid sequences are kept as written.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An English-only site in a temporary folder: a `site.yaml` and `files` (path under
/// the site root, contents), folders made as needed.
pub(crate) fn english_site<P: AsRef<Path>, C: AsRef<[u8]>>(
    files: impl IntoIterator<Item = (P, C)>,
) -> TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(
        root.join("site.yaml"),
        "title: Test site\nbase_url: https://test.example.org/\nlanguages:\n  - code: en\n    name: English\n",
    )
    .unwrap();
    for (path, contents) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    tmp
}

/// Appends `text` (top-level keys) to the site.yaml of the site at `root`.
pub(crate) fn append_to_site_yaml(root: &Path, text: &str) {
    let yaml = root.join("site.yaml");
    let mut s = std::fs::read_to_string(&yaml).expect("read site.yaml");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s.push_str(text);
    std::fs::write(&yaml, s).expect("write site.yaml");
}

/// The names of the entries of `dir`, sorted.
pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
