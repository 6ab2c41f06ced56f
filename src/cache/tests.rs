//! Unit tests of the build cache: entries, page stamps and links, bundles, keys.

use super::stamp::{decode as decode_stamps, encode as encode_stamps};
use super::*;

fn open() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    (dir, cache)
}

#[test]
fn a_stored_entry_is_found_by_the_next_build_and_unused_ones_are_pruned() {
    let (dir, cache) = open();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    let b = cache.hasher(Kind::Record).field(b"b").key();
    cache.put(Kind::Record, &a, b"<p>a</p>");
    cache.put(Kind::Record, &b, b"<p>b</p>");
    cache.finish();
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert_eq!(
        cache.get(Kind::Record, &a).as_deref(),
        Some(&b"<p>a</p>"[..])
    );
    let (warnings, stats) = cache.finish();
    assert!(warnings.is_empty());
    assert_eq!((stats.hits, stats.pruned), (1, 1));
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert_eq!(cache.get(Kind::Record, &b), None);
}

/// Puts `html` under `key` and places it in `out` as `name`; returns the path.
fn publish(cache: &Cache, key: &Key, html: &[u8], out: &Path, name: &str) -> PathBuf {
    let kept = cache.put_page(key, html).expect("the cache can be written");
    let target = out.join(name);
    kept.place(&target).unwrap();
    target
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

#[test]
#[cfg(unix)]
fn a_kept_page_is_published_as_a_link_to_its_entry_and_found_by_the_next_build() {
    let (dir, cache) = open();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let a = cache.hasher(Kind::Page).field(b"a").key();
    let b = cache.hasher(Kind::Page).field(b"b").key();
    let first = publish(&cache, &a, b"<p>a</p>", &out, "a1.html");
    publish(&cache, &b, b"<p>b</p>", &out, "b1.html");
    assert_eq!(std::fs::read(&first).unwrap(), b"<p>a</p>");
    assert_eq!(
        inode(&first),
        inode(&cache.path(Kind::Page, &a)),
        "a link, not a copy"
    );
    cache.finish();

    // The next build finds `a` by its stamp and publishes the same file again.
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    let kept = cache.page(&a).expect("kept");
    kept.place(&out.join("a2.html")).unwrap();
    assert_eq!(inode(&out.join("a2.html")), inode(&first));
    assert_eq!(kept.read().unwrap(), b"<p>a</p>");
    let (warnings, stats) = cache.finish();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!((stats.hits, stats.pruned), (1, 1));
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert!(cache.page(&b).is_none(), "pruned");
    assert!(
        cache.page(&a).is_some(),
        "stamps are kept for the pages used"
    );
}

#[test]
fn a_page_changed_through_its_published_link_is_reported_once_and_made_again() {
    let (dir, cache) = open();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let keys: Vec<Key> = (0..3u8)
        .map(|n| cache.hasher(Kind::Page).field(&[n]).key())
        .collect();
    let published: Vec<PathBuf> = keys
        .iter()
        .enumerate()
        .map(|(n, k)| publish(&cache, k, b"<p>same size</p>", &out, &format!("{n}.html")))
        .collect();
    cache.finish();
    // A tool rewrites two built files in place (same size; the time moves on).
    std::thread::sleep(std::time::Duration::from_millis(20));
    for p in &published[..2] {
        std::fs::write(p, b"<p>SAME SIZE</p>").unwrap();
    }
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert!(cache.page(&keys[0]).is_none());
    assert!(cache.page(&keys[1]).is_none());
    assert!(cache.page(&keys[2]).is_some());
    assert!(!cache.path(Kind::Page, &keys[0]).exists(), "deleted");
    let (warnings, stats) = cache.finish();
    assert_eq!(warnings.len(), 1, "one warning for all: {warnings:?}");
    assert!(
        warnings[0].contains("damaged build cache entry"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("and 1 more"), "{warnings:?}");
    assert_eq!((stats.hits, stats.misses), (1, 2));
}

#[test]
fn a_page_entry_written_again_with_the_same_bytes_is_still_used() {
    let (dir, cache) = open();
    let a = cache.hasher(Kind::Page).field(b"a").key();
    cache.put_page(&a, b"<p>a</p>").unwrap();
    cache.finish();
    // Another build renamed its own copy over the entry: a new inode, same bytes.
    let path = Cache::open(&dir.path().join("c"))
        .unwrap()
        .path(Kind::Page, &a);
    let copy = path.with_extension("copy");
    std::fs::write(&copy, b"<p>a</p>").unwrap();
    std::fs::rename(&copy, &path).unwrap();
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    let kept = cache.page(&a).expect("still good");
    assert_eq!(kept.read().unwrap(), b"<p>a</p>");
    let (warnings, stats) = cache.finish();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(stats.hits, 1);
    // Its new stamp was kept: the next build takes the fast path.
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert_eq!(cache.stamps().get(&a).map(|s| s.ino()), {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(std::fs::metadata(&path).unwrap().ino())
        }
        #[cfg(not(unix))]
        {
            Some(0)
        }
    });
}

#[test]
fn a_kept_page_whose_bytes_changed_is_never_copied() {
    let (dir, cache) = open();
    let a = cache.hasher(Kind::Page).field(b"a").key();
    let kept = cache.put_page(&a, b"<p>a</p>").unwrap();
    std::fs::write(cache.path(Kind::Page, &a), b"<p>b</p>").unwrap();
    let err = kept.read().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    // Placing it cannot link the stamped file any more, and will not copy other bytes.
    assert!(kept.place(&dir.path().join("x.html")).is_err());
}

#[test]
fn page_stamps_survive_encoding_and_garbage_is_not_stamps() {
    let (_dir, cache) = open();
    let mut stamps = HashMap::new();
    for n in 0..5u8 {
        stamps.insert(
            cache.hasher(Kind::Page).field(&[n]).key(),
            Stamp::made_up(n),
        );
    }
    let bytes = encode_stamps(&stamps);
    assert_eq!(decode_stamps(&bytes), Some(stamps));
    for cut in [0, 7, 8, bytes.len() - 1] {
        assert_eq!(decode_stamps(&bytes[..cut]), None, "cut at {cut}");
    }
    let mut flipped = bytes.clone();
    flipped[20] ^= 1;
    assert_eq!(decode_stamps(&flipped), None);
}

#[test]
fn a_streamed_entry_reads_back_whole_and_is_checked_like_any_other() {
    let (_dir, cache) = open();
    let a = cache.hasher(Kind::State).field(b"a").key();
    let size = cache.put_streamed(Kind::State, &a, |out| {
        for part in [&b"head"[..], b"", b"shard one", b"shard two"] {
            out(part)?;
        }
        Ok(())
    });
    assert_eq!(size, 22);
    assert_eq!(
        cache.get(Kind::State, &a).as_deref(),
        Some(&b"headshard oneshard two"[..])
    );
    // Its header's length and checksum are those of what was streamed.
    let path = cache.path(Kind::State, &a);
    let mut bytes = std::fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(cache.get(Kind::State, &a), None);
    // A failing producer leaves no entry.
    let b = cache.hasher(Kind::State).field(b"b").key();
    let size = cache.put_streamed(Kind::State, &b, |out| {
        out(b"part")?;
        Err(std::io::Error::other("the producer failed"))
    });
    assert_eq!(size, 0);
    assert!(!cache.path(Kind::State, &b).exists());
}

#[test]
fn a_damaged_entry_is_reported_deleted_and_never_used() {
    let (_dir, cache) = open();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    for damage in [
        |b: &mut Vec<u8>| b.truncate(b.len() - 1),
        |b: &mut Vec<u8>| *b.last_mut().unwrap() ^= 1,
        |b: &mut Vec<u8>| b.truncate(3),
        |b: &mut Vec<u8>| b[9] ^= 1,
    ] {
        cache.put(Kind::Record, &a, b"payload");
        let path = cache.path(Kind::Record, &a);
        let mut bytes = std::fs::read(&path).unwrap();
        damage(&mut bytes);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(cache.get(Kind::Record, &a), None);
        assert!(!path.exists());
    }
    let (warnings, _) = cache.finish();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings[0].contains("damaged build cache entry"));
}

