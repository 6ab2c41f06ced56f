//! URLs and the paths they are made from.
//!
//! Takes `/`-separated paths under a language folder (`esim/in-app.md`), URL segments
//! and the configured base URL; gives their folders and file names, percent-encoded
//! segments and paths, a language's URL and the origin of the base URL. Pure string
//! functions used by the site model, the Markdown stage, rendering and search alike, so
//! that no stage reaches into another for them.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// The folder of each language's search bundle, under the language's folder
/// (`/<lang>/pagefind/`): written by search, named by the host files rendering writes.
pub(crate) const SEARCH_BUNDLE_DIR: &str = "pagefind";

/// The folder of each language's offline page (`/<lang>/offline/`): rendered by render,
/// named by the offline worker the build writes.
pub(crate) const OFFLINE_DIR: &str = "offline";

/// Characters percent-encoded in URL path segments: everything but unreserved characters
/// and a few safe sub-delimiters. `+` is encoded because some static hosts read it as a
/// space.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'+')
    .add(b'/')
    .add(b'\'');

/// Percent-encodes one path segment (`c++` → `c%2B%2B`, `身份` → `%E8%BA%AB%E4%BB%BD`).
pub(crate) fn encode_segment(seg: &str) -> String {
    utf8_percent_encode(seg, SEGMENT).to_string()
}

/// Percent-encodes a `/`-separated path, segment by segment.
pub(crate) fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// The URL of language `lang`'s folder under the base path: `/guides/zh-Hans/`.
pub(crate) fn language_url(base_path: &str, lang: &str) -> String {
    format!("{base_path}/{}/", encode_segment(lang))
}

/// The folder of a `/`-separated path: `esim/in-app.md` → `esim`, `a.md` → ``.
pub(crate) fn dir_of(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(i) => &rel[..i],
        None => "",
    }
}

/// The last segment of a `/`-separated path: `esim/in-app.md` → `in-app.md`.
pub(crate) fn file_name(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(i) => &rel[i + 1..],
        None => rel,
    }
}

/// The folder above `dir` (`a/b` → `a`, `a` → ``); None above the top (``).
pub(crate) fn parent_dir(dir: &str) -> Option<&str> {
    if dir.is_empty() {
        return None;
    }
    Some(dir_of(dir))
}

/// The scheme and host of a base URL: `https://host/sub` → `https://host` (page URLs
/// already carry the base path).
pub(crate) fn origin(base_url: &str) -> &str {
    let after = base_url.find("://").map_or(0, |i| i + 3);
    match base_url[after..].find('/') {
        Some(i) => &base_url[..after + i],
        None => base_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_percent_encoded() {
        assert_eq!(encode_segment("c++"), "c%2B%2B");
        assert_eq!(encode_segment("%"), "%25");
        assert_eq!(encode_segment("a b"), "a%20b");
        assert_eq!(encode_segment("!"), "!");
        assert_eq!(encode_segment("身份"), "%E8%BA%AB%E4%BB%BD");
        assert_eq!(encode_path("a b/c+d.png"), "a%20b/c%2Bd.png");
    }

    #[test]
    fn folders_and_file_names_split_at_the_last_slash() {
        assert_eq!(dir_of("esim/in-app.md"), "esim");
        assert_eq!(dir_of("a.md"), "");
        assert_eq!(file_name("esim/in-app.md"), "in-app.md");
        assert_eq!(file_name("a.md"), "a.md");
        assert_eq!(parent_dir("a/b"), Some("a"));
        assert_eq!(parent_dir("a"), Some(""));
        assert_eq!(parent_dir(""), None);
    }

    #[test]
    fn the_origin_drops_the_base_path() {
        assert_eq!(origin("https://example.org/sub"), "https://example.org");
        assert_eq!(origin("https://example.org"), "https://example.org");
        assert_eq!(language_url("/sub", "zh-Hans"), "/sub/zh-Hans/");
    }
}
