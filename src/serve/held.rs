//! A served file in memory: text files held compressed, everything else as it is.
//!
//! Takes a file's site path and bytes; gives the bytes back whole when asked
//! ([`Held::bytes`]). `serve` holds every file of the site in memory, and a site's pages
//! are most of it: HTML whose navigation and markup repeat from page to page compresses
//! several times over with the fastest deflate level, and a page is inflated again in
//! well under a millisecond when a browser asks for it. The bytes kept are
//! deterministic, so two files hold the same bytes exactly when what is kept is equal
//! ([`Held::same`]: a rebuild tells browsers only about files that changed).

use std::io::{Read, Write};
use std::sync::Arc;

/// Below this size a file is kept as it is (compressing it saves next to nothing).
const MIN_DEFLATED: usize = 1024;

/// A file held for `serve` (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    kept: Arc<Vec<u8>>,
    /// `kept` is deflated; the file is this many bytes long.
    inflated_len: Option<usize>,
}

impl Held {
    /// `bytes` of the file at `path`, compressed if it is text (by its name) and
    /// compressing it saves at least an eighth.
    pub(crate) fn new(path: &str, bytes: Vec<u8>) -> Held {
        if bytes.len() >= MIN_DEFLATED && crate::output::is_compressible(path) {
            let mut enc = flate2::write::DeflateEncoder::new(
                Vec::with_capacity(bytes.len() / 4),
                flate2::Compression::fast(),
            );
            // Writing into a Vec cannot fail.
            if enc.write_all(&bytes).is_ok() {
                if let Ok(deflated) = enc.finish() {
                    if deflated.len() <= bytes.len() - bytes.len() / 8 {
                        return Held {
                            kept: Arc::new(deflated),
                            inflated_len: Some(bytes.len()),
                        };
                    }
                }
            }
        }
        Held {
            kept: Arc::new(bytes),
            inflated_len: None,
        }
    }

    /// The file's bytes (inflated again if they were kept compressed).
    pub(crate) fn bytes(&self) -> Arc<Vec<u8>> {
        let Some(len) = self.inflated_len else {
            return Arc::clone(&self.kept);
        };
        let mut out = Vec::with_capacity(len);
        let mut dec = flate2::read::DeflateDecoder::new(self.kept.as_slice());
        match dec.read_to_end(&mut out) {
            Ok(_) => Arc::new(out),
            // Only bytes this module deflated are ever inflated.
            Err(e) => unreachable!("a served file kept compressed cannot be read back: {e}"),
        }
    }

    /// Whether both hold the same bytes.
    pub(crate) fn same(&self, other: &Held) -> bool {
        self == other
    }

    /// Bytes of memory it holds.
    #[cfg(test)]
    pub(crate) fn kept_len(&self) -> usize {
        self.kept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_held_compressed_and_given_back_whole() {
        let page = "<nav><a href=\"/en/a/\">A</a></nav><p>text</p>\n".repeat(200);
        let held = Held::new("en/a/index.html", page.clone().into_bytes());
        assert!(held.kept_len() * 4 < page.len(), "{}", held.kept_len());
        assert_eq!(held.bytes().as_slice(), page.as_bytes());
        let again = Held::new("en/a/index.html", page.clone().into_bytes());
        assert!(held.same(&again), "deterministic");
        let other = Held::new("en/a/index.html", page.replace("text", "texT").into_bytes());
        assert!(!held.same(&other));
    }

    #[test]
    fn small_files_and_files_that_do_not_compress_are_held_as_they_are() {
        let small = Held::new("a.html", b"<p>x</p>".to_vec());
        assert_eq!(small.kept_len(), 8);
        // xorshift: bytes with no pattern deflate could use.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let image: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let held = Held::new("logo.png", image.clone());
        assert_eq!(held.kept_len(), image.len());
        assert_eq!(held.bytes().as_slice(), image.as_slice());
        // Text by its name, but random bytes: not smaller, kept as they are.
        let held = Held::new("noise.txt", image.clone());
        assert_eq!(held.kept_len(), image.len());
        assert_eq!(held.bytes().as_slice(), image.as_slice());
    }
}