#[test]
fn keys_differ_by_kind_and_by_field_boundaries() {
    let (_dir, cache) = open();
    let ab_c = cache.hasher(Kind::Page).field(b"ab").field(b"c").key();
    let a_bc = cache.hasher(Kind::Page).field(b"a").field(b"bc").key();
    let record = cache.hasher(Kind::Record).field(b"ab").field(b"c").key();
    assert_ne!(ab_c, a_bc);
    assert_ne!(ab_c, record);
}

#[test]
fn values_that_differ_in_any_part_have_different_keys() {
    let (_dir, cache) = open();
    let key = |v: serde_json::Value| cache.hasher(Kind::Page).value(&v).key();
    let values = [
        serde_json::json!(null),
        serde_json::json!(false),
        serde_json::json!(0),
        serde_json::json!(0.5),
        serde_json::json!(""),
        serde_json::json!("0"),
        serde_json::json!([]),
        serde_json::json!([""]),
        serde_json::json!({}),
        serde_json::json!({"a": ""}),
        serde_json::json!({"a": "", "b": ""}),
        serde_json::json!({"ab": ""}),
        serde_json::json!([["a"], "b"]),
        serde_json::json!([["a", "b"]]),
    ];
    let keys: std::collections::HashSet<Key> = values.iter().cloned().map(key).collect();
    assert_eq!(keys.len(), values.len());
    assert_eq!(key(values[10].clone()), key(values[10].clone()));
}

