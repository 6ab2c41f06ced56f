//! A build that changes nothing: whether the site's sources and the output folder are
//! as the last successful build with the build cache left them.
//!
//! Takes the site's folder, the build's options, the output folder and the build cache;
//! gives the last build's counts when nothing it was made from has changed, so the
//! build reads no source and writes nothing. As Git's index does, a file is taken as
//! unchanged by its metadata, not read: every file under the sources (`site.yaml`,
//! `content/`, `templates/`, `static/`, `i18n/`) must have the same path, type, size,
//! modification and change time, inode and mode (a link also its target), the options
//! and "today" (for review notices) must be the same, and the program too (the cache's
//! keys hold its identity). The output folder must hold the same files, with the same
//! sizes, modification and change times, inodes and modes, as the build left it.
//!
//! The build cache must be as that build left it too (every entry by metadata,
//! [`Cache::digest`]): an entry damaged or removed since is reported by a build.
//!
//! A build records this ([`finish`]) after it has replaced the output, with the
//! output's manifest (what each file holds: a later build whose sources changed but
//! whose output is as this one left it writes only the files that change). The
//! sources' digest is trusted only when the build gave no warnings (a build that
//! changes nothing would not show them again) and no source was changed within `RACY`
//! of its start: a file edited in the same tick as the snapshot could have the same
//! metadata before and after (Git's "racily clean" entries), so such a build leaves the
//! next one to check everything.

use std::path::Path;
use std::time::SystemTime;

use crate::cache::{Cache, Key, Kind};
use crate::output::Manifest;
use crate::paths::RACY;
use crate::site::BuildOptions;

/// What a build was made from, by metadata: see the module docs.
pub(crate) struct Inputs {
    digest: [u8; 32],
    /// The newest modification or change time of a source.
    newest: SystemTime,
    taken: SystemTime,
}

/// What the last build reported, kept with its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Last {
    pub(crate) pages: usize,
    pub(crate) fallbacks: usize,
    pub(crate) languages: usize,
    pub(crate) files: usize,
}

/// The sources of the site at `root` and the options of the build into `out`.
pub(crate) fn inputs(root: &Path, opts: &BuildOptions, out: &Path) -> Inputs {
    let taken = SystemTime::now();
    let mut h = blake3::Hasher::new();
    let described = format!("{opts:?}\n{}\n", opts.today());
    h.update(described.as_bytes());
    h.update(out.as_os_str().as_encoded_bytes());
    let mut newest = SystemTime::UNIX_EPOCH;
    // The sources `Writer::new` guards, but for `.git`, which a build does not read.
    for source in crate::paths::SOURCES.iter().filter(|s| **s != ".git") {
        let walk = walkdir::WalkDir::new(root.join(source))
            .follow_links(true)
            .sort_by_file_name();
        for entry in walk {
            match entry {
                Ok(e) => {
                    h.update(b"\x01");
                    h.update(e.path().as_os_str().as_encoded_bytes());
                    if let Some(t) = describe_source(&e, &mut h) {
                        newest = newest.max(t);
                    }
                }
                // A missing folder, or one that cannot be read: said as such.
                Err(e) => {
                    h.update(b"\x02");
                    h.update(e.to_string().as_bytes());
                }
            }
        }
    }
    Inputs {
        digest: *h.finalize().as_bytes(),
        newest,
        taken,
    }
}

/// Hashes what says whether `e` changed; gives its newest time.
fn describe_source(e: &walkdir::DirEntry, h: &mut blake3::Hasher) -> Option<SystemTime> {
    let mut newest = None;
    let mut metas = Vec::with_capacity(2);
    if e.path_is_symlink() {
        if let Ok(target) = std::fs::read_link(e.path()) {
            h.update(target.as_os_str().as_encoded_bytes());
        }
        metas.push(std::fs::symlink_metadata(e.path()));
    }
    metas.push(e.metadata().map_err(std::io::Error::from));
    for meta in metas {
        let Ok(m) = meta else {
            h.update(b"unreadable");
            continue;
        };
        let t = crate::paths::hash_metadata(&m, h);
        newest = Some(newest.map_or(t, |n: SystemTime| n.max(t)));
    }
    newest
}

/// The output folder `out`, by metadata: every file's path, type, size, modification
/// and change times, inode and mode (the change time is the one `touch -r` cannot set
/// back, so a same-size edit with its time restored is seen). None if it cannot be
/// read.
fn output(out: &Path) -> Option<[u8; 32]> {
    crate::paths::tree_digest(out, &[], true)
}

/// Where the record of the last build into `out` is kept.
fn slot(cache: &Cache, out: &Path) -> Key {
    cache
        .hasher(Kind::Build)
        .field(out.as_os_str().as_encoded_bytes())
        .key()
}

const MAGIC: &[u8; 8] = b"wpbuild3";

/// What [`look`] found.
pub(crate) struct Look {
    /// What this build is made from.
    pub(crate) inputs: Inputs,
    /// The last build's counts, when nothing changed since.
    pub(crate) last: Option<Last>,
    /// The manifest of the output folder, when it is as the last build left it: the
    /// build may update it in place (`output::Writer::stage`).
    pub(crate) output: Option<Manifest>,
}

