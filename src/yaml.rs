//! YAML helpers shared by `site.yaml`, front matter and UI strings.
//!
//! Takes YAML text, or a serde_yaml error with the file it came from; gives the lines of
//! top-level keys and of list entries, a check that no map gives a key twice, and
//! [`Diagnostic`]s that name the line and the key (with its path, `links.missing_page`),
//! say in the user's terms what was written and what is expected (never a Rust type
//! name), and suggest the closest valid key or value.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;

use crate::error::Diagnostic;

/// Line (1-based) of a top-level `key:` in YAML text.
pub(crate) fn find_key_line(text: &str, key: &str) -> Option<usize> {
    key_lines(text, key).next()
}

/// Lines (1-based) of every top-level `key:` in YAML text.
fn key_lines<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = usize> + 't {
    text.lines()
        .enumerate()
        .filter(move |(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(i, _)| i + 1)
}

/// The start of the message of a key given twice (see [`check_duplicate_keys`]).
const DUPLICATE: &str = "duplicate key `";

/// Checks that no map in `text`, at any depth, gives a key twice. serde keeps the last
/// of two for the maps read into a `BTreeMap` or a JSON value (per-language titles,
/// facets, `extra`, UI strings), so a typo would silently drop a value; the error points
/// at the second key (turn it into a diagnostic with [`yaml_diagnostic`]). Text that is
/// not YAML gives the same error the typed parse would.
pub(crate) fn check_duplicate_keys(text: &str) -> Result<(), serde_yaml::Error> {
    serde_yaml::from_str::<Unique>(text).map(|_| ())
}

/// Any YAML value whose maps have no key twice.
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_none<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Unique, D::Error> {
        Unique::deserialize(d)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while map.next_key_seed(KeySeed(&mut seen))?.is_some() {
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }

    /// A tagged value (`!tag x`).
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Unique, A::Error> {
        let (IgnoredAny, variant) = data.variant()?;
        de::VariantAccess::newtype_variant::<Unique>(variant)
    }
}

/// A map's key, refused when the map has had it already. The error is raised while
/// serde_yaml reads the key, so it carries the key's own line.
struct KeySeed<'s>(&'s mut HashSet<String>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl KeySeed<'_> {
    fn first<E: de::Error>(self, key: String) -> Result<(), E> {
        if self.0.contains(&key) {
            return Err(E::custom(format!("{DUPLICATE}{key}`")));
        }
        self.0.insert(key);
        Ok(())
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.first(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.first(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.first(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.first(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.first(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.first("null".to_string())
    }
    // A list, a map or a tagged value as a key (rare, and never one of waypost's keys):
    // its own maps are checked, it is not compared with the other keys.
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        UniqueVisitor.visit_seq(seq).map(|_| ())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        UniqueVisitor.visit_map(map).map(|_| ())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        UniqueVisitor.visit_enum(data).map(|_| ())
    }
}

/// The words a unit-only enum is written as in YAML (`error`, `warn`, `ignore`), as serde
/// reads them (renames applied): the messages list the real values, never a copy that
/// could drift from the code.
pub(crate) fn words_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut words: &'static [&'static str] = &[];
    let _ = T::deserialize(WordGrabber(&mut words));
    words
}

/// A deserializer that only records the variant names an enum asks for.
struct WordGrabber<'w>(&'w mut &'static [&'static str]);