#[test]
#[cfg(unix)]
fn a_link_planted_for_a_folder_of_the_cache_is_removed_and_its_target_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("id_rsa"), "secret").unwrap();
    let c = dir.path().join("c");
    // A cache restored from elsewhere: its record folder, and one shard of the page
    // folder, are links to the victim's folder; one entry is a link to a file of it.
    Cache::open(&c).unwrap().finish();
    std::fs::remove_dir(c.join("v1/record")).unwrap();
    std::os::unix::fs::symlink(&victim, c.join("v1/record")).unwrap();
    let cache = Cache::open(&c).unwrap();
    let a = cache.hasher(Kind::Page).field(b"a").key();
    let b = cache.hasher(Kind::Markdown).field(b"b").key();
    let shard = cache.dir.join("page").join(&a.hex()[..2]);
    std::os::unix::fs::symlink(&victim, &shard).unwrap();
    let entry = cache.path(Kind::Markdown, &b);
    std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(victim.join("id_rsa"), &entry).unwrap();
    drop(cache);

    let cache = Cache::open(&c).unwrap();
    assert!(cache.page(&a).is_none());
    assert!(cache.put_page(&a, b"<p>a</p>").is_some());
    assert_eq!(cache.get(Kind::Markdown, &b), None);
    let r = cache.hasher(Kind::Record).field(b"r").key();
    cache.put(Kind::Record, &r, b"record");
    let (warnings, _) = cache.finish();
    assert!(
        warnings.iter().any(|w| w.contains("symbolic link")),
        "{warnings:?}"
    );
    assert_eq!(
        std::fs::read_dir(&victim).unwrap().count(),
        1,
        "nothing written into the link's target"
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("id_rsa")).unwrap(),
        "secret"
    );
    for real in [c.join("v1/record"), shard] {
        assert!(
            std::fs::symlink_metadata(&real).unwrap().is_dir(),
            "{real:?}"
        );
    }
    let cache = Cache::open(&c).unwrap();
    assert_eq!(cache.get(Kind::Record, &r).as_deref(), Some(&b"record"[..]));
}

#[test]
#[cfg(unix)]
fn a_temporary_file_name_taken_by_a_link_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    let path = cache.path(Kind::Record, &a);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // The name the next temporary file will have.
    let temp = path
        .parent()
        .unwrap()
        .join(format!(".tmp-{}-0", std::process::id()));
    std::os::unix::fs::symlink(&victim, &temp).unwrap();
    cache.put(Kind::Record, &a, b"entry");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert_eq!(cache.get(Kind::Record, &a).as_deref(), Some(&b"entry"[..]));
}

#[test]
#[cfg(unix)]
fn a_same_size_edit_that_restores_the_modification_time_is_caught() {
    use std::os::unix::fs::FileExt;
    let (dir, cache) = open();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let a = cache.hasher(Kind::Page).field(b"a").key();
    let published = publish(&cache, &a, b"<p>honest page</p>", &out, "a.html");
    cache.finish();
    // `dd conv=notrunc` then `touch -r`: same size, same inode, same mtime.
    let before = std::fs::metadata(&published).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&published)
        .unwrap();
    f.write_all_at(b"<script>", 0).unwrap();
    f.set_modified(before).unwrap();
    drop(f);
    assert_eq!(
        std::fs::metadata(&published).unwrap().modified().unwrap(),
        before
    );
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert!(cache.page(&a).is_none(), "the edit is seen");
    let (warnings, _) = cache.finish();
    assert!(
        warnings[0].contains("changed since it was written"),
        "{warnings:?}"
    );
}

