//! Resized copies kept in the build cache.
//!
//! Takes an [`Image`] (the hash of its bytes and its planned variants), the lossy
//! quality and the [`Cache`]; gives the copies' bytes — those an earlier build made
//! from the same bytes and settings, else made now and kept for the next build — so a
//! rebuild encodes nothing that did not change. The key is the image's hash, the
//! encoder's version, the quality and every variant's format and size; the entry is
//! the copies' bytes, each prefixed by its length.

use super::{Image, VariantMemo, ENCODER};
use crate::cache::{Cache, Kind};

/// The build cache as the images stage's memo.
impl VariantMemo for Cache {
    fn variants(
        &self,
        image: &Image,
        quality: u8,
        make: &dyn Fn() -> Result<Vec<Vec<u8>>, String>,
    ) -> Result<(Vec<Vec<u8>>, bool), String> {
        let mut h = self.hasher(Kind::Image);
        h.field(ENCODER.as_bytes())
            .field(&image.hash)
            .field(&[quality]);
        for v in &image.variants {
            h.field(v.format.extension().as_bytes())
                .field(&v.width.to_le_bytes())
                .field(&v.height.to_le_bytes());
        }
        let key = h.key();
        let count = image.variants.len();
        let decode =
            |bytes: Vec<u8>| decode(&bytes, count).ok_or_else(|| "not resized images".to_string());
        if let Some(kept) = self.recall(Kind::Image, &key, decode) {
            return Ok((kept, false));
        }
        let made = make()?;
        let lens: Vec<[u8; 8]> = made
            .iter()
            .map(|b| (b.len() as u64).to_le_bytes())
            .collect();
        let parts: Vec<&[u8]> = lens
            .iter()
            .zip(&made)
            .flat_map(|(l, b)| [&l[..], b.as_slice()])
            .collect();
        self.put_parts(Kind::Image, &key, &parts);
        Ok((made, true))
    }
}

/// `count` length-prefixed parts read back; None if the bytes are not exactly that.
fn decode(mut bytes: &[u8], count: usize) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let (len, rest) = bytes.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if rest.len() < len {
            return None;
        }
        out.push(rest[..len].to_vec());
        bytes = &rest[len..];
    }
    bytes.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn kept_copies_read_back_only_when_whole() {
        let mut bytes = Vec::new();
        for part in [&b"abc"[..], b"", b"de"] {
            bytes.extend((part.len() as u64).to_le_bytes());
            bytes.extend(part);
        }
        assert_eq!(
            decode(&bytes, 3),
            Some(vec![b"abc".to_vec(), vec![], b"de".to_vec()])
        );
        assert_eq!(decode(&bytes, 2), None);
        assert_eq!(decode(&bytes[..bytes.len() - 1], 3), None);
    }
}
