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
fn a_bundle_survives_encoding_and_garbage_is_not_a_bundle() {
    let bundle = Bundle {
        inputs: Key([7; 32]),
        records: vec![Key([1; 32]), Key([2; 32])],
        files: vec![
            ("pagefind.js".into(), None, b"js".to_vec()),
            ("index/en_1.pf_index".into(), Some([1; 32]), vec![0, 1, 2]),
        ],
    };
    // As the search stage writes it: heads and contents in turn.
    let heads = Bundle::heads(
        &bundle.inputs,
        &bundle.records,
        bundle
            .files
            .iter()
            .map(|(path, hash, contents)| (path.as_str(), hash.as_ref(), contents.len())),
    );
    let bytes = Bundle::parts(&heads, bundle.files.iter().map(|f| f.2.as_slice())).concat();
    let back = Bundle::decode(&bytes).unwrap();
    assert_eq!(back.inputs, bundle.inputs);
    assert_eq!(back.records, bundle.records);
    assert_eq!(back.files, bundle.files);
    assert!(Bundle::decode(&bytes[..bytes.len() - 1]).is_none());
    assert!(Bundle::decode(b"nonsense").is_none());
}