impl<'de> Deserializer<'de> for WordGrabber<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = variants;
        Err(de::Error::custom("recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// The words a key takes, for the keys whose value is one word of a fixed set: the key's
/// path without list indexes (`links.missing_page`, `output.precompress` for each entry
/// of that list), and its words (from [`words_of`]).
pub(crate) type Words<'a> = &'a [(&'a str, &'static [&'static str])];

/// The phrases serde starts its messages with (after serde_yaml's `path: `).
const SERDE_PHRASES: &[&str] = &[
    "unknown field `",
    "unknown variant `",
    "invalid type: ",
    "invalid value: ",
    "invalid length ",
    "missing field `",
    "duplicate field `",
    DUPLICATE,
    // Waypost's own (a front-matter date).
    "invalid date `",
];

/// serde_yaml's message split into the path it prefixes (`links.missing_page`; none for
/// the top of the file) and serde's message, without serde_yaml's " at line X column Y".
fn split_message(err: &serde_yaml::Error, line_offset: usize) -> (Option<String>, String) {
    // serde_yaml writes " at line X column Y" after the problem (and libyaml after its
    // context too); the diagnostic has the location, counted from the top of the file.
    let msg = without_locations(&err.to_string(), line_offset);
    let msg = msg.as_str();
    let start = SERDE_PHRASES.iter().filter_map(|p| msg.find(p)).min();
    match start {
        Some(i) if i > 2 && msg[..i].ends_with(": ") => {
            (Some(msg[..i - 2].to_string()), msg[i..].to_string())
        }
        _ => (None, msg.to_string()),
    }
}

/// `msg` without the " at line X column Y" of the problem (the diagnostic's own line),
/// and with a later one (libyaml's context: where the list or quote that is not closed
/// was opened) as " opened on line N", counted from the top of the file.
fn without_locations(msg: &str, line_offset: usize) -> String {
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    let mut first = true;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let n = digits(after);
        let column = after[n..]
            .strip_prefix(" column ")
            .filter(|t| n > 0 && digits(t) > 0);
        match (column, after[..n].parse::<usize>()) {
            (Some(t), Ok(line)) => {
                if !first {
                    out.push_str(&format!(" opened on line {}", line + line_offset));
                }
                first = false;
                rest = &t[digits(t)..];
            }
            _ => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `path` with each list index written `[]`: `languages[1].dir` → `languages[].dir`.
fn without_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' if in_index => in_index = false,
            c if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

/// `` `a`, `b`, `c` ``.
fn word_list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    quoted.join(", ")
}

/// The names serde lists after "expected" (`` expected one of `a`, `b` ``, `` expected
/// `a` ``); empty for "there are no fields".
fn expected_names(rest: &str) -> Vec<&str> {
    let Some(list) = rest.split("expected ").nth(1) else {
        return Vec::new();
    };
    list.split('`').skip(1).step_by(2).collect()
}

/// What serde found (its `Unexpected`), in the user's terms.
fn found_in_words(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        let s = s.trim_matches('"');
        return format!("the text `{s}`");
    }
    for (prefix, what) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(v) = found.strip_prefix(prefix) {
            return format!("{what}{v}");
        }
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "a map (`key: value` entries)".into(),
        "enum" => "a tagged value (`!tag …`)".into(),
        "char" => "a character".into(),
        _ => "a value of another kind".into(),
    }
}

/// What serde expected, in the user's terms; `words` are the words the key takes, when
/// it takes one of a fixed set.
fn expected_in_words(expected: &str, words: Option<&[&str]>) -> String {
    match words {
        Some([one]) => return format!("`{one}`"),
        Some(words) if !words.is_empty() => return format!("one of {}", word_list(words)),
        _ => {}
    }
    let e = expected.trim();
    if e.starts_with("struct ") || e == "a YAML mapping" {
        return "a map of settings (`key: value` entries)".into();
    }
    match e {
        "a sequence" => "a list".into(),
        "a boolean" => "`true` or `false`".into(),
        "a string" | "a borrowed string" | "a character" => "a text".into(),
        "a map" => "a map (`key: value` entries)".into(),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a YAML tag starting with '!'" => "a word".into(),
        _ if e.starts_with("enum ") => "a word".into(),
        "any valid JSON value" => "a text, a number, a list or a map".into(),
        // A message of waypost's own (`a date (YYYY-MM-DD)`) or serde's plain words; never
        // a Rust type's name.
        _ if !names_a_type(e) => e.into(),
        _ => "another kind of value".into(),
    }
}

/// Whether serde's "expected" text names a Rust type (`struct LinkPolicy`, `enum Policy`,
/// `OutputConfig`, `std::string::String`) rather than saying what is expected in words.
fn names_a_type(expected: &str) -> bool {
    expected.contains("::")
        || expected
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| matches!(w, "struct" | "enum" | "tuple" | "newtype" | "variant"))
        || expected.split(|c: char| !c.is_alphanumeric()).any(|w| {
            let mut chars = w.chars();
            chars.next().is_some_and(char::is_uppercase)
                && w.chars().any(char::is_lowercase)
                && chars.any(char::is_uppercase)
        })
}

/// What to write instead, for `key` that expects `expected` (as [`expected_in_words`]
/// says it); `entry_words` are the words each entry takes when `key` is a list of them.
fn how_to_write(key: &str, expected: &str, entry_words: Option<&[&str]>) -> String {
    let in_list = key.ends_with(']');
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    let example = |v: &str| {
        if in_list {
            format!("`{leaf}: [{v}]`")
        } else {
            format!("`{leaf}: {v}`")
        }
    };
    if leaf.is_empty() {
        "write one `key: value` setting per line; see the README's table of keys".into()
    } else if expected.starts_with("a map of settings") {
        format!("write the settings as `key: value` lines indented under `{leaf}:`, or as `{leaf}: {{key: value}}`; see the README's table of keys")
    } else if expected.starts_with("a map") {
        format!("write `key: value` lines indented under `{leaf}:`, or `{leaf}: {{key: value}}`")
    } else if expected == "a list" {
        match entry_words {
            Some(words @ [first, ..]) => format!(
                "write `{leaf}: [{}]`, or one `- {first}` per line indented under `{leaf}:`",
                words.join(", ")
            ),
            _ => format!(
                "write `{leaf}: [a, b]`, or one `- entry` per line indented under `{leaf}:`"
            ),
        }
    } else if let Some(words) = expected.strip_prefix("one of `") {
        let first = words.split('`').next().unwrap_or("");
        format!("write one of them, e.g. {}", example(first))
    } else if expected.starts_with('`') && !expected.contains("true") {
        format!("write {}", example(expected.trim_matches('`')))
    } else if expected.contains("true") {
        format!("write {} or {}", example("true"), example("false"))
    } else if expected.starts_with("a whole number") || expected == "a number" {
        format!("write the number without quotes, e.g. {}", example("3"))
    } else if expected.starts_with("a date") {
        format!(
            "write the date as YYYY-MM-DD, e.g. {}",
            example("2026-03-02")
        )
    } else if expected.starts_with("a single value or a list") {
        format!(
            "write {} or {}",
            example("online"),
            example("[passport, national-id]")
        )
    } else if expected.starts_with("a single value") {
        format!(
            "write each entry as a word or a number, e.g. {}",
            example("passport")
        )
    } else if expected.contains("language code") {
        format!("write `{leaf}: My guides` or `{leaf}: {{en: My guides, es: Mis guías}}`")
    } else if expected == "a text" {
        "put the text in quotes if it looks like something else: `\"…\"`".into()
    } else {
        "see the README's table of keys".into()
    }
}

/// Turns a serde_yaml error into a diagnostic; `line_offset` is added to YAML's line (for
/// front matter inside a larger file). `text` is the YAML (to name the line of the first
/// of two keys given twice); `words` are the keys that take one of a fixed set of words.
/// Unknown keys are named with their path and get the closest valid key of their own map
/// suggested; values of the wrong kind say what was found and what is expected.
pub(crate) fn yaml_diagnostic(
    path: &Path,
    err: &serde_yaml::Error,
    text: &str,
    line_offset: usize,
    words: Words<'_>,
) -> Diagnostic {
    let (at, msg) = split_message(err, line_offset);
    let mut d = Diagnostic::new(path, msg.clone());
    if let Some(loc) = err.location() {
        d = d.at(loc.line() + line_offset, loc.column());
    }
    // The key `name` of the map at the error's path, as `subject` says it.
    let qualified = |name: &str| match &at {
        Some(p) => subject(&format!("{p}.{name}")),
        None => format!("`{name}`"),
    };
    let key = at.clone().unwrap_or_default();
    let words_at = |k: &str| words.iter().find(|(w, _)| *w == k).map(|(_, w)| *w);
    let bare = without_indexes(&key);
    let (words_of_key, entry_words) = (words_at(&bare), words_at(&format!("{bare}[]")));
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or_default();
        let known = expected_names(rest);
        d.message = format!("unknown key {}", qualified(field));
        d = d.hint(suggest_key(field, &known, at.as_deref()));
    } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or_default();
        let known = expected_names(rest);
        d.message = format!(
            "{} must be {}, not `{value}`",
            subject(&key),
            expected_in_words("", Some(&known))
        );
        d = d.hint(match closest(value, &known) {
            Some(k) => format!("did you mean `{k}`?"),
            None => how_to_write(&key, &expected_in_words("", Some(&known)), None),
        });
    } else if let Some(rest) = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
    {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let expected = expected_in_words(expected, words_of_key);
        d.message = if found == "unit value" {
            format!("{} has no value; it must be {expected}", subject(&key))
        } else {
            format!(
                "{} must be {expected}, not {}",
                subject(&key),
                found_in_words(found)
            )
        };
        d = d.hint(if found == "enum" {
            "remove the `!…` tag before the value".to_string()
        } else {
            how_to_write(&key, &expected, entry_words)
        });
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        d.message = match &at {
            Some(p) => format!("{} has no `{field}`", subject(p)),
            None => format!("`{field}` is missing"),
        };
        d = d.hint(format!("add `{field}: …`; see the README's table of keys"));
    } else if let Some(rest) = msg
        .strip_prefix(DUPLICATE)
        .or_else(|| msg.strip_prefix("duplicate field `"))
    {
        let field = rest.split('`').next().unwrap_or_default();
        d.message = format!("{} is given twice", qualified(field));
        let first = err.location().and_then(|loc| {
            earlier_key_line(text, field, loc.line(), loc.column().saturating_sub(1))
        });
        let second = d.line;
        d = d.hint(match first {
            Some(first) if Some(first + line_offset) == second => {
                "keep one of the two (the other is earlier on this line); only the last one would be used".to_string()
            }
            Some(first) => format!(
                "keep one of the two; the other is on line {}",
                first + line_offset
            ),
            None => "keep one of the two; only the last one would be used".to_string(),
        });
    } else if let Some(rest) = msg.strip_prefix("invalid date `") {
        d.message = format!("{} has an invalid date `{rest}", subject(&key));
    } else if msg.contains("recursion limit") || msg.contains("repetition limit") {
        d = d.hint("the YAML nests or repeats too much (an alias bomb?); simplify it");
    } else if at.is_none() && err.location().is_some() {
        d = d.hint("fix the YAML here: check the indentation, close brackets and quotes, and quote values that contain `: ` or start with a special character");
    } else {
        d = d.hint("see the README's table of keys for what it takes");
    }
    d
}

/// A path as the user would say it: "`links.missing_page`", "entry 2 of
/// `output.precompress`", "`dir` in entry 1 of `languages`", or "the file" for the top of
/// it.
fn subject(key: &str) -> String {
    if key.is_empty() {
        return "the file".to_string();
    }
    let Some((list, index, rest)) = key.rfind(']').and_then(|close| {
        let open = key[..close].rfind('[')?;
        let index = key[open + 1..close].parse::<usize>().ok()?;
        Some((&key[..open], index, &key[close + 1..]))
    }) else {
        return format!("`{key}`");
    };
    let entry = format!("entry {} of {}", index + 1, subject(list));
    match rest.strip_prefix('.') {
        Some(rest) if !rest.is_empty() => format!("`{rest}` in {entry}"),
        _ => entry,
    }
}

/// The valid name closest to `name`, when one is close enough to be a typo of it.
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.8)
        .map(|(_, k)| k)
}

