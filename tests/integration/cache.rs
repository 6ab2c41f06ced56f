//! The build cache (`.waypost-cache`, `--cache`, `--no-cache`): a build that uses it
//! writes the same files, byte for byte, as one without it — after edits of every kind,
//! with damaged entries, with builds running at once — and it keeps only what the last
//! build used.

use std::path::{Path, PathBuf};

use crate::common::*;

/// `waypost --root ROOT -v build --output OUT [extra]` with the cache on.
fn cached_build(root: &Path, out: &Path, extra: &[&str]) -> Run {
    let r = run(waypost()
        .env_remove("WAYPOST_NO_CACHE")
        .arg("--root")
        .arg(root)
        .arg("-v")
        .arg("build")
        .arg("--output")
        .arg(out)
        .args(extra));
    r.assert_success();
    r
}

/// What the build said it did with the cache: (used, made).
fn cache_counts(r: &Run) -> (usize, usize) {
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("build cache:"))
        .unwrap_or_else(|| panic!("no cache line in\n{}", r.stderr));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// The site's files built without the cache.
fn uncached(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let b = build_with(root, &["--no-cache"]);
    b.run.assert_success();
    list_files(&b.out())
}

fn cache_entries(cache: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for kind in ["markdown", "page", "record", "bundle", "state"] {
        let dir = cache.join("v1").join(kind);
        if !dir.is_dir() {
            continue;
        }
        for shard in std::fs::read_dir(&dir).unwrap().flatten() {
            for e in std::fs::read_dir(shard.path()).unwrap().flatten() {
                found.push(e.path());
            }
        }
    }
    found.sort();
    found
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn a_rebuild_with_the_cache_equals_a_build_without_it_after_every_kind_of_edit() {
    // The example site: its content, templates, strings and static files.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    for dir in ["content", "templates", "i18n", "static"] {
        if repo_root().join(dir).is_dir() {
            copy_dir(&repo_root().join(dir), &root.join(dir));
        }
    }
    std::fs::copy(repo_root().join("site.yaml"), root.join("site.yaml")).unwrap();
    let out = tmp.path().join("out");

    let cold = cached_build(&root, &out, &[]);
    assert!(root.join(".waypost-cache/CACHEDIR.TAG").is_file());
    let (_, made_cold) = cache_counts(&cold);
    assert!(
        made_cold > 50,
        "a cold build makes every entry: {made_cold}"
    );
    assert_same_tree(&list_files(&out), &uncached(&root));

    let warm = cached_build(&root, &out, &[]);
    let (used, made) = cache_counts(&warm);
    assert_eq!(made, 0, "nothing changed, nothing is made again");
    assert!(used > 0);
    assert_same_tree(&list_files(&out), &uncached(&root));

    let guide = root.join("content/en/activate-sim/online.md");
    type Step = Box<dyn Fn(&Path)>;
    let steps: Vec<(&str, Step)> = vec![
        (
            "a paragraph added to one guide",
            Box::new(|r: &Path| {
                edit(&r.join("content/en/activate-sim/online.md"), |t| {
                    t + "\nOne more paragraph, written for the cache test.\n"
                })
            }),
        ),
        (
            "a guide's title (every page's sidebar shows it)",
            Box::new(|r: &Path| {
                edit(&r.join("content/en/activate-sim/online.md"), |t| {
                    t.replacen("title:", "title: Renamed —", 1)
                })
            }),
        ),
        (
            "a new URL for a page that others link to (their kept renders link to the old one)",
            Box::new(|r: &Path| {
                edit(&r.join("content/en/activate-sim/online.md"), |t| {
                    t.replacen("title:", "slug: online-moved\ntitle:", 1)
                })
            }),
        ),
        (
            "a new page",
            Box::new(|r: &Path| {
                std::fs::write(
                    r.join("content/en/activate-sim/cache-test.md"),
                    "---\ntitle: Cache test\n---\n\nA page that did not exist.\n",
                )
                .unwrap()
            }),
        ),
        (
            "a deleted page",
            Box::new(|r: &Path| {
                std::fs::remove_file(r.join("content/en/activate-sim/cache-test.md")).unwrap()
            }),
        ),
        (
            "a UI string",
            Box::new(|r: &Path| {
                let i18n = r.join("i18n/en.yaml");
                edit(&i18n, |t| t + "\n# edited by the cache test\n");
                edit(&i18n, |t| t.replacen(": ", ": Edited ", 1));
            }),
        ),
        (
            "a template",
            Box::new(|r: &Path| {
                let base = std::fs::read_to_string(r.join("templates/base.html")).unwrap();
                std::fs::write(
                    r.join("templates/base.html"),
                    base.replacen("</body>", "<!-- cache test --></body>", 1),
                )
                .unwrap();
            }),
        ),
        (
            "site.yaml",
            Box::new(|r: &Path| {
                edit(&r.join("site.yaml"), |t| {
                    t.replacen("review_after_days:", "review_after_days: 3\n# was:", 1)
                })
            }),
        ),
    ];
    assert!(guide.is_file(), "the example site has {}", guide.display());
    for (what, step) in steps {
        step(&root);
        let r = cached_build(&root, &out, &[]);
        let (used, made) = cache_counts(&r);
        assert!(used + made > 0, "{what}: the cache was used");
        let with = list_files(&out);
        let without = uncached(&root);
        if with != without {
            eprintln!("after {what}:");
            assert_same_tree(&with, &without);
        }
    }
}