#[test]
#[cfg(unix)]
fn a_page_whose_mode_was_changed_is_published_with_a_written_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, cache) = open();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let a = cache.hasher(Kind::Page).field(b"a").key();
    let published = publish(&cache, &a, b"<p>a</p>", &out, "a.html");
    let written_mode = std::fs::metadata(&published).unwrap().permissions().mode() & 0o7777;
    cache.finish();
    for mode in [0o600, 0o000] {
        std::fs::set_permissions(&published, std::fs::Permissions::from_mode(mode)).unwrap();
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        let kept = cache.page(&a).expect("the same bytes: still used");
        let target = out.join(format!("again-{mode:o}.html"));
        kept.place(&target).unwrap();
        assert_eq!(
            std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777,
            written_mode,
            "after chmod {mode:o}"
        );
        let (warnings, _) = cache.finish();
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}

#[test]
fn a_folder_in_place_of_an_entry_or_the_stamps_is_cleared_and_the_cache_works_again() {
    let (dir, cache) = open();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    let p = cache.hasher(Kind::Page).field(b"p").key();
    std::fs::create_dir_all(cache.path(Kind::Record, &a).join("sub")).unwrap();
    std::fs::create_dir_all(cache.path(Kind::Page, &p)).unwrap();
    std::fs::create_dir_all(cache.dir.join(stamp::STAMPS).join("x")).unwrap();
    assert_eq!(cache.get(Kind::Record, &a), None);
    cache.put(Kind::Record, &a, b"record");
    assert!(cache.page(&p).is_none());
    assert!(cache.put_page(&p, b"<p>p</p>").is_some());
    let (_, stats) = cache.finish();
    assert_eq!(stats.written, 2);
    let cache = Cache::open(&dir.path().join("c")).unwrap();
    assert_eq!(cache.get(Kind::Record, &a).as_deref(), Some(&b"record"[..]));
    assert!(cache.page(&p).is_some(), "stamps written again");
    let (warnings, _) = cache.finish();
    assert!(warnings.is_empty(), "healed: {warnings:?}");
}

#[test]
fn a_cache_that_lost_its_tag_is_still_a_cache_and_another_folder_is_refused_with_a_hint() {
    let (dir, cache) = open();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    cache.put(Kind::Record, &a, b"record");
    cache.finish();
    let c = dir.path().join("c");
    std::fs::remove_file(c.join("CACHEDIR.TAG")).unwrap();
    let cache = Cache::open(&c).unwrap();
    assert_eq!(cache.get(Kind::Record, &a).as_deref(), Some(&b"record"[..]));
    assert!(c.join("CACHEDIR.TAG").is_file(), "the tag is back");
    drop(cache);
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let err = Cache::open(&other).err().expect("refused").to_string();
    assert!(err.contains("is not a waypost build cache"), "{err}");
    assert!(err.contains("delete it"), "{err}");
    assert_eq!(
        std::fs::read_to_string(other.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn temporary_files_of_a_build_that_is_gone_are_removed_at_once() {
    let (dir, cache) = open();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    cache.put(Kind::Record, &a, b"record");
    let shard = cache.path(Kind::Record, &a).parent().unwrap().to_path_buf();
    // No process has this id (Linux's largest is 4194304).
    let dead = shard.join(".tmp-4294967295-3");
    let mine = shard.join(format!(".tmp-{}-999", std::process::id()));
    std::fs::write(&dead, "half").unwrap();
    std::fs::write(&mine, "being written").unwrap();
    cache.finish();
    if cfg!(target_os = "linux") {
        assert!(!dead.exists());
    }
    assert!(mine.exists(), "a running process's file is left");
    let _ = dir;
}

#[test]
fn a_cache_folder_that_cannot_be_made_keeps_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // Under a file: no folder can be made there (also for root, which read-only
    // folders do not stop).
    std::fs::write(dir.path().join("file"), "").unwrap();
    let cache = Cache::open(&dir.path().join("file/cache")).unwrap();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    cache.put(Kind::Record, &a, b"record");
    assert_eq!(cache.get(Kind::Record, &a), None);
    assert!(cache.put_page(&a, b"x").is_none());
    let (warnings, stats) = cache.finish();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("cannot create the build cache"),
        "{warnings:?}"
    );
    assert_eq!(stats.written, 0);
}

#[test]
fn a_cache_deleted_during_a_build_is_not_made_again_by_its_writes() {
    let (dir, cache) = open();
    let c = dir.path().join("c");
    std::fs::remove_dir_all(&c).unwrap();
    let a = cache.hasher(Kind::Record).field(b"a").key();
    cache.put(Kind::Record, &a, b"record");
    assert!(!c.exists(), "no folder made for it");
    let (warnings, _) = cache.finish();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("deleted during the build")),
        "{warnings:?}"
    );
}
