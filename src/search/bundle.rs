//! The byte format of a language's search bundle as kept in the build cache (beside
//! search, as `markdown::kept` is beside markdown: the cache stores bytes and knows
//! nothing of bundles).
//!
//! Takes the key of the records a bundle was built from, their keys and its files;
//! returns the bytes to store ([`Bundle::heads`], [`Bundle::parts`]) and reads them back
//! ([`Bundle::decode`], None for anything that is not one).

use crate::cache::Key;

/// A language's search bundle as kept in the cache: the key of the records it was
/// built from, and its files (path in the bundle, hash of the uncompressed contents for
/// the index files that are compressed, contents as written).
pub(crate) struct Bundle {
    /// What the bundle was built from (a hash of its records' keys, in order).
    pub(crate) inputs: Key,
    /// `(path, hash of the uncompressed contents or None, contents)`.
    pub(crate) files: Vec<(String, Option<[u8; 32]>, Vec<u8>)>,
}

impl Bundle {
    /// The small parts of a bundle's bytes: what comes before the first file's contents,
    /// and before each next one's. [`Bundle::parts`] interleaves them with the contents,
    /// so a bundle is written without a second copy of its files in memory.
    pub(crate) fn heads<'f>(
        inputs: &Key,
        files: impl ExactSizeIterator<Item = (&'f str, Option<&'f [u8; 32]>, usize)>,
    ) -> Vec<Vec<u8>> {
        let mut heads = Vec::with_capacity(files.len() + 1);
        let mut head = Vec::with_capacity(48);
        head.extend_from_slice(&inputs.0);
        head.extend_from_slice(&(files.len() as u64).to_le_bytes());
        for (path, hash, len) in files {
            head.extend_from_slice(&(path.len() as u64).to_le_bytes());
            head.extend_from_slice(path.as_bytes());
            match hash {
                Some(h) => {
                    head.push(1);
                    head.extend_from_slice(h);
                }
                None => head.push(0),
            }
            head.extend_from_slice(&(len as u64).to_le_bytes());
            heads.push(std::mem::take(&mut head));
        }
        heads.push(head);
        heads
    }

    /// The bundle's bytes as slices: `heads` (from [`Bundle::heads`]) and the files'
    /// `contents`, in turn.
    pub(crate) fn parts<'a>(
        heads: &'a [Vec<u8>],
        contents: impl Iterator<Item = &'a [u8]>,
    ) -> Vec<&'a [u8]> {
        let mut parts = Vec::with_capacity(heads.len() * 2);
        let mut contents = contents;
        for head in heads {
            parts.push(head.as_slice());
            if let Some(c) = contents.next() {
                parts.push(c);
            }
        }
        parts
    }

    /// A bundle from the bytes of [`Bundle::heads`] and [`Bundle::parts`]; None if they
    /// are not one.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Bundle> {
        let mut r = Reader(bytes);
        let inputs = Key(r.take(32)?.try_into().ok()?);
        let count = r.u64()?;
        let mut files = Vec::new();
        for _ in 0..count {
            let len = r.u64()? as usize;
            let path = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            let hash = match r.take(1)?[0] {
                0 => None,
                1 => Some(r.take(32)?.try_into().ok()?),
                _ => return None,
            };
            let len = r.u64()? as usize;
            files.push((path, hash, r.take(len)?.to_vec()));
        }
        r.0.is_empty().then_some(Bundle { inputs, files })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_survives_encoding_and_garbage_is_not_a_bundle() {
        let bundle = Bundle {
            inputs: Key([7; 32]),
            files: vec![
                ("pagefind.js".into(), None, b"js".to_vec()),
                ("index/en_1.pf_index".into(), Some([1; 32]), vec![0, 1, 2]),
            ],
        };
        // As the search stage writes it: heads and contents in turn.
        let heads = Bundle::heads(
            &bundle.inputs,
            bundle
                .files
                .iter()
                .map(|(path, hash, contents)| (path.as_str(), hash.as_ref(), contents.len())),
        );
        let bytes = Bundle::parts(&heads, bundle.files.iter().map(|f| f.2.as_slice())).concat();
        let back = Bundle::decode(&bytes).unwrap();
        assert_eq!(back.inputs, bundle.inputs);
        assert_eq!(back.files, bundle.files);
        assert!(Bundle::decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(Bundle::decode(b"nonsense").is_none());
    }
}
