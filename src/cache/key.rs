//! Keys of the build cache: a BLAKE3 hash of everything a cached result is made from.
//!
//! Takes bytes and JSON values, fed field by field ([`KeyHasher`]); returns a [`Key`],
//! its hex name as an entry's file name, and back ([`parse_key`]). Also the hash of a
//! file's contents ([`content_hash`]) kept in page stamps and search bundles.

/// How many bytes a [`KeyHasher`] gathers before hashing them.
const BUFFER: usize = 64 * 1024;

/// A hash of everything a cached result depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(pub [u8; 32]);

impl Key {
    pub(super) fn hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
}

/// Builds a [`Key`]: `std::io::Write` too, so serializers can write into it.
pub struct KeyHasher {
    hasher: blake3::Hasher,
    /// Small parts gathered before they are hashed: BLAKE3 is fast on long inputs and
    /// slow on many tiny ones (a page's context has thousands of short values).
    buf: Vec<u8>,
}

impl KeyHasher {
    pub(super) fn new() -> KeyHasher {
        KeyHasher {
            hasher: blake3::Hasher::new(),
            buf: Vec::with_capacity(BUFFER),
        }
    }

    /// Feeds raw bytes.
    fn put(&mut self, bytes: &[u8]) -> &mut Self {
        if self.buf.len() + bytes.len() > BUFFER {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
        if bytes.len() > BUFFER / 2 {
            self.hasher.update(bytes);
        } else {
            self.buf.extend_from_slice(bytes);
        }
        self
    }

    /// Adds bytes, prefixed by their length (so `("ab", "c")` and `("a", "bc")` differ).
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.put(&(bytes.len() as u64).to_le_bytes());
        self.put(bytes)
    }

    /// Adds a JSON value: its structure and contents, unambiguously (a type tag and a
    /// length before each part), without writing it out as JSON text.
    pub fn value(&mut self, v: &serde_json::Value) -> &mut Self {
        use serde_json::Value;
        match v {
            Value::Null => {
                self.put(&[0]);
            }
            Value::Bool(b) => {
                self.put(&[1, *b as u8]);
            }
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    self.put(&[2]).put(&i.to_le_bytes());
                } else if let Some(u) = n.as_u64() {
                    self.put(&[3]).put(&u.to_le_bytes());
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    self.put(&[4]).put(&f.to_bits().to_le_bytes());
                }
            }
            Value::String(s) => {
                self.put(&[5]);
                self.field(s.as_bytes());
            }
            Value::Array(items) => {
                self.put(&[6]).put(&(items.len() as u64).to_le_bytes());
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.put(&[7]).put(&(map.len() as u64).to_le_bytes());
                for (k, item) in map {
                    self.field(k.as_bytes());
                    self.value(item);
                }
            }
        }
        self
    }

    /// The key.
    pub fn key(&self) -> Key {
        let mut h = self.hasher.clone();
        h.update(&self.buf);
        Key(*h.finalize().as_bytes())
    }
}

impl std::io::Write for KeyHasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) fn parse_key(name: &str) -> Option<Key> {
    if name.len() != 64 {
        return None;
    }
    blake3::Hash::from_hex(name)
        .ok()
        .map(|h| Key(*h.as_bytes()))
}

/// The hash of an index file's uncompressed contents, as kept in a [`Bundle`].
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bytes).as_bytes()
}
