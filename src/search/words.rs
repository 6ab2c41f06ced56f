//! The words a language's pages use, for the theme's typo tolerance.
//!
//! Takes a language's indexed pages (their title, description and rendered body); gives
//! the bytes of `waypost-words.txt` in the language's bundle: one word a line, the words
//! of most pages first (ties in code-point order), at most `MAX_WORDS`. When a search
//! finds nothing, the theme fetches this file once and searches instead for the closest
//! word it lists (`static/waypost.js`, "typo tolerance").
//!
//! The words are the page's own, lower-cased, as readers would type them — not
//! Pagefind's index words, which are stems in stemmed languages (`verific` for
//! *verificación*) and would not do for "Showing results for …". Only words that can
//! be mistyped one letter at a time are listed: letters only, 4 to 24 of them, none in
//! a script written without spaces (Chinese, Japanese, Korean, Thai), where the index is
//! segmented and edit distance means nothing.

use std::collections::HashMap;

use super::document::DocInputs;

/// The file's name in a language's bundle.
pub(crate) const WORDS_FILE: &str = "waypost-words.txt";

/// At most this many words: about 70 KB compressed, fetched only after a search that
/// found nothing.
pub(super) const MAX_WORDS: usize = 20_000;

/// Shortest and longest word listed, in characters.
const MIN_LEN: usize = 4;
const MAX_LEN: usize = 24;

/// The file's bytes for the pages whose search inputs `docs` yields.
pub(super) fn vocabulary<'s>(
    docs: impl rayon::iter::ParallelIterator<Item = DocInputs<'s>>,
) -> Vec<u8> {
    use rayon::prelude::*;
    let counts = docs
        .fold(HashMap::<String, u32>::new, |mut counts, d| {
            let mut mine: Vec<String> = Vec::new();
            for text in [d.title, d.description] {
                words_of(text, &mut mine);
            }
            words_of(&visible_text(d.html), &mut mine);
            mine.sort_unstable();
            mine.dedup();
            for w in mine {
                *counts.entry(w).or_default() += 1;
            }
            counts
        })
        .reduce(HashMap::new, |mut a, b| {
            let (mut a, b) = if a.len() < b.len() {
                (b, a)
            } else {
                (std::mem::take(&mut a), b)
            };
            for (w, n) in b {
                *a.entry(w).or_default() += n;
            }
            a
        });
    let mut words: Vec<(String, u32)> = counts.into_iter().collect();
    words.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words.truncate(MAX_WORDS);
    let mut out = Vec::with_capacity(words.len() * 9);
    for (w, _) in words {
        out.extend_from_slice(w.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Pushes the listable words of `text` (see the module docs), lower-cased.
fn words_of(text: &str, out: &mut Vec<String>) {
    for run in text.split(|c: char| !c.is_alphabetic()) {
        let len = run.chars().count();
        if (MIN_LEN..=MAX_LEN).contains(&len) && !run.chars().any(unspaced) {
            out.push(run.to_lowercase());
        }
    }
}

/// Whether `c` is in a script written without spaces between words.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F      // Thai
        | 0x0E80..=0x0EFF    // Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x1100..=0x11FF    // Hangul Jamo
        | 0x2E80..=0x9FFF    // CJK radicals, kana, CJK ideographs
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF65..=0xFFDC    // half-width kana and Hangul
        | 0x20000..=0x3FFFF) // CJK extensions
}

/// The text of rendered HTML: tags dropped (and the contents of `<script>`, `<style>`
/// and `<svg>`), the entities the renderer writes decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&rest[..lt], &mut out);
        out.push(' ');
        rest = &rest[lt..];
        let skip_to = ["script", "style", "svg"].iter().find_map(|name| {
            let open = rest.get(1..=name.len())?;
            open.eq_ignore_ascii_case(name).then(|| format!("</{name}"))
        });
        let end = match skip_to {
            Some(close) => rest.find(close.as_str()).unwrap_or(rest.len()),
            None => 0,
        };
        rest = &rest[end..];
        rest = match rest.find('>') {
            Some(gt) => &rest[gt + 1..],
            None => "",
        };
    }
    push_decoded(rest, &mut out);
    out
}

/// Pushes `text` with its character references decoded (named ones: the few HTML
/// escaping writes; others become a space, which separates words as they would).
fn push_decoded(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Bytes, not characters: the text after `&` may be any script.
        let Some(semi) = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|b| *b == b';')
        else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..semi];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        out.push(decoded.unwrap_or(' '));
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    fn inputs<'s>(title: &'s str, description: &'s str, html: &'s str) -> DocInputs<'s> {
        DocInputs {
            lang: "en",
            title,
            description,
            filters: Vec::new(),
            html,
        }
    }

    fn listed(bytes: &[u8]) -> Vec<&str> {
        std::str::from_utf8(bytes).unwrap().lines().collect()
    }

    #[test]
    fn words_of_most_pages_come_first_lower_cased_and_once_a_page() {
        let pages = [
            inputs(
                "Passport check",
                "",
                "<p>Passport, passport and <b>visa</b>.</p>",
            ),
            inputs("Visa", "Where passports go", "<p>Bring the passport.</p>"),
            inputs("Other", "", "<p>Nothing&nbsp;alike</p>"),
        ];
        let words = vocabulary(pages.into_par_iter());
        assert_eq!(
            listed(&words),
            [
                "passport",
                "visa",
                "alike",
                "bring",
                "check",
                "go",
                "nothing",
                "other",
                "passports",
                "where"
            ]
            .into_iter()
            .filter(|w| w.chars().count() >= MIN_LEN)
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn scripts_without_spaces_digits_markup_and_scripts_are_not_listed() {
        let html = "<p>护照 verificación 12345 año2026 tarjeta</p><script>var secretvariable = 1;</script>\
                    <style>.hiddenclass{}</style><svg><title>drawing</title></svg><a href=\"/x\" class=\"attribute\">enlace</a> &#233;xito &amp;amp";
        let words = vocabulary([inputs("", "", html)].into_par_iter());
        assert_eq!(
            listed(&words),
            ["enlace", "tarjeta", "verificación", "éxito"]
        );
    }

    #[test]
    fn the_list_stops_at_its_cap_keeping_the_most_used_words() {
        let common = "<p>common</p>";
        let mut pages = vec![inputs("", "", common), inputs("", "", common)];
        let rare: Vec<String> = (0..MAX_WORDS + 10)
            .map(|n| {
                let word: String = format!("{n:05}")
                    .chars()
                    .map(|d| char::from(b'a' + d.to_digit(10).unwrap() as u8))
                    .collect();
                format!("<p>w{word}</p>")
            })
            .collect();
        pages.extend(rare.iter().map(|h| inputs("", "", h)));
        let words = vocabulary(pages.into_par_iter());
        let listed = listed(&words);
        assert_eq!(listed.len(), MAX_WORDS);
        assert_eq!(listed[0], "common");
    }
}
