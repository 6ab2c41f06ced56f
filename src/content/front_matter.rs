//! Front matter: the optional YAML block between `---` lines at the top of a page.
//!
//! Takes a page's text; gives its [`FrontMatter`] and the Markdown body with the line the
//! body starts on, or a [`Diagnostic`] whose line counts from the top of the `.md` file.
//! This is the only user of serde_yaml for content.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Diagnostic;
use crate::yaml::{check_duplicate_keys, find_key_line, yaml_diagnostic};

/// A calendar date (`2026-03-02`; a full timestamp is accepted and its date kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date(pub NaiveDate);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor, not `String::deserialize` and a check after it: an error raised while
        // serde_yaml reads the value carries the value's own line and key.
        struct DateVisitor;

        impl serde::de::Visitor<'_> for DateVisitor {
            type Value = Date;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a date (YYYY-MM-DD)")
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Date, E> {
                parse_date(s).map(Date).ok_or_else(|| {
                    let shaped = s.trim().get(..10).is_some_and(|day| {
                        day.bytes().enumerate().all(|(i, b)| {
                            if i == 4 || i == 7 {
                                b == b'-'
                            } else {
                                b.is_ascii_digit()
                            }
                        })
                    });
                    E::custom(if shaped {
                        format!("invalid date `{s}`: there is no such day (dates are YYYY-MM-DD)")
                    } else {
                        format!("invalid date `{s}`: write it as YYYY-MM-DD")
                    })
                })
            }
        }

        d.deserialize_str(DateVisitor)
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10)?;
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    match &s[10..] {
        "" => Some(date),
        rest if rest.starts_with(['T', ' ']) => Some(date),
        _ => None,
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A facet value: one token or a list of them (`channel: online`, `documents: [passport]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FacetValue(pub Vec<String>);

impl<'de> Deserialize<'de> for FacetValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FacetVisitor { in_list: false })
    }
}

/// A facet's value, or (`in_list`) one entry of its list: a word, a number or `true` /
/// `false`, as text. Errors are raised while serde_yaml reads the value, so they carry
/// its line and key.
struct FacetVisitor {
    in_list: bool,
}

impl<'de> serde::de::Visitor<'de> for FacetVisitor {
    type Value = FacetValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.in_list {
            "a single value (a word or a number)"
        } else {
            "a single value or a list of values"
        })
    }

    fn visit_str<E>(self, v: &str) -> Result<FacetValue, E> {
        Ok(FacetValue(vec![v.to_string()]))
    }
    fn visit_i64<E>(self, v: i64) -> Result<FacetValue, E> {
        Ok(FacetValue(vec![v.to_string()]))
    }
    fn visit_u64<E>(self, v: u64) -> Result<FacetValue, E> {
        Ok(FacetValue(vec![v.to_string()]))
    }
    fn visit_f64<E>(self, v: f64) -> Result<FacetValue, E> {
        Ok(FacetValue(vec![v.to_string()]))
    }
    fn visit_bool<E>(self, v: bool) -> Result<FacetValue, E> {
        Ok(FacetValue(vec![v.to_string()]))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FacetValue, A::Error> {
        if self.in_list {
            return Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Seq,
                &self,
            ));
        }
        struct Entry;
        impl<'de> serde::de::DeserializeSeed<'de> for Entry {
            type Value = FacetValue;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FacetValue, D::Error> {
                d.deserialize_any(FacetVisitor { in_list: true })
            }
        }
        let mut values = Vec::new();
        while let Some(FacetValue(v)) = seq.next_element_seed(Entry)? {
            values.extend(v);
        }
        Ok(FacetValue(values))
    }
}

/// The fields a page may set. Unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Title; without it the first `# Heading` is the title.
    pub title: Option<String>,
    /// Meta description; without it the summary (first paragraph) is used.
    pub description: Option<String>,
    /// Order within the section (lower first), then title.
    pub weight: Option<i64>,
    /// First published.
    pub date: Option<Date>,
    /// Last changed.
    pub updated: Option<Date>,
    /// The day the steps were last checked against reality.
    pub reviewed: Option<Date>,
    /// In a translation: hash of the source body it was made from (`waypost stamp`).
    pub source_hash: Option<String>,
    /// Left out of the build unless `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Replaces the last segment of the URL.
    pub slug: Option<String>,
    /// Older URLs (site-absolute paths like `/en/old/`) that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Template name instead of `page.html` / `section.html`.
    pub template: Option<String>,
    /// Show the table of contents (default true).
    pub toc: Option<bool>,
    /// Groups translations whose paths differ.
    pub translation_key: Option<String>,
    /// Facets: name → value or list (`channel: online`).
    #[serde(default)]
    pub facets: BTreeMap<String, FacetValue>,
    /// `false` leaves the page out of the search index.
    pub search: Option<bool>,
    /// Free map for templates.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// A page split into front matter and body.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// The parsed front matter (default when the page has none).
    pub front_matter: FrontMatter,
    /// The YAML text between the fences (empty when none), for tools that edit it.
    pub yaml: &'a str,
    /// The Markdown after the closing fence.
    pub body: &'a str,
    /// 1-based line of the file on which `body` starts.
    pub body_line: usize,
}

/// Splits and parses a page. `path` names the file in errors.
pub fn split<'a>(text: &'a str, path: &Path) -> Result<Split<'a>, Diagnostic> {
    let Some(f) = fences(text).map_err(|Unclosed| {
        Diagnostic::new(path, "front matter opened on line 1 is never closed")
            .at_line(1)
            .hint("add a line with only `---` after the front matter")
    })?
    else {
        return Ok(Split {
            front_matter: FrontMatter::default(),
            yaml: "",
            body: text,
            body_line: 1,
        });
    };
    let yaml = &text[f.yaml];
    let front_matter = if yaml.trim().is_empty() {
        FrontMatter::default()
    } else {
        parse_yaml(yaml, path)?
    };
    Ok(Split {
        front_matter,
        yaml,
        body: &text[f.body_start..],
        body_line: f.body_line,
    })
}

