//! Link targets: which are internal pages, which are files, which are external.
//!
//! Takes a link destination as written in Markdown and the folder of the page it is in;
//! gives a [`Target`]: a page path under `content/<lang>/` with an optional anchor, an
//! asset path, a same-page anchor, or an external URL left as written. Paths are
//! percent-decoded and normalised; a path that climbs out of the language folder is an
//! error.

use percent_encoding::percent_decode_str;

/// What a link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `https://…`, `mailto:…`, `//host/…`, or a site-absolute `/path`: left as written.
    External,
    /// A URL scheme that runs code (`javascript:`, `vbscript:`, `data:`).
    Dangerous,
    /// `#anchor` on the same page.
    SamePage(String),
    /// A Markdown page: path under the language folder (`esim/in-app.md`) and anchor.
    Page(String, Option<String>),
    /// Another file: path under the language folder, and the rest (`#…`/`?…`) as written.
    Asset(String, String),
}

/// Classifies `dest`, written in a page whose folder is `dir` (under `content/<lang>/`).
pub fn classify(dest: &str, dir: &str) -> Result<Target, String> {
    let dest = dest.trim();
    if let Some(anchor) = dest.strip_prefix('#') {
        return Ok(Target::SamePage(decode(anchor)));
    }
    if let Some(scheme) = scheme(dest) {
        let s = scheme.to_ascii_lowercase();
        if s == "javascript" || s == "vbscript" || s == "data" {
            return Ok(Target::Dangerous);
        }
        return Ok(Target::External);
    }
    if dest.starts_with('/') || dest.is_empty() {
        return Ok(Target::External);
    }
    let (path, rest) = match dest.find(['#', '?']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    let decoded = decode(path);
    let joined = if dir.is_empty() {
        decoded.clone()
    } else {
        format!("{dir}/{decoded}")
    };
    let normal = normalize(&joined)
        .ok_or_else(|| format!("link `{dest}` points outside the language folder"))?;
    if decoded.ends_with(".md") {
        let anchor = rest.strip_prefix('#').filter(|a| !a.is_empty()).map(decode);
        Ok(Target::Page(normal, anchor))
    } else {
        Ok(Target::Asset(normal, rest.to_string()))
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The scheme of an absolute URL (`https` in `https://x`), if any.
fn scheme(dest: &str) -> Option<String> {
    // Browsers drop tabs and line breaks anywhere in a URL (`java\nscript:` is
    // `javascript:`), so they are dropped before looking for the scheme.
    let dest: String = dest
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if dest.starts_with("//") {
        return Some(String::new());
    }
    let i = dest.find(':')?;
    let s = &dest[..i];
    let mut chars = s.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then(|| s.to_string())
}

/// Resolves `.` and `..` in a `/`-separated relative path; None if it climbs above the top.
pub(crate) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheme_split_by_tabs_or_line_breaks_is_still_recognised() {
        for dest in [
            "java\nscript:alert(1)",
            "java\tscript:alert(1)",
            "JAVA\r\nSCRIPT:x",
        ] {
            assert_eq!(classify(dest, "").unwrap(), Target::Dangerous, "{dest:?}");
        }
        assert_eq!(
            classify("ht\ntps://example.org/", "").unwrap(),
            Target::External
        );
    }

    #[test]
    fn relative_md_links_resolve_against_the_page_folder() {
        assert_eq!(
            classify("../help/documents-checklist.md#accepted-ids", "esim").unwrap(),
            Target::Page(
                "help/documents-checklist.md".into(),
                Some("accepted-ids".into())
            )
        );
        assert_eq!(
            classify("in-store.md", "esim").unwrap(),
            Target::Page("esim/in-store.md".into(), None)
        );
        assert_eq!(
            classify("./c%2B%2B.md", "").unwrap(),
            Target::Page("c++.md".into(), None)
        );
    }

    #[test]
    fn external_and_dangerous_links_are_told_apart() {
        assert_eq!(
            classify("https://example.org", "").unwrap(),
            Target::External
        );
        assert_eq!(classify("mailto:a@b", "").unwrap(), Target::External);
        assert_eq!(
            classify("JavaScript:alert(1)", "").unwrap(),
            Target::Dangerous
        );
        assert_eq!(
            classify("#steps", "").unwrap(),
            Target::SamePage("steps".into())
        );
        assert_eq!(
            classify("qr.svg", "esim").unwrap(),
            Target::Asset("esim/qr.svg".into(), String::new())
        );
    }

    #[test]
    fn climbing_out_of_the_language_folder_is_an_error() {
        assert!(classify("../../etc/passwd.md", "esim").is_err());
    }
}