#[test]
fn one_edited_page_is_the_only_one_made_again() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    // A page with no translations (so no fallback copies) that is indexed.
    let page = root.join("content/en/visible.md");
    edit(&page, |t| t + "\nA paragraph only this page has.\n");
    let r = cached_build(&root, &out, &[]);
    // The page's Markdown, HTML and search record are made again; they and the
    // language's new bundle are written.
    assert_eq!(cache_counts(&r).1, 3, "{}", r.stderr);
    assert!(r.stderr.contains("3 made, 4 written"), "{}", r.stderr);
    assert_same_tree(&list_files(&out), &uncached(&root));
}

fn walk_md(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(walk_md(&p));
        } else if p.extension().is_some_and(|x| x == "md") {
            found.push(p);
        }
    }
    found.sort();
    found
}

#[test]
fn damaged_cache_entries_are_reported_and_never_make_a_wrong_page() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let cache = root.join(".waypost-cache");
    let entries = cache_entries(&cache);
    assert!(entries.len() > 6, "{entries:?}");
    let pages: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.to_string_lossy().contains("/page/"))
        .collect();
    let records: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.to_string_lossy().contains("/record/"))
        .collect();
    let bundles: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.to_string_lossy().contains("/bundle/"))
        .collect();
    assert!(pages.len() >= 3 && records.len() >= 3 && !bundles.is_empty());

    // Truncated, a flipped byte, deleted, emptied, and one page's entry put where
    // another's belongs (a file that is intact but under the wrong name).
    let bytes = std::fs::read(pages[0]).unwrap();
    std::fs::write(pages[0], &bytes[..bytes.len() / 2]).unwrap();
    let mut bytes = std::fs::read(records[0]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    std::fs::write(records[0], bytes).unwrap();
    std::fs::remove_file(records[1]).unwrap();
    // Every bundle emptied, so that each language's records are read.
    for b in &bundles {
        std::fs::write(b, b"").unwrap();
    }
    std::fs::copy(pages[1], pages[2]).unwrap();

    let r = cached_build(&root, &out, &[]);
    let warnings = r
        .stderr
        .lines()
        .filter(|l| l.contains("damaged build cache entry"))
        .count();
    // The two pages (one line for both), the record, every bundle; the deleted record
    // is only missing.
    assert_eq!(warnings, 2 + bundles.len(), "{}", r.stderr);
    assert!(
        r.stderr.contains("and 1 more: damaged build cache entry"),
        "{}",
        r.stderr
    );
    assert_same_tree(&list_files(&out), &uncached(&root));

    // They were made again: the next build is clean and uses them.
    let again = cached_build(&root, &out, &[]);
    again.stderr_lacks("damaged");
    assert_eq!(cache_counts(&again).1, 0, "{}", again.stderr);
}

