//! Front matter + Markdown → HTML: never panics, and with sanitizing on (the default)
//! the HTML can run nothing: no script, frame, embed, form or style element, no
//! event-handler attribute, no `javascript:`/`vbscript:`/`data:` URL; heading ids are
//! unique on a page without problems.

#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use waypost::content::front_matter::split;
use waypost::markdown::{render, AlertLabels, LinkResolver, RenderInput};

/// Pages whose path has an even length exist, files whose path has an odd length: both
/// branches of link resolution get exercised.
struct Resolver;

impl LinkResolver for Resolver {
    fn page(&self, rel: &str) -> Option<String> {
        (rel.len() % 2 == 0).then(|| format!("/en/{}/", rel.trim_end_matches(".md")))
    }
    fn asset(&self, rel: &str) -> Option<String> {
        (rel.len() % 2 == 1).then(|| format!("/en/{rel}"))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(page) = split(text, Path::new("content/en/fuzz.md")) else {
        return;
    };
    let alerts = AlertLabels::default();
    for title_from_heading in [false, true] {
        let out = render(&RenderInput {
            body: page.body,
            body_line: page.body_line,
            dir: "guides",
            title_from_heading,
            unsafe_html: false,
            alerts: &alerts,
            resolver: &Resolver,
            links: Default::default(),
        });
        check_inert(&out.html);
        if out.problems.is_empty() {
            let mut ids = HashSet::new();
            for h in &out.headings {
                assert!(ids.insert(h.id.as_str()), "heading id {:?} twice", h.id);
            }
        }
    }
});

/// Panics if `html` holds anything a browser would run.
fn check_inert(html: &str) {
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(k) = html[i..].find('<') {
        i += k;
        let rest = &html[i + 1..];
        if rest.starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |j| i + j + 3);
            continue;
        }
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        // Read the tag up to its `>`, respecting quotes.
        let mut j = i + 1;
        let mut quote = None;
        while j < b.len() {
            match (quote, b[j]) {
                (None, b'>') => break,
                (None, q @ (b'"' | b'\'')) => quote = Some(q),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
            j += 1;
        }
        let tag = &html[i + 1..j.min(b.len())];
        let name_end = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        assert!(
            !matches!(
                name.as_str(),
                "script" | "iframe" | "frame" | "object" | "embed" | "form" | "style" | "base"
                    | "meta" | "link" | "textarea" | "noscript"
            ),
            "<{name}> in sanitized HTML: {tag}"
        );
        for (attr, value) in attributes(&tag[name_end..]) {
            assert!(
                !attr.starts_with("on"),
                "event handler {attr} in <{name}>: {tag}"
            );
            assert!(attr != "srcdoc" && attr != "formaction", "{attr} in <{name}>");
            if matches!(attr.as_str(), "href" | "src" | "action" | "data" | "poster") {
                assert!(!dangerous(&value), "dangerous URL in <{name} {attr}={value:?}>");
            }
        }
        i = j;
    }
}

/// `(name, value)` pairs of a start tag's attribute text, values entity-decoded.
fn attributes(s: &str) -> Vec<(String, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut j = 0;
    while j < b.len() {
        while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
            j += 1;
        }
        let start = j;
        while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'=' && b[j] != b'/' {
            j += 1;
        }
        if j == start {
            j += 1;
            continue;
        }
        let name = s[start..j].to_ascii_lowercase();
        let mut value = String::new();
        if j < b.len() && b[j] == b'=' {
            j += 1;
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let vs = j + 1;
                let ve = s[vs..].bytes().position(|c| c == q).map_or(b.len(), |k| vs + k);
                value = s[vs..ve].to_string();
                j = ve + 1;
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() {
                    j += 1;
                }
                value = s[vs..j].to_string();
            }
        }
        out.push((name, decode(&value)));
    }
    out
}

/// Decodes the character references that can hide a URL scheme.
fn decode(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(e) = rest.find(';').filter(|&e| e < 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..e];
        let c = if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
            u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
        } else if let Some(d) = ent.strip_prefix('#') {
            d.parse().ok().and_then(char::from_u32)
        } else {
            match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                _ => None,
            }
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a browser would run or embed this URL: it drops ASCII tabs and newlines
/// anywhere and leading spaces and controls, and reads the scheme case-insensitively.
fn dangerous(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .trim_start_matches(|c: char| c <= ' ')
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| cleaned.starts_with(s))
}
