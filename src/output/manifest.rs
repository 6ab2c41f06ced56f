//! The output's manifest: what each file of a built site holds, so that the next build
//! writes only the files that change.
//!
//! Takes the files a build publishes ([`OutputFile`]s, and the compressed copies made
//! of them); gives a [`Manifest`] — every path with an identity of its bytes — and its
//! byte format ([`Manifest::encode`], [`Manifest::decode`]), kept by the build cache
//! with the record of the build (`unchanged`). A file's identity is the BLAKE3 hash of
//! its bytes (a page kept in the cache has it in its stamp already); a file copied from
//! the site is known by its source's path and metadata (`paths::hash_metadata`), or by
//! its bytes when the source changed too recently for its metadata to be trusted
//! (`paths::RACY`). A compressed copy's identity is its file's and its encoding's.
//!
//! A later build compares each file it would write with the manifest of the output
//! folder as the last build left it (`Staging` in update mode): only files whose
//! identity differs, and new ones, are written; files no longer in the site are
//! removed.

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use super::{Contents, OutputFile};

/// What a file holds, as far as the next build needs to know (see the module docs).
pub(crate) type Identity = [u8; 16];

/// Every file of a built site and what it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    files: HashMap<String, Identity>,
}

const MAGIC: &[u8; 8] = b"wpfiles1";

impl Manifest {
    /// The identity listed for `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&Identity> {
        self.files.get(path)
    }

    /// Lists `path` with `id`.
    pub(crate) fn insert(&mut self, path: String, id: Identity) {
        self.files.insert(path, id);
    }

    /// The paths it lists that `other` does not.
    pub(crate) fn missing_from<'a>(&'a self, other: &'a Manifest) -> Vec<&'a str> {
        let mut gone: Vec<&str> = self
            .files
            .keys()
            .filter(|p| !other.files.contains_key(*p))
            .map(String::as_str)
            .collect();
        gone.sort_unstable();
        gone
    }

    /// Its bytes: the paths in order, each with its identity (deterministic).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut paths: Vec<(&String, &Identity)> = self.files.iter().collect();
        paths.sort_unstable();
        let mut out = Vec::with_capacity(8 + 8 + paths.len() * 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(paths.len() as u64).to_le_bytes());
        for (path, id) in paths {
            out.extend_from_slice(&(path.len() as u32).to_le_bytes());
            out.extend_from_slice(path.as_bytes());
            out.extend_from_slice(id);
        }
        out
    }

    /// A manifest from [`Manifest::encode`]'s bytes; None if they are not one.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Manifest> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let count = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
        let mut rest = &rest[8..];
        let mut files = HashMap::with_capacity(usize::try_from(count).ok()?.min(1 << 24));
        for _ in 0..count {
            let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let path = std::str::from_utf8(rest.get(4..4 + len)?).ok()?;
            let id: Identity = rest.get(4 + len..4 + len + 16)?.try_into().ok()?;
            files.insert(path.to_owned(), id);
            rest = &rest[4 + len + 16..];
        }
        rest.is_empty().then_some(Manifest { files })
    }
}

/// The identity of `bytes`.
pub(crate) fn of_bytes(bytes: &[u8]) -> Identity {
    truncate(blake3::hash(bytes).as_bytes())
}

fn truncate(hash: &[u8; 32]) -> Identity {
    let mut id = [0; 16];
    id.copy_from_slice(&hash[..16]);
    id
}

/// The identity of what `file` holds (see the module docs); None when a copied
/// file's source cannot be read (the write that follows reports it).
pub(crate) fn of_file(file: &OutputFile) -> Option<Identity> {
    match &file.contents {
        Contents::Bytes(b) => Some(of_bytes(b)),
        Contents::Cached(c) => Some(truncate(&c.size_and_hash().1)),
        Contents::Copy(src) => of_copy(src),
    }
}

fn of_copy(src: &Path) -> Option<Identity> {
    let m = std::fs::metadata(src).ok()?;
    let mut h = blake3::Hasher::new();
    h.update(b"copy\0");
    h.update(src.as_os_str().as_encoded_bytes());
    let newest = crate::paths::hash_metadata(&m, &mut h);
    let racy = SystemTime::now()
        .duration_since(newest)
        .map_or(true, |age| age < crate::paths::RACY);
    if racy {
        return std::fs::read(src).ok().map(|b| of_bytes(&b));
    }
    Some(truncate(h.finalize().as_bytes()))
}

/// The identity of the compressed copy (`encoding`: `gz`, `br`) of a file whose
/// identity is `of`.
pub(crate) fn of_compressed(of: &Identity, encoding: &str) -> Identity {
    let mut h = blake3::Hasher::new();
    h.update(b"compressed\0");
    h.update(encoding.as_bytes());
    h.update(of);
    truncate(h.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written_and_refuses_damaged_bytes() {
        let mut m = Manifest::default();
        m.insert("en/index.html".into(), of_bytes(b"a"));
        m.insert("中文/index.html".into(), of_bytes(b"b"));
        let bytes = m.encode();
        assert_eq!(Manifest::decode(&bytes), Some(m.clone()));
        assert_eq!(bytes, m.clone().encode(), "deterministic");
        assert_eq!(Manifest::decode(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Manifest::decode(&longer), None);
        assert_eq!(Manifest::decode(b"wpfiles0"), None);
    }

    #[test]
    fn the_same_bytes_have_one_identity_however_they_are_published() {
        let a = OutputFile::bytes("a", "same");
        assert_eq!(of_file(&a), Some(of_bytes(b"same")));
        assert_ne!(of_bytes(b"same"), of_bytes(b"other"));
        let id = of_bytes(b"same");
        assert_ne!(of_compressed(&id, "gz"), of_compressed(&id, "br"));
        assert_ne!(of_compressed(&id, "gz"), id);
    }

    #[test]
    fn a_copied_file_changes_identity_with_its_source() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("logo.svg");
        std::fs::write(&src, "<svg/>").unwrap();
        let file = OutputFile {
            path: "logo.svg".into(),
            contents: Contents::Copy(src.clone()),
        };
        let first = of_file(&file).unwrap();
        // Just written: racy, so known by its bytes.
        assert_eq!(first, of_bytes(b"<svg/>"));
        std::fs::write(&src, "<svg></svg>").unwrap();
        assert_ne!(of_file(&file).unwrap(), first);
        std::fs::remove_file(&src).unwrap();
        assert_eq!(of_file(&file), None);
    }
}