/// What a build is made from (taken first: see [`finish`]), the last build's counts if
/// it was made from the same and left `out` and the cache as they are now, and the
/// output's manifest if `out` is as that build left it. The sources, the output and
/// the cache are walked at once.
pub(crate) fn look(cache: &Cache, root: &Path, opts: &BuildOptions, out: &Path) -> Look {
    let Some(recorded) = recorded(cache, out) else {
        return Look {
            inputs: inputs(root, opts, out),
            last: None,
            output: None,
        };
    };
    let (inputs, (output, cached)) = rayon::join(
        || inputs(root, opts, out),
        || rayon::join(|| output(out), || cache.digest()),
    );
    let as_left = output == Some(recorded.output);
    let same = recorded.trusted
        && recorded.inputs == inputs.digest
        && as_left
        && cached == Some(recorded.cache);
    Look {
        inputs,
        last: same.then_some(recorded.last),
        output: as_left.then_some(recorded.manifest),
    }
}

/// A record of the last build into `out`.
struct Recorded {
    /// Whether `inputs` may be trusted to say the sources are unchanged (see
    /// [`finish`]).
    trusted: bool,
    inputs: [u8; 32],
    output: [u8; 32],
    cache: [u8; 32],
    last: Last,
    manifest: Manifest,
}

/// Bytes of a record before its manifest: magic, trusted, three digests, four counts.
const HEAD: usize = 8 + 1 + 96 + 32;

fn recorded(cache: &Cache, out: &Path) -> Option<Recorded> {
    let bytes = cache.get(Kind::Build, &slot(cache, out))?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < HEAD - 8 {
        return None;
    }
    let (trusted, rest) = rest.split_first()?;
    let digest = |at: usize| -> Option<[u8; 32]> { rest.get(at..at + 32)?.try_into().ok() };
    let n = |i: usize| -> Option<usize> {
        let at = 96 + i * 8;
        usize::try_from(u64::from_le_bytes(rest.get(at..at + 8)?.try_into().ok()?)).ok()
    };
    Some(Recorded {
        trusted: *trusted == 1,
        inputs: digest(0)?,
        output: digest(32)?,
        cache: digest(64)?,
        last: Last {
            pages: n(0)?,
            fallbacks: n(1)?,
            languages: n(2)?,
            files: n(3)?,
        },
        manifest: Manifest::decode(rest.get(128..)?)?,
    })
}

/// Finishes the cache ([`Cache::finish`]) of a build made from `inputs` that has
/// replaced `out` with the files of `manifest`, recording what it left (the output and
/// the finished cache) with `last`'s counts. The sources' digest is recorded as
/// untrusted — the next build checks everything, though it may still update the output
/// in place — when `warned` (a build that changes nothing would not show the warnings
/// again) or when a source changed too close to the snapshot (see the module docs).
pub(crate) fn finish(
    cache: Cache,
    inputs: &Inputs,
    out: &Path,
    last: Last,
    manifest: &Manifest,
    warned: bool,
) -> (Vec<String>, crate::cache::Stats) {
    let key = slot(&cache, out);
    let racy = inputs.newest + RACY > inputs.taken;
    cache.finish_with(|cache| {
        // An earlier build's record stays: it cannot match the new output.
        let output = output(out)?;
        let manifest = manifest.encode();
        let mut bytes = Vec::with_capacity(HEAD + manifest.len());
        bytes.extend_from_slice(MAGIC);
        bytes.push(u8::from(!racy && !warned));
        bytes.extend_from_slice(&inputs.digest);
        bytes.extend_from_slice(&output);
        bytes.extend_from_slice(&cache.digest()?);
        for n in [last.pages, last.fallbacks, last.languages, last.files] {
            bytes.extend_from_slice(&(n as u64).to_le_bytes());
        }
        bytes.extend_from_slice(&manifest);
        Some((key, bytes))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(dir: &Path) {
        std::fs::create_dir_all(dir.join("content/en")).unwrap();
        std::fs::write(dir.join("site.yaml"), "title: t\n").unwrap();
        std::fs::write(dir.join("content/en/a.md"), "# A\n").unwrap();
    }

    #[test]
    fn inputs_change_with_any_source_its_metadata_or_the_options() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        site(root);
        let out = root.join("public");
        let opts = BuildOptions::default();
        let first = inputs(root, &opts, &out).digest;
        assert_eq!(inputs(root, &opts, &out).digest, first, "deterministic");
        // Not a source: ignored.
        std::fs::write(root.join("notes.txt"), "x").unwrap();
        assert_eq!(inputs(root, &opts, &out).digest, first);
        let drafts = BuildOptions {
            drafts: true,
            ..BuildOptions::default()
        };
        assert_ne!(inputs(root, &drafts, &out).digest, first);
        assert_ne!(inputs(root, &opts, &root.join("other")).digest, first);
        // Same size, same contents length: the metadata still differs.
        std::fs::write(root.join("content/en/a.md"), "# B\n").unwrap();
        let edited = inputs(root, &opts, &out).digest;
        assert_ne!(edited, first);
        std::fs::write(root.join("templates.txt"), "").unwrap();
        std::fs::create_dir_all(root.join("i18n")).unwrap();
        assert_ne!(inputs(root, &opts, &out).digest, edited, "a new folder");
    }

    #[test]
    fn a_source_edited_just_before_the_snapshot_is_racy() {
        let tmp = tempfile::tempdir().unwrap();
        site(tmp.path());
        let i = inputs(tmp.path(), &BuildOptions::default(), &tmp.path().join("p"));
        assert!(i.newest + RACY > i.taken);
    }
}
