//! The byte format of a language's search bundle as kept in the cache.
//!
//! Takes the key of the records a bundle was built from, their keys and its files;
//! returns the bytes to store ([`Bundle::heads`], [`Bundle::parts`]) and reads them back
//! ([`Bundle::decode`], None for anything that is not one).

use super::Key;

/// A language's search bundle as kept in the cache: the key of the records it was
/// built from, and its files (path in the bundle, hash of the uncompressed contents for
/// the index files that are compressed, contents as written).
pub struct Bundle {
    /// What the bundle was built from (a hash of its records' keys, in order).
    pub inputs: Key,
    /// The keys of the records it was built from, in page order.
    pub records: Vec<Key>,
    /// `(path, hash of the uncompressed contents or None, contents)`.
    pub files: Vec<(String, Option<[u8; 32]>, Vec<u8>)>,
}

impl Bundle {
    /// The small parts of a bundle's bytes: what comes before the first file's contents,
    /// and before each next one's. [`Bundle::parts`] interleaves them with the contents,
    /// so a bundle is written without a second copy of its files in memory.
    pub fn heads<'f>(
        inputs: &Key,
        records: &[Key],
        files: impl ExactSizeIterator<Item = (&'f str, Option<&'f [u8; 32]>, usize)>,
    ) -> Vec<Vec<u8>> {
        let mut heads = Vec::with_capacity(files.len() + 1);
        let mut head = Vec::with_capacity(48 + 32 * records.len());
        head.extend_from_slice(&inputs.0);
        head.extend_from_slice(&(records.len() as u64).to_le_bytes());
        for r in records {
            head.extend_from_slice(&r.0);
        }
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
    pub fn parts<'a>(
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
    pub fn decode(bytes: &[u8]) -> Option<Bundle> {
        let mut r = Reader(bytes);
        let inputs = Key(r.take(32)?.try_into().ok()?);
        let records = (0..r.count(32)?)
            .map(|_| Some(Key(r.take(32)?.try_into().ok()?)))
            .collect::<Option<Vec<_>>>()?;
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
        r.0.is_empty().then_some(Bundle {
            inputs,
            records,
            files,
        })
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
    /// A count of items of at least `size` bytes each that follow.
    fn count(&mut self, size: usize) -> Option<usize> {
        let n = self.u64()? as usize;
        (n <= self.0.len() / size.max(1)).then_some(n)
    }
}