#[test]
#[cfg(unix)]
fn kept_pages_are_published_as_links_and_a_built_file_edited_in_place_is_made_again() {
    use std::os::unix::fs::MetadataExt;
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let page = out.join("en/visible/index.html");
    let before = std::fs::read(&page).unwrap();
    let r = cached_build(&root, &out, &[]);
    assert_eq!(cache_counts(&r).1, 0, "{}", r.stderr);
    // Every page's file is the cache entry itself (a hard link), not a copy.
    assert_eq!(std::fs::metadata(&page).unwrap().nlink(), 2);
    let inode = std::fs::metadata(&page).unwrap().ino();
    let entry = cache_entries(&root.join(".waypost-cache"))
        .into_iter()
        .find(|e| std::fs::metadata(e).unwrap().ino() == inode);
    assert!(entry.is_some(), "the page's file is a link to an entry");

    // A tool rewrites a built page in place: through the link, the entry changes too.
    std::fs::write(&page, b"<p>rewritten by a post-processing tool</p>").unwrap();
    let r = cached_build(&root, &out, &[]);
    assert!(
        r.stderr.contains("damaged build cache entry"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(&page).unwrap(),
        before,
        "the page is made again"
    );
    assert_same_tree(&list_files(&out), &uncached(&root));
    cached_build(&root, &out, &[]).stderr_lacks("damaged");
}

#[test]
fn a_cache_on_another_file_system_gives_the_same_site() {
    // /dev/shm is a file system of its own on Linux, where links to the output cannot
    // be made: the kept pages are copied (their bytes checked) instead.
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        return;
    }
    let cache = tempfile::tempdir_in(shm).unwrap();
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    let dir = cache.path().join("c");
    let args = ["--cache", dir.to_str().unwrap()];
    cached_build(&root, &out, &args);
    let r = cached_build(&root, &out, &args);
    assert_eq!(cache_counts(&r).1, 0, "{}", r.stderr);
    r.stderr_lacks("damaged");
    assert_same_tree(&list_files(&out), &uncached(&root));
}

#[test]
fn an_index_state_that_cannot_be_read_is_reported_deleted_and_never_makes_a_wrong_index() {
    // Each language's index state is kept, and a rebuild that changes a few pages
    // edits it. A state entry that is intact as a cache entry (its checksum holds) but
    // does not hold a state is reported, deleted, and the index made from the records.
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let states: Vec<PathBuf> = cache_entries(&root.join(".waypost-cache"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("/state/"))
        .collect();
    assert!(states.len() >= 2, "one state per language: {states:?}");
    // A cache entry: magic, key, length, CRC-32, then the payload: the number of
    // records and their keys, then the state.
    const HEADER: usize = 8 + 32 + 8 + 4;
    let rewrite = |path: &Path, f: &dyn Fn(&mut Vec<u8>)| {
        let bytes = std::fs::read(path).unwrap();
        let mut payload = bytes[HEADER..].to_vec();
        f(&mut payload);
        let mut entry = bytes[..40].to_vec();
        entry.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        entry.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        entry.extend_from_slice(&payload);
        std::fs::write(path, entry).unwrap();
    };
    // Every state but the last: its state cut short; the last: nothing after the keys.
    for (n, state) in states.iter().enumerate() {
        rewrite(state, &|payload: &mut Vec<u8>| {
            let records = u64::from_le_bytes(payload[..8].try_into().unwrap()) as usize;
            let keys = 8 + 32 * records;
            if n + 1 < states.len() {
                let cut = keys + (payload.len() - keys) / 2;
                payload.truncate(cut);
            } else {
                payload.truncate(keys);
                payload.extend_from_slice(b"not a state");
            }
        });
    }
    // One page of every language edited, so that every state is read.
    for lang in walk_md(&root.join("content"))
        .into_iter()
        .filter(|p| p.ends_with("visible.md"))
    {
        edit(&lang, |t| format!("{t}\nA new paragraph about kestrels.\n"));
    }
    let r = cached_build(&root, &out, &[]);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("damaged build cache entry (not a search index state"))
        .collect();
    assert_eq!(warnings.len(), states.len(), "{}", r.stderr);
    assert_same_tree(&list_files(&out), &uncached(&root));
    // The states were made again: the next edit edits them, cleanly.
    for lang in walk_md(&root.join("content"))
        .into_iter()
        .filter(|p| p.ends_with("visible.md"))
    {
        edit(&lang, |t| format!("{t}\nAnd another about ospreys.\n"));
    }
    let again = cached_build(&root, &out, &[]);
    again.stderr_lacks("damaged");
    assert!(
        again.stderr.contains("index state read"),
        "{}",
        again.stderr
    );
    assert_same_tree(&list_files(&out), &uncached(&root));
}