/// Where the front matter of a page's text is (byte offsets into the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fences {
    /// The YAML between the fences; its end is where the closing fence's line starts.
    pub yaml: Range<usize>,
    /// Where the body starts: after the closing fence's line.
    pub body_start: usize,
    /// 1-based line of the text on which the body starts.
    pub body_line: usize,
}

/// A front-matter block opened on line 1 and never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unclosed;

/// Finds the front matter's fences: a first line `---`, then a line `---` or `...`
/// (trailing whitespace and `\r` allowed on both). `Ok(None)` when the text has no front
/// matter. The one scanner of fences: the page loader, `waypost check` (old versions
/// from git) and `waypost stamp` (which edits the block) all use it.
pub(crate) fn fences(text: &str) -> Result<Option<Fences>, Unclosed> {
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Ok(None);
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut pos = yaml_start;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let l = text[pos..end].trim_end();
        if l == "---" || l == "..." {
            return Ok(Some(Fences {
                yaml: yaml_start..pos,
                body_start: (end + 1).min(text.len()),
                body_line: line + 1,
            }));
        }
        pos = end + 1;
        line += 1;
    }
    Err(Unclosed)
}

fn parse_yaml(yaml: &str, path: &Path) -> Result<FrontMatter, Diagnostic> {
    // The YAML starts on line 2 of the file.
    let parsed =
        check_duplicate_keys(yaml).and_then(|()| serde_yaml::from_str::<FrontMatter>(yaml));
    parsed.map_err(|e| {
        let mut d = yaml_diagnostic(path, &e, yaml, 1, &[]);
        // serde points at the mapping for unknown keys; point at the key itself.
        if let Some(key) = d
            .message
            .strip_prefix("unknown key `")
            .and_then(|r| r.strip_suffix('`'))
        {
            if let Some(line) = find_key_line(yaml, key) {
                d.line = Some(line + 1);
                d.column = Some(1);
            }
            d.message = format!("unknown front-matter key `{key}`");
        }
        if let Some(rest) = d.message.strip_prefix("the file ") {
            d.message = format!("the front matter {rest}");
        }
        // Say what is wrong with a date rather than with the YAML.
        if d.message.contains("invalid date `") {
            d.hint = Some(
                "write the date as YYYY-MM-DD, a day that exists (2026-02-28, not 2026-02-30)"
                    .into(),
            );
        }
        d
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("content/en/a.md")
    }

    #[test]
    fn page_without_front_matter_is_all_body() {
        let s = split("# Hi\n\ntext\n", p()).unwrap();
        assert_eq!(s.body, "# Hi\n\ntext\n");
        assert_eq!(s.body_line, 1);
        assert!(s.front_matter.title.is_none());
    }

    #[test]
    fn front_matter_fields_are_read_and_body_line_counted() {
        let s = split(
            "---\ntitle: A\nweight: 3\nreviewed: 2026-01-02\nfacets:\n  channel: online\n  documents: [passport, national-id]\n---\nBody\n",
            p(),
        )
        .unwrap();
        assert_eq!(s.front_matter.title.as_deref(), Some("A"));
        assert_eq!(s.front_matter.weight, Some(3));
        assert_eq!(s.front_matter.reviewed.unwrap().to_string(), "2026-01-02");
        assert_eq!(
            s.front_matter.facets["documents"].0,
            vec!["passport", "national-id"]
        );
        assert_eq!(s.front_matter.facets["channel"].0, vec!["online"]);
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 9);
    }

    #[test]
    fn unknown_key_names_its_line_and_suggests() {
        let d = split("---\ntitle: A\ntitel: B\n---\n", p()).unwrap_err();
        assert_eq!(d.line, Some(3));
        assert!(d.message.contains("`titel`"), "{d}");
        assert_eq!(d.hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn invalid_yaml_line_counts_from_top_of_file() {
        let d = split("---\ntitle: A\ntags: [a, b\nweight: 2\n---\n", p()).unwrap_err();
        assert!(d.line.unwrap() >= 3, "{d}");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let d = split("---\ntitle: A\n\nBody", p()).unwrap_err();
        assert!(d.message.contains("never closed"));
    }

    #[test]
    fn a_day_that_does_not_exist_is_reported_at_its_line() {
        let d = split("---\ntitle: A\nweight: 2\nreviewed: 2026-02-30\n---\n", p()).unwrap_err();
        assert_eq!(d.line, Some(4), "{d}");
        assert!(d.message.contains("no such day"), "{d}");
        assert!(d.hint.as_deref().unwrap().contains("YYYY-MM-DD"), "{d}");
        assert!(!d.hint.as_deref().unwrap().contains("indentation"), "{d}");
    }

    #[test]
    fn a_key_given_twice_in_a_nested_map_is_refused_at_the_second() {
        let d = split("---\ntitle: {en: A, en: B}\n---\n", p()).unwrap_err();
        assert_eq!(d.message, "`title.en` is given twice");
        assert_eq!(d.line, Some(2), "{d}");
        let d = split(
            "---\ntitle: A\nfacets:\n  channel: online\n  channel: store\n---\n",
            p(),
        )
        .unwrap_err();
        assert_eq!(d.message, "`facets.channel` is given twice");
        assert_eq!(d.line, Some(5), "{d}");
        assert_eq!(
            d.hint.as_deref(),
            Some("keep one of the two; the other is on line 4")
        );
        let d = split("---\nextra:\n  steps: [{a: 1, a: 2}]\n---\n", p()).unwrap_err();
        assert_eq!(d.message, "`a` in entry 1 of `extra.steps` is given twice");
        assert_eq!(d.line, Some(3), "{d}");
    }

    #[test]
    fn a_value_of_the_wrong_kind_says_what_was_found_and_what_is_expected() {
        let d = split("---\ntitle: A\nweight: two\n---\n", p()).unwrap_err();
        assert_eq!(
            d.message,
            "`weight` must be a whole number, not the text `two`"
        );
        assert_eq!(d.line, Some(3));
        let d = split("---\ntags: a\n---\n", p()).unwrap_err();
        assert_eq!(d.message, "`tags` must be a list, not the text `a`");
        let d = split("---\nfacets:\n  channel: {a: b}\n---\n", p()).unwrap_err();
        assert_eq!(
            d.message,
            "`facets.channel` must be a single value or a list of values, not a map (`key: value` entries)"
        );
        assert_eq!(d.line, Some(3), "{d}");
        let d = split("---\nreviewed: [2026-01-02]\n---\n", p()).unwrap_err();
        assert_eq!(
            d.message,
            "`reviewed` must be a date (YYYY-MM-DD), not a list"
        );
        let d = split("---\n- a\n---\n", p()).unwrap_err();
        assert!(
            d.message.starts_with("the front matter must be a map"),
            "{d}"
        );
    }

    #[test]
    fn facets_take_words_numbers_and_lists_of_them() {
        let s = split("---\nfacets:\n  a: [x, 2, true]\n  b: 1.5\n---\n", p()).unwrap();
        assert_eq!(s.front_matter.facets["a"].0, vec!["x", "2", "true"]);
        assert_eq!(s.front_matter.facets["b"].0, vec!["1.5"]);
    }

    #[test]
    fn bad_date_is_explained() {
        let d = split("---\nreviewed: 2026-13-40\n---\n", p()).unwrap_err();
        assert!(d.message.contains("YYYY-MM-DD"), "{d}");
        assert_eq!(d.line, Some(2));
    }
}
