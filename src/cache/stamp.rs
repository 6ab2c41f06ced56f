//! Page entries: a page's HTML kept as it is published, and what vouches for it.
//!
//! Takes a page entry's file and the hash of its bytes; returns its [`Stamp`] (what the
//! file was when this build last saw it), the [`CachedFile`] to publish as a hard link,
//! and the byte format of `page.stamps` ([`encode`], [`decode`]).
//!
//! A stamp holds the file's inode, size, modification time, change time and permission
//! bits, and the hash of its bytes. The change time is what nobody can set back by hand
//! (`touch -r` restores the modification time, not that one): an entry edited in place
//! through the output folder's link, even to the same size with its time restored, no
//! longer matches its stamp. Because linking and unlinking a file also move its change
//! time, a build takes the stamps it keeps at its very end (`Cache::finish`), after the
//! previous output is gone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{content_hash, fs, Key};

/// The file of page stamps, in the layout's folder.
pub(super) const STAMPS: &str = "page.stamps";

/// The first bytes of the file of page stamps (2: with the change time and mode).
const MAGIC: &[u8; 8] = b"WPSTAMP2";

/// Bytes of one stamp in that file: key, inode, size, modification and change times,
/// mode, hash.
const STAMP_BYTES: usize = 32 + 8 + 8 + 16 + 16 + 4 + 32;

/// What a page entry was when a build last saw it (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    ino: u64,
    size: u64,
    mtime: i128,
    ctime: i128,
    mode: u32,
    pub(super) hash: [u8; 32],
}

impl Stamp {
    /// The stamp of a regular file (None for anything else, a link included), with
    /// `hash`.
    pub(super) fn of(meta: &std::fs::Metadata, hash: [u8; 32]) -> Option<Stamp> {
        if !meta.file_type().is_file() {
            return None;
        }
        #[cfg(unix)]
        let (ino, mtime, ctime, mode) = {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            (
                meta.ino(),
                ns(meta.mtime(), meta.mtime_nsec()),
                ns(meta.ctime(), meta.ctime_nsec()),
                meta.mode() & 0o7777,
            )
        };
        #[cfg(not(unix))]
        let (ino, mtime, ctime, mode) = (
            0,
            meta.modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos() as i128,
            0,
            u32::from(meta.permissions().readonly()),
        );
        Some(Stamp {
            ino,
            size: meta.len(),
            mtime,
            ctime,
            mode,
            hash,
        })
    }

    /// Whether `now` is the same file with the same contents and mode, whatever its
    /// change time (which linking it moves).
    pub(super) fn same_file(&self, now: &Stamp) -> bool {
        Stamp {
            ctime: self.ctime,
            ..*now
        } == *self
    }

    /// Whether a file with this stamp may be published as it is: its mode is the one a
    /// file the build writes gets (`mode`, where known).
    pub(super) fn has_mode(&self, mode: Option<u32>) -> bool {
        mode.is_none_or(|m| m == self.mode)
    }
}

/// The entry at `path` checked again by its bytes, after its stamp no longer matched
/// (its change time moved: a link was made or removed, a deploy tool copied it, its
/// mode or bytes were changed): if its bytes still hash to `hash`, its mode is set back
/// to `mode` (the mode a written file gets) and its new stamp returned. None for a
/// file whose bytes changed, a link, or anything unreadable.
pub(super) fn restamp(path: &Path, hash: [u8; 32], mode: Option<u32>) -> Option<Stamp> {
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        // An entry made unreadable (`chmod 000`) is ours to make readable again.
        let meta = std::fs::symlink_metadata(path).ok()?;
        if meta.file_type().is_file() && meta.permissions().mode() & 0o7777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).ok()?;
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = fs::open(path).ok()?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut bytes).ok()?;
    // Taken from the open file after reading, so a change while it is read shows in the
    // next build's check.
    let meta = f.metadata().ok()?;
    (content_hash(&bytes) == hash)
        .then(|| Stamp::of(&meta, hash))
        .flatten()
}

/// A page's HTML kept in the cache (`Cache::page`, `Cache::put_page`), to be put into
/// the output folder as a hard link rather than written again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedFile {
    pub(super) path: PathBuf,
    pub(super) stamp: Stamp,
}