#[test]
fn edits_in_several_places_edit_the_kept_index_state_and_give_the_uncached_index() {
    // Build after build, pages edited in different places, added and removed: the
    // kept state is edited (the changes since it was made, in several runs), and the
    // index is the one a build without the cache makes.
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let en = root.join("content/en");
    let pages = walk_md(&en);
    let steps: Vec<Box<dyn Fn()>> = vec![
        Box::new(|| edit(&pages[0], |t| format!("{t}\nFirst edit: está aquí.\n"))),
        Box::new(|| {
            let last = pages.last().unwrap();
            edit(last, |t| {
                format!("{t}\nSecond edit, elsewhere: ésta café.\n")
            })
        }),
        Box::new(|| {
            std::fs::write(
                en.join("added.md"),
                "---\ntitle: Added page\n---\nEsta página es nueva.\n",
            )
            .unwrap()
        }),
        Box::new(|| std::fs::remove_file(en.join("added.md")).unwrap()),
        Box::new(|| edit(&pages[0], |t| t.replace("First edit: está aquí.", ""))),
    ];
    for (n, step) in steps.iter().enumerate() {
        step();
        let r = cached_build(&root, &out, &[]);
        assert!(
            r.stderr.contains("search en: index state read"),
            "step {n}: {}",
            r.stderr
        );
        assert_same_tree(&list_files(&out), &uncached(&root));
    }
}

#[test]
fn entries_no_build_uses_are_deleted_and_the_cache_does_not_grow() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let first = cache_entries(&root.join(".waypost-cache")).len();
    let page = walk_md(&root.join("content"))
        .into_iter()
        .find(|p| !p.ends_with("_index.md"))
        .unwrap();
    for n in 0..5 {
        edit(&page, |t| format!("{t}\nEdit number {n}.\n"));
        cached_build(&root, &out, &[]);
    }
    assert_eq!(
        cache_entries(&root.join(".waypost-cache")).len(),
        first,
        "each edit replaces the page's entries"
    );
    // A left-over temporary file of an interrupted build is kept while it is recent.
    let shard = cache_entries(&root.join(".waypost-cache"))[0]
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::write(shard.join(".tmp-1-1"), b"partial").unwrap();
    cached_build(&root, &out, &[]);
    assert!(shard.join(".tmp-1-1").exists());
}

#[test]
fn builds_running_at_once_share_the_cache_without_damaging_it() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let spawn = |n: usize| {
        waypost()
            .env_remove("WAYPOST_NO_CACHE")
            .arg("--root")
            .arg(&root)
            .arg("-q")
            .arg("build")
            .arg("--output")
            .arg(tmp.path().join(format!("out{n}")))
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..3).map(spawn).collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let expected = uncached(&root);
    for n in 0..3 {
        assert_same_tree(&list_files(&tmp.path().join(format!("out{n}"))), &expected);
    }
    let out = tmp.path().join("out");
    let r = cached_build(&root, &out, &[]);
    r.stderr_lacks("damaged");
    assert_same_tree(&list_files(&out), &expected);
}

