//! Rendered pages kept in the build cache.
//!
//! Takes a page's [`PageInputs`] and the [`Cache`]; gives the page's [`OutputFile`] —
//! a link to the HTML an earlier build made from the same inputs, else the HTML made
//! now, kept in the cache and published as a link to its entry (written once).
//!
//! The key is the template set's digest, the page's template, its language's shared
//! context entries (hashed once per language, [`PageMemo::digest`]) and each of the
//! page's own entries by name and value: the context is everything a template reads
//! when the template set holds no impure call (`now()`, `get_random()`, `get_env()`;
//! with one, the render stage does not ask the memo).

use super::{PageInputs, PageMemo};
use crate::cache::{Cache, Kind};
use crate::error::Diagnostic;
use crate::output::OutputFile;

/// The build cache as the render stage's memo.
impl PageMemo for Cache {
    fn keeps_pages(&self) -> bool {
        true
    }

    fn digest(&self, value: &serde_json::Value) -> [u8; 32] {
        self.hasher(Kind::Page).value(value).key().0
    }

    fn rendered_page(
        &self,
        path: &str,
        inputs: PageInputs<'_>,
        make: &mut dyn FnMut(
            serde_json::Map<String, serde_json::Value>,
        ) -> Result<String, Diagnostic>,
    ) -> Result<OutputFile, Diagnostic> {
        // Taken apart without `..`: a field added to `PageInputs` does not compile until
        // it is part of the key.
        let PageInputs {
            templates,
            template,
            shared,
            own,
        } = inputs;
        let mut h = self.hasher(Kind::Page);
        h.field(templates).field(template.as_bytes()).field(shared);
        for (name, value) in &own {
            h.field(name.as_bytes()).value(value);
        }
        let key = h.key();
        if let Some(kept) = self.page(&key) {
            return Ok(OutputFile::cached(path, kept));
        }
        let html = make(own)?;
        Ok(match self.put_page(&key, html.as_bytes()) {
            Some(kept) => OutputFile::cached(path, kept),
            None => OutputFile::bytes(path, html),
        })
    }
}