impl CachedFile {
    /// The size and BLAKE3 hash of the kept bytes (what a new render of the page would
    /// give: its key vouches for it).
    pub fn size_and_hash(&self) -> (u64, [u8; 32]) {
        (self.stamp.size, self.stamp.hash)
    }

    /// Puts the file at `target` (which must not exist): a hard link to the entry, if it
    /// can be made and is still the file that was stamped; otherwise a copy of its
    /// bytes, checked against the stamp's hash. An entry whose bytes changed is an error
    /// (the caller's build fails; the next one makes the page again); so is an entry
    /// that is gone (`NotFound`: the cache was deleted during the build).
    pub fn place(&self, target: &Path) -> std::io::Result<()> {
        if std::fs::hard_link(&self.path, target).is_ok() {
            let linked = std::fs::symlink_metadata(target)?;
            if Stamp::of(&linked, self.stamp.hash).is_some_and(|now| self.stamp.same_file(&now)) {
                return Ok(());
            }
            std::fs::remove_file(target)?;
        }
        std::fs::write(target, self.read()?)
    }

    /// The file's bytes, checked against the stamp's hash.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        let bytes = fs::read(&self.path)?;
        if content_hash(&bytes) != self.stamp.hash {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the build cache entry changed during the build; build again",
            ));
        }
        Ok(bytes)
    }

    /// Where the entry is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The stamps as bytes: magic, then each (sorted by key), then a CRC-32 of all before.
pub(super) fn encode(stamps: &HashMap<Key, Stamp>) -> Vec<u8> {
    let mut sorted: Vec<(&Key, &Stamp)> = stamps.iter().collect();
    sorted.sort_unstable_by_key(|(k, _)| k.0);
    let mut out = Vec::with_capacity(8 + sorted.len() * STAMP_BYTES + 4);
    out.extend_from_slice(MAGIC);
    for (k, s) in sorted {
        out.extend_from_slice(&k.0);
        out.extend_from_slice(&s.ino.to_le_bytes());
        out.extend_from_slice(&s.size.to_le_bytes());
        out.extend_from_slice(&s.mtime.to_le_bytes());
        out.extend_from_slice(&s.ctime.to_le_bytes());
        out.extend_from_slice(&s.mode.to_le_bytes());
        out.extend_from_slice(&s.hash);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// [`encode`] read back; None if the bytes are not that.
pub(super) fn decode(bytes: &[u8]) -> Option<HashMap<Key, Stamp>> {
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let (records, crc) = body.split_at_checked(body.len().checked_sub(4)?)?;
    if crc32fast::hash(&bytes[..bytes.len() - 4]).to_le_bytes() != crc
        || records.len() % STAMP_BYTES != 0
    {
        return None;
    }
    let mut stamps = HashMap::with_capacity(records.len() / STAMP_BYTES);
    for r in records.chunks_exact(STAMP_BYTES) {
        let key = Key(r[..32].try_into().ok()?);
        stamps.insert(
            key,
            Stamp {
                ino: u64::from_le_bytes(r[32..40].try_into().ok()?),
                size: u64::from_le_bytes(r[40..48].try_into().ok()?),
                mtime: i128::from_le_bytes(r[48..64].try_into().ok()?),
                ctime: i128::from_le_bytes(r[64..80].try_into().ok()?),
                mode: u32::from_le_bytes(r[80..84].try_into().ok()?),
                hash: r[84..116].try_into().ok()?,
            },
        );
    }
    Some(stamps)
}

#[cfg(test)]
impl Stamp {
    /// A stamp of made-up values (tests of the byte format).
    pub(super) fn made_up(n: u8) -> Stamp {
        Stamp {
            ino: u64::from(n) << 40,
            size: 1000 + u64::from(n),
            mtime: -5 + i128::from(n) * 1_000_000_007,
            ctime: 7 + i128::from(n) * 999_999_937,
            mode: 0o600 + u32::from(n),
            hash: [n; 32],
        }
    }

    /// The inode (tests that check what is linked).
    pub(super) fn ino(&self) -> u64 {
        self.ino
    }
}