#[test]
fn a_cache_written_by_another_waypost_binary_is_not_used() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    // The same program, built at another time (another executable).
    let other = tmp.path().join("waypost-other");
    std::fs::copy(env!("CARGO_BIN_EXE_waypost"), &other).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = run(std::process::Command::new(&other)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .args(["-v", "--root"])
        .arg(&root)
        .args(["build", "--output"])
        .arg(&out));
    r.assert_success();
    assert_eq!(cache_counts(&r).0, 0, "{}", r.stderr);
}

#[test]
fn no_cache_reads_and_writes_none_and_an_unwritable_site_folder_still_builds() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    let r = run(waypost()
        .arg("--root")
        .arg(&root)
        .args(["-v", "build", "--no-cache", "--output"])
        .arg(&out));
    r.assert_success();
    r.stderr_lacks("build cache");
    assert!(!root.join(".waypost-cache").exists());

    // The default cache cannot be made: a warning, and the site builds.
    std::fs::write(root.join(".waypost-cache"), b"a file in the way").unwrap();
    let r = cached_build(&root, &out, &[]);
    r.stderr_has("cannot create the build cache");
    r.stderr_has("goes on without it");
    r.stderr_lacks("warning: error");
    assert_same_tree(&list_files(&out), &uncached(&root));
}

#[test]
fn a_cache_folder_inside_the_sources_or_the_output_is_refused() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    let build_with_cache_in = |dir: &Path| {
        run(waypost()
            .env_remove("WAYPOST_NO_CACHE")
            .arg("--root")
            .arg(&root)
            .args(["build", "--output"])
            .arg(&out)
            .arg("--cache")
            .arg(dir))
    };
    for (dir, says) in [
        (root.join("content/cache"), "inside the site's `content`"),
        (root.clone(), "the site's folder"),
        (tmp.path().to_path_buf(), "the site's folder or holds it"),
        (out.join("cache"), "overlap"),
    ] {
        let r = build_with_cache_in(&dir);
        r.assert_failure();
        r.stderr_has(says);
        r.stderr_has("--no-cache");
        assert!(!out.exists(), "nothing was built");
        assert!(!root.join("content/cache").exists());
    }
    // A folder with other files in it is not taken over (nor tagged for backups to skip).
    let documents = tmp.path().join("documents");
    std::fs::create_dir_all(&documents).unwrap();
    std::fs::write(documents.join("notes.txt"), "mine").unwrap();
    let r = build_with_cache_in(&documents);
    r.assert_failure();
    r.stderr_has("not a waypost build cache");
    assert_eq!(names_in(&documents), vec!["notes.txt".to_string()]);
    assert!(!out.exists());

    // Anywhere else is fine, and --cache comes from WAYPOST_CACHE too (CI).
    let elsewhere = tmp.path().join("ci-cache");
    let r = run(waypost()
        .env_remove("WAYPOST_NO_CACHE")
        .env("WAYPOST_CACHE", &elsewhere)
        .arg("--root")
        .arg(&root)
        .args(["build", "--output"])
        .arg(&out));
    r.assert_success();
    assert!(elsewhere.join("v1").is_dir());
    assert!(!root.join(".waypost-cache").exists());
}