/// "did you mean `title`?" or the list of valid keys (of the map at `within`, when it is
/// not the top of the file).
fn suggest_key(field: &str, known: &[&str], within: Option<&str>) -> String {
    if let Some(k) = closest(field, known) {
        return format!("did you mean `{k}`?");
    }
    let place = within.map_or(String::new(), |p| format!(" of {}", subject(p)));
    if known.is_empty() {
        format!("nothing can be set{place}; remove this key")
    } else {
        format!("the keys{place} are {}", word_list(known))
    }
}

/// The line (1-based) of the first of two `key`s of one map in `text`, the second being
/// at `line` (1-based) and `column` (0-based): earlier on that line (a flow map
/// `{en: A, en: B}`), or on an earlier line at the same indentation with no line of the
/// map's parent between them (a block map). `None` when it cannot be told.
fn earlier_key_line(text: &str, key: &str, line: usize, column: usize) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let second = lines.get(line.checked_sub(1)?)?;
    let before: String = second.chars().take(column).collect();
    let flow = [
        format!("{{{key}:"),
        format!(", {key}:"),
        format!(",{key}:"),
        format!("{{ {key}:"),
    ];
    if flow.iter().any(|f| before.contains(f.as_str())) {
        return Some(line);
    }
    for (i, l) in lines[..line - 1].iter().enumerate().rev() {
        let content = l.trim_start_matches([' ', '-']);
        let indent = l.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent == column
            && content
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        {
            return Some(i + 1);
        }
        // The line that opens this map (`- a: …`) or a line of its parent.
        if indent < column || (indent == column && l.trim_start().starts_with('-')) {
            return None;
        }
    }
    None
}

/// The line (1-based, within `yaml`) of the `index`-th entry of the block list under
/// `key`, else the line of `key` itself (a flow list `[a, b]` is on that line).
pub(crate) fn list_entry_line(yaml: &str, key: &str, index: usize) -> Option<usize> {
    let key_line = find_key_line(yaml, key)?;
    let entry = yaml
        .lines()
        .enumerate()
        .skip(key_line)
        .take_while(|(_, l)| l.starts_with([' ', '-', '\t']) || l.trim().is_empty())
        .filter(|(_, l)| {
            let t = l.trim_start();
            t == "-" || t.starts_with("- ")
        })
        .nth(index)
        .map(|(i, _)| i + 1);
    Some(entry.unwrap_or(key_line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(text: &str) -> Diagnostic {
        let e = check_duplicate_keys(text).unwrap_err();
        yaml_diagnostic(Path::new("x.yaml"), &e, text, 0, &[])
    }

    #[test]
    fn a_key_given_twice_is_found_at_any_depth_and_named_by_its_path() {
        let d = duplicate("a: 1\nb:\n  c: 1\n  d:\n    - e: 1\n      e: 2\n");
        assert_eq!(d.message, "`e` in entry 1 of `b.d` is given twice");
        assert_eq!((d.line, d.column), (Some(6), Some(7)));
        assert_eq!(
            d.hint.as_deref(),
            Some("keep one of the two; the other is on line 5")
        );
        let d = duplicate("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.message, "`a` is given twice");
        assert_eq!(
            d.hint.as_deref(),
            Some("keep one of the two; the other is on line 1")
        );
    }

    #[test]
    fn the_same_key_in_two_maps_is_not_a_duplicate() {
        for ok in [
            "a: {en: 1}\nb: {en: 2}\n",
            "- {code: en}\n- {code: es}\n",
            "a:\n  x: 1\nb:\n  x: 2\n",
            "a: !tag {x: 1}\nb: [x, x]\n",
        ] {
            assert!(check_duplicate_keys(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn the_first_of_two_keys_is_found_only_in_the_same_map() {
        let text = "- code: en\n  name: A\n- code: es\n  name: B\n  name: C\n";
        assert_eq!(earlier_key_line(text, "name", 5, 2), Some(4));
        // The other `name` of the second entry's map is not that of the first entry.
        let text = "- code: en\n  name: A\n- code: es\n  code: B\n";
        assert_eq!(earlier_key_line(text, "code", 4, 2), Some(3));
        assert_eq!(
            earlier_key_line("a: {en: x, en: y}\n", "en", 1, 11),
            Some(1)
        );
        assert_eq!(
            earlier_key_line("a:\n  en: x\nb:\n  en: y\n", "en", 4, 2),
            None
        );
    }

    #[test]
    fn locations_are_taken_out_of_yaml_messages() {
        assert_eq!(
            without_locations(
                "found unexpected end of stream at line 3 column 1, while scanning a quoted scalar at line 1 column 8",
                1
            ),
            "found unexpected end of stream, while scanning a quoted scalar opened on line 2"
        );
        assert_eq!(without_locations("at line one", 0), "at line one");
    }

    #[test]
    fn rust_type_names_are_told_from_words() {
        for rust in [
            "struct LinkPolicy",
            "enum Policy",
            "OutputConfig",
            "std::string::String",
            "tuple struct X",
        ] {
            assert!(names_a_type(rust), "{rust}");
        }
        for words in [
            "a date (YYYY-MM-DD)",
            "a single value or a list of values",
            "a text, or a map of language code to text",
        ] {
            assert!(!names_a_type(words), "{words}");
        }
    }
}