#[test]
fn pages_of_templates_that_ask_for_the_time_are_never_taken_from_the_cache() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let page = std::fs::read_to_string(repo_root().join("templates/page.html")).unwrap();
    std::fs::write(
        root.join("templates/page.html"),
        page.replacen(
            "{% block content %}",
            "{% block content %}{{ now() | date(format=\"%Y\") }}",
            1,
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let pages = cache_entries(&root.join(".waypost-cache"))
        .iter()
        .filter(|p| p.to_string_lossy().contains("/page/"))
        .count();
    assert_eq!(pages, 0, "no page is kept");
}

#[test]
fn removing_or_restoring_any_one_page_gives_the_uncached_index() {
    // Whether the page is first, in the middle or last among its language's indexed
    // pages, the index is made again from the kept records of the others.
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    for page in walk_md(&root.join("content/en")) {
        let text = std::fs::read_to_string(&page).unwrap();
        std::fs::remove_file(&page).unwrap();
        cached_build(&root, &out, &[]);
        assert_same_tree(&list_files(&out), &uncached(&root));
        std::fs::write(&page, text).unwrap();
        cached_build(&root, &out, &[]);
        assert_same_tree(&list_files(&out), &uncached(&root));
    }
}

/// Waits until the site's sources are older than a build trusts by their metadata
/// alone (`unchanged::RACY`, 2 s): a build right after an edit checks everything.
fn let_sources_settle() {
    std::thread::sleep(std::time::Duration::from_millis(2200));
}

#[test]
fn a_build_that_changes_nothing_reads_no_page_and_leaves_the_output_as_it_is() {
    use std::os::unix::fs::MetadataExt;
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    let_sources_settle();
    cached_build(&root, &out, &[]);
    let page = out.join("en/visible/index.html");
    let inode = std::fs::metadata(&page).unwrap().ino();
    let before = list_files(&out);
    let r = cached_build(&root, &out, &[]);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert!(!r.stderr.contains("rendered and wrote"), "{}", r.stderr);
    assert_eq!(
        std::fs::metadata(&page).unwrap().ino(),
        inode,
        "not written again"
    );
    assert_eq!(list_files(&out), before);
    // Other options are another build.
    let r = cached_build(&root, &out, &["--drafts"]);
    r.stderr_lacks("nothing changed");
    let r = cached_build(&root, &out, &[]);
    r.stderr_lacks("nothing changed");
    assert_same_tree(&list_files(&out), &uncached(&root));
    let r = cached_build(&root, &out, &[]);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
}

#[test]
fn an_edit_a_new_file_a_touched_output_or_a_damaged_entry_is_never_skipped() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    let cache = root.join(".waypost-cache");
    let_sources_settle();
    cached_build(&root, &out, &[]);
    let unchanged = |what: &str| {
        let r = cached_build(&root, &out, &[]);
        assert!(r.stderr.contains("nothing changed"), "{what}: {}", r.stderr);
    };
    let rebuilt = |what: &str| {
        let r = cached_build(&root, &out, &[]);
        assert!(
            !r.stderr.contains("nothing changed"),
            "{what}: {}",
            r.stderr
        );
        assert_same_tree(&list_files(&out), &uncached(&root));
        // A build made from sources edited a moment before it is not trusted (it is
        // not recorded); once they are older, the next build records, and the one
        // after changes nothing.
        let_sources_settle();
        cached_build(&root, &out, &[]);
        unchanged(what);
    };
    unchanged("first");
    // The same bytes written again: new times, so checked.
    let page = root.join("content/en/visible.md");
    let text = std::fs::read(&page).unwrap();
    std::fs::write(&page, &text).unwrap();
    rebuilt("rewritten source");
    edit(&page, |t| t + "\nOne more sentence.\n");
    rebuilt("edited source");
    std::fs::write(
        root.join("content/en/new.md"),
        "---\ntitle: New\n---\nNew page.\n",
    )
    .unwrap();
    rebuilt("new source");
    assert!(out.join("en/new/index.html").is_file());
    std::fs::remove_file(out.join("en/new/index.html")).unwrap();
    rebuilt("removed output file");
    assert!(out.join("en/new/index.html").is_file(), "put back");
    std::fs::write(out.join("stray.txt"), "x").unwrap();
    rebuilt("stray output file");
    assert!(!out.join("stray.txt").exists());
    let state = cache_entries(&cache)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("/state/"))
        .expect("a kept index state");
    std::fs::write(&state, b"garbage").unwrap();
    let r = cached_build(&root, &out, &[]);
    r.stderr_lacks("nothing changed");
    assert_same_tree(&list_files(&out), &uncached(&root));
}

#[test]
fn a_build_with_warnings_is_never_skipped_so_they_show_every_time() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    edit(&root.join("site.yaml"), |t| {
        t + "links:\n  missing_page: warn\n"
    });
    std::fs::write(
        root.join("content/en/warned.md"),
        "---\ntitle: Warned\n---\nSee [nowhere](no-such-page.md).\n",
    )
    .unwrap();
    let_sources_settle();
    let first = cached_build(&root, &out, &[]);
    assert!(first.stderr.contains("no-such-page"), "{}", first.stderr);
    for _ in 0..2 {
        let r = cached_build(&root, &out, &[]);
        r.stderr_lacks("nothing changed");
        assert!(r.stderr.contains("no-such-page"), "{}", r.stderr);
    }
}

#[test]
fn an_edit_rebuild_writes_only_the_files_that_change_and_removes_those_gone() {
    use std::os::unix::fs::MetadataExt;
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    edit(&root.join("site.yaml"), |t| {
        t + "output:\n  precompress: [gzip]\n"
    });
    cached_build(&root, &out, &[]);
    let ino = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
    let other = "ca/visible/index.html";
    let (other_ino, other_gz) = (ino(other), ino(&format!("{other}.gz")));
    let edited = "en/visible/index.html";
    let edited_ino = ino(edited);

    edit(&root.join("content/en/visible.md"), |t| {
        t + "\nA paragraph only this page has.\n"
    });
    let r = cached_build(&root, &out, &[]);
    assert!(
        r.stderr.contains("updated the output in place"),
        "{}",
        r.stderr
    );
    assert_eq!(
        ino(other),
        other_ino,
        "an unchanged page is not written again"
    );
    assert_eq!(
        ino(&format!("{other}.gz")),
        other_gz,
        "nor its compressed copy"
    );
    assert_ne!(ino(edited), edited_ino, "the edited page is");
    assert!(std::fs::read_to_string(out.join(edited))
        .unwrap()
        .contains("A paragraph only this page has."));
    assert_same_tree(&list_files(&out), &uncached(&root));

    // A page taken away: its file, its compressed copy and its folder go.
    std::fs::remove_file(root.join("content/en/hidden.md")).unwrap();
    let r = cached_build(&root, &out, &[]);
    assert!(
        r.stderr.contains("updated the output in place"),
        "{}",
        r.stderr
    );
    assert!(!out.join("en/hidden").exists());
    assert_same_tree(&list_files(&out), &uncached(&root));

    // Compression turned off: every compressed copy goes.
    edit(&root.join("site.yaml"), |t| {
        t.replace("  precompress: [gzip]\n", "")
    });
    cached_build(&root, &out, &[]);
    assert!(!out.join(format!("{other}.gz")).exists());
    assert_same_tree(&list_files(&out), &uncached(&root));
}

#[test]
fn an_output_touched_since_the_last_build_is_written_whole_not_updated() {
    let tmp = copy_site(&fixture("search"));
    let root = tmp.path().join("site");
    let out = tmp.path().join("out");
    cached_build(&root, &out, &[]);
    let page = root.join("content/en/visible.md");
    let published = out.join("ca/visible/index.html");
    type Touch<'a> = Box<dyn Fn() + 'a>;
    let touch: Vec<(&str, Touch)> = vec![
        (
            "a file added",
            Box::new(|| std::fs::write(out.join("stray.txt"), "x").unwrap()),
        ),
        (
            "a published file edited to the same size",
            Box::new(|| {
                let text = std::fs::read_to_string(&published).unwrap();
                std::fs::write(&published, text.replacen("<", "(", 1)).unwrap();
            }),
        ),
        (
            "a published file removed",
            Box::new(|| std::fs::remove_file(&published).unwrap()),
        ),
    ];
    for (what, touch) in touch {
        touch();
        edit(&page, |t| t + "\nOne more sentence.\n");
        let r = cached_build(&root, &out, &[]);
        assert!(
            r.stderr.contains("replaced the previous output"),
            "{what}: {}",
            r.stderr
        );
        assert!(!out.join("stray.txt").exists(), "{what}");
        assert_same_tree(&list_files(&out), &uncached(&root));
    }
}
