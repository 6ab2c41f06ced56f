//! `site.yaml`: the site's configuration.
//!
//! Takes the text of `site.yaml`; gives a validated [`Config`] (languages in order, the
//! first being the default; base URL split into origin and path; `title` and
//! `description` as one text or one per language) or a [`Diagnostic`] naming the line.
//! Unknown keys are errors, with the closest valid key suggested.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::Diagnostic;
use crate::yaml::{check_duplicate_keys, find_key_line, words_of, yaml_diagnostic};

/// Writing direction of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// Left to right (the default).
    #[default]
    Ltr,
    /// Right to left (Arabic, Hebrew, Persian…).
    Rtl,
}

impl Dir {
    /// `ltr` or `rtl`, as in the HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }
}

/// One language of the site.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// BCP 47 tag: `en`, `zh-Hans`, `pt-BR`. Also the URL prefix and content folder.
    pub code: String,
    /// The language's name in itself (`Español`, `简体中文`).
    pub name: String,
    /// Writing direction; guessed from the code when absent (ar, he, fa, ur… are rtl).
    #[serde(default)]
    pub dir: Option<Dir>,
}

impl Language {
    /// The writing direction, explicit or guessed from the primary subtag.
    pub fn direction(&self) -> Dir {
        self.dir.unwrap_or_else(|| {
            let primary = self
                .code
                .split('-')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            match primary.as_str() {
                "ar" | "he" | "fa" | "ur" | "ps" | "sd" | "ug" | "yi" | "dv" | "ckb" => Dir::Rtl,
                _ => Dir::Ltr,
            }
        })
    }
}

/// A text given once for every language (`title: Guides`) or per language
/// (`title: {en: Guides, es: Guías}`); a language without an entry gets the default
/// language's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Localized {
    /// The same text in every language.
    One(String),
    /// Language code → text.
    PerLanguage(BTreeMap<String, String>),
}

// Written by hand rather than `#[serde(untagged)]`: an untagged enum's error names the
// Rust type and points at the top of the file; this one says what was found, at its line.
impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LocalizedVisitor;

        impl<'de> serde::de::Visitor<'de> for LocalizedVisitor {
            type Value = Localized;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a text, or a map of language code to text")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Localized, E> {
                Ok(Localized::One(v.to_string()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Localized, A::Error> {
                BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Localized::PerLanguage)
            }
        }

        d.deserialize_any(LocalizedVisitor)
    }
}

impl Localized {
    /// The text for `lang`, else the default language's (`default`), else the first.
    pub fn get<'a>(&'a self, lang: &str, default: &str) -> &'a str {
        match self {
            Localized::One(s) => s,
            Localized::PerLanguage(m) => m
                .get(lang)
                .or_else(|| m.get(default))
                .or_else(|| m.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Checks a per-language map against the configured languages: every key is one of
    /// them and the default language has an entry.
    fn validate(&self, key: &str, langs: &[Language]) -> Result<(), (String, String)> {
        let Localized::PerLanguage(m) = self else {
            return Ok(());
        };
        if let Some(code) = m.keys().find(|c| !langs.iter().any(|l| &l.code == *c)) {
            let known: Vec<&str> = langs.iter().map(|l| l.code.as_str()).collect();
            return Err((
                format!("`{key}` has an entry for `{code}`, which is not in `languages`"),
                format!("the languages are: {}", known.join(", ")),
            ));
        }
        let default = &langs[0].code;
        if !m.contains_key(default) {
            return Err((
                format!("`{key}` has no entry for the default language `{default}`"),
                format!("add `{default}: …` under `{key}`; other languages fall back to it"),
            ));
        }
        Ok(())
    }
}

/// `search:` options (consumed by the search stage).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Build a search index (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Globs of content paths (relative to `content/<lang>/`) left out of the index.
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            enabled: true,
            exclude: Vec::new(),
        }
    }
}

/// `markdown:` options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Keep raw HTML in Markdown as written (scripts included). Off by default: raw HTML is
    /// sanitized. Turn on only when every author is trusted.
    #[serde(default)]
    pub unsafe_html: bool,
}

/// What a build does about one kind of broken link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// The build fails (the default).
    #[default]
    Error,
    /// The build succeeds and reports it; the link is rendered as plain text.
    Warn,
    /// The build succeeds silently; the link is rendered as plain text. `waypost check`
    /// still reports it.
    Ignore,
}

/// `links:` options: what a broken link does to a build, by kind (like Docusaurus'
/// `onBrokenLinks` or MkDocs' `validation`), for content a site does not control.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkPolicy {
    /// A link to a page that does not exist (`[x](missing.md)`).
    pub missing_page: Policy,
    /// A link to a heading that does not exist (`[x](page.md#nowhere)`).
    pub missing_anchor: Policy,
    /// A link or image to a file that does not exist (`![x](missing.png)`, `[t](시간)`).
    pub missing_file: Policy,
}

/// A compressed copy written beside each text file of the built site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `x.html.gz` (nginx `gzip_static`, Caddy `precompressed gzip`).
    Gzip,
    /// `x.html.br` (Brotli; nginx's brotli module, Caddy `precompressed br`).
    Br,
}

impl Encoding {
    /// The extension of the compressed copy (`x.html.gz`).
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Gzip => "gz",
            Encoding::Br => "br",
        }
    }
}

/// `output:` options (consumed by the render and output stages).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Compressed copies to write beside every text file (HTML, CSS, JS, JSON, XML,
    /// SVG, text), for hosts that serve them as they are.
    #[serde(default)]
    pub precompress: Vec<Encoding>,
    /// Write `_redirects` and `_headers` at the output's root (Netlify, Cloudflare Pages;
    /// default true).
    #[serde(default = "yes")]
    pub host_files: bool,
    /// The `Content-Security-Policy` the host files send; `None` means the theme's own
    /// (computed from its inline scripts), an empty text sends none.
    #[serde(default)]
    pub csp: Option<String>,
    /// Write `/llms.txt` and `/<lang>/llms.txt` (default true).
    #[serde(default = "yes")]
    pub llms_txt: bool,
    /// Publish each translated page's Markdown source beside its HTML, at
    /// `<page URL>index.md` (default true).
    #[serde(default = "yes")]
    pub markdown_sources: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            precompress: Vec::new(),
            host_files: true,
            csp: None,
            llms_txt: true,
            markdown_sources: true,
        }
    }
}

/// A modern format the resized copies of large images are offered in (besides the
/// original's own format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Lossy WebP (libwebp).
    Webp,
}

/// `images:` options (consumed by the images stage, `src/images/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Widths in pixels of the resized copies of a raster image wider than the content
    /// column (never wider than the original; the original's width is offered too).
    /// Empty: no resized copies, only sizes and lazy loading.
    #[serde(default = "default_image_widths")]
    pub widths: Vec<u32>,
    /// Modern formats offered before the original's own (default `[webp]`).
    #[serde(default = "default_image_formats")]
    pub formats: Vec<ImageFormat>,
    /// Lossy quality, 1–100, of the WebP and JPEG copies (default 80).
    #[serde(default = "default_image_quality")]
    pub quality: u8,
    /// The width in CSS pixels of the theme's content column (default 704, the built-in
    /// theme's 44rem): only images wider than this get resized copies.
    #[serde(default = "default_image_column")]
    pub column: u32,
    /// The `sizes` attribute of resized images: how wide the image is shown at each
    /// viewport width (default: the built-in theme's column).
    #[serde(default = "default_image_sizes")]
    pub sizes: String,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            widths: default_image_widths(),
            formats: default_image_formats(),
            quality: default_image_quality(),
            column: default_image_column(),
            sizes: default_image_sizes(),
        }
    }
}

fn default_image_widths() -> Vec<u32> {
    vec![480, 960, 1440]
}

fn default_image_formats() -> Vec<ImageFormat> {
    vec![ImageFormat::Webp]
}

fn default_image_quality() -> u8 {
    80
}

fn default_image_column() -> u32 {
    704
}

/// The built-in theme's text column: 44rem from a 46rem viewport, else the viewport
/// less `main`'s 1rem padding on each side.
fn default_image_sizes() -> String {
    "(min-width: 46rem) 44rem, calc(100vw - 2rem)".into()
}

impl ImagesConfig {
    /// What is wrong with these settings, and what to write instead.
    fn validate(&self) -> Result<(), (String, String)> {
        for (i, w) in self.widths.iter().enumerate() {
            if !(16..=8192).contains(w) {
                return Err((
                    format!("entry {} of `images.widths` is {w}", i + 1),
                    "give widths in pixels from 16 to 8192, e.g. `widths: [480, 960, 1440]`".into(),
                ));
            }
        }
        if !(1..=100).contains(&self.quality) {
            return Err((
                format!("`images.quality` is {}", self.quality),
                "give a quality from 1 (smallest files) to 100 (best images); 80 is the default"
                    .into(),
            ));
        }
        if self.column == 0 || self.column > 8192 {
            return Err((
                format!("`images.column` is {}", self.column),
                "give the width of the text column in CSS pixels, e.g. `column: 704`".into(),
            ));
        }
        if self.sizes.trim().is_empty() || self.sizes.contains(['"', '<', '>']) {
            return Err((
                "`images.sizes` is empty or holds `\"`, `<` or `>`".into(),
                "give a sizes attribute, e.g. `sizes: \"(min-width: 46rem) 44rem, 100vw\"`".into(),
            ));
        }
        Ok(())
    }
}

/// The keys of `site.yaml` that take one word of a fixed set, and their words.
fn config_words() -> [(&'static str, &'static [&'static str]); 6] {
    let policy = words_of::<Policy>();
    [
        ("links.missing_page", policy),
        ("links.missing_anchor", policy),
        ("links.missing_file", policy),
        ("languages[].dir", words_of::<Dir>()),
        ("output.precompress[]", words_of::<Encoding>()),
        ("images.formats[]", words_of::<ImageFormat>()),
    ]
}

fn yes() -> bool {
    true
}

fn default_review_days() -> u32 {
    365
}

/// The raw shape of `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Localized,
    #[serde(default)]
    description: Option<Localized>,
    base_url: String,
    languages: Vec<Language>,
    #[serde(default = "yes")]
    fallback: bool,
    #[serde(default = "default_review_days")]
    review_after_days: u32,
    #[serde(default)]
    search: SearchConfig,
    #[serde(default)]
    markdown: MarkdownConfig,
    #[serde(default)]
    links: LinkPolicy,
    #[serde(default)]
    output: OutputConfig,
    #[serde(default)]
    images: ImagesConfig,
    #[serde(default)]
    status_page: bool,
    #[serde(default = "yes")]
    offline: bool,
    #[serde(default)]
    extra: BTreeMap<String, serde_yaml::Value>,
}

/// The validated site configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Site title, one or per language (see [`Config::title`]).
    pub title: Localized,
    /// Site description (the chooser's and home pages' meta description), one or per
    /// language.
    pub description: Option<Localized>,
    /// Base URL without trailing slash: `https://example.org/guides`.
    pub base_url: String,
    /// Path part of the base URL without trailing slash: `/guides`, or empty.
    pub base_path: String,
    /// Languages; the first is the default.
    pub languages: Vec<Language>,
    /// Publish untranslated pages under every language, with a notice (default true).
    pub fallback: bool,
    /// A guide whose `reviewed` date is older than this many days gets a notice.
    pub review_after_days: u32,
    /// Search options.
    pub search: SearchConfig,
    /// Markdown options.
    pub markdown: MarkdownConfig,
    /// What broken links do to a build.
    pub links: LinkPolicy,
    /// Output options.
    pub output: OutputConfig,
    /// Image options (sizes, resized copies).
    pub images: ImagesConfig,
    /// Publish `/<lang>/status/`, the translation coverage page (default false).
    pub status_page: bool,
    /// Offline reading: a service worker and, on every page, a control saving the
    /// reader's language (default true; the `offline` module).
    pub offline: bool,
    /// Free map for templates.
    pub extra: serde_json::Value,
}

impl Config {
    /// Parses and validates `site.yaml` text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Diagnostic> {
        let diagnostic = |e: serde_yaml::Error| yaml_diagnostic(path, &e, text, 0, &config_words());
        check_duplicate_keys(text).map_err(diagnostic)?;
        let raw: RawConfig = serde_yaml::from_str(text).map_err(diagnostic)?;
        let line_of = |key: &str| find_key_line(text, key);
        if raw.languages.is_empty() {
            return Err(Diagnostic::new(path, "`languages` is empty")
                .at_line(line_of("languages").unwrap_or(1))
                .hint(
                    "list at least one language, e.g. `languages: [{code: en, name: English}]`",
                ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for lang in &raw.languages {
            if !is_bcp47(&lang.code) {
                return Err(Diagnostic::new(
                    path,
                    format!("`{}` is not a valid language code", lang.code),
                )
                .at_line(line_of("languages").unwrap_or(1))
                .hint("use a BCP 47 tag such as `en`, `zh-Hans` or `pt-BR`"));
            }
            if lang.name.trim().is_empty() {
                // The name is the language switcher's link text: empty, the link is
                // invisible and unnamed for screen readers.
                let line = text
                    .lines()
                    .position(|l| {
                        l.contains("code:")
                            && l.split("code:").nth(1).is_some_and(|c| {
                                c.trim()
                                    .trim_matches(|ch| "\"',} ".contains(ch))
                                    .starts_with(lang.code.as_str())
                            })
                    })
                    .map(|i| i + 1);
                return Err(Diagnostic::new(
                    path,
                    format!("language `{}` has an empty `name`", lang.code),
                )
                .at_line(line.or_else(|| line_of("languages")).unwrap_or(1))
                .hint("give the language's name in itself, e.g. `name: Español`; readers choose their language by it"));
            }
            if !seen.insert(lang.code.to_ascii_lowercase()) {
                return Err(Diagnostic::new(
                    path,
                    format!("language `{}` is listed twice", lang.code),
                )
                .at_line(line_of("languages").unwrap_or(1)));
            }
        }
        for (key, value) in [
            ("title", Some(&raw.title)),
            ("description", raw.description.as_ref()),
        ] {
            if let Some(Err((msg, hint))) = value.map(|v| v.validate(key, &raw.languages)) {
                return Err(Diagnostic::new(path, msg)
                    .at_line(line_of(key).unwrap_or(1))
                    .hint(hint));
            }
        }
        let (base_url, base_path) = split_base_url(&raw.base_url).map_err(|msg| {
            Diagnostic::new(path, msg)
                .at_line(line_of("base_url").unwrap_or(1))
                .hint("write it as `https://example.org/` or `https://example.org/sub/path/`")
        })?;
        raw.images.validate().map_err(|(msg, hint)| {
            Diagnostic::new(path, msg)
                .at_line(line_of("images").unwrap_or(1))
                .hint(hint)
        })?;
        let extra = serde_json::to_value(&raw.extra).map_err(|e| {
            Diagnostic::new(path, format!("`extra` cannot be used by templates: {e}"))
                .at_line(line_of("extra").unwrap_or(1))
        })?;
        Ok(Config {
            title: raw.title,
            description: raw.description,
            base_url,
            base_path,
            languages: raw.languages,
            fallback: raw.fallback,
            review_after_days: raw.review_after_days,
            search: raw.search,
            markdown: raw.markdown,
            links: raw.links,
            output: raw.output,
            images: raw.images,
            status_page: raw.status_page,
            offline: raw.offline,
            extra,
        })
    }

    /// Replaces the base URL (the `--base-url` flag).
    pub(crate) fn set_base_url(&mut self, url: &str) -> Result<(), String> {
        let (base_url, base_path) = split_base_url(url)?;
        self.base_url = base_url;
        self.base_path = base_path;
        Ok(())
    }

    /// The site title in `lang` (the default language's when it has none of its own).
    pub fn title(&self, lang: &str) -> &str {
        self.title.get(lang, &self.languages[0].code)
    }

    /// The site description in `lang`, if there is one.
    pub fn description(&self, lang: &str) -> Option<&str> {
        self.description
            .as_ref()
            .map(|d| d.get(lang, &self.languages[0].code))
    }

    /// The default language (the first listed).
    pub fn default_language(&self) -> &Language {
        &self.languages[0]
    }

    /// The language with this code, if configured.
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }
}

/// Splits `https://host/sub/` into (`https://host/sub`, `/sub`).
fn split_base_url(url: &str) -> Result<(String, String), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("base_url `{url}` must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("base_url `{url}` has no host"));
    }
    if url.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
        return Err(format!(
            "base_url `{url}` must not contain a query, a fragment, spaces or quotes"
        ));
    }
    let trimmed = url.trim_end_matches('/').to_string();
    let path = match rest.find('/') {
        Some(i) => rest[i..].trim_end_matches('/').to_string(),
        None => String::new(),
    };
    Ok((trimmed, path))
}

/// A loose BCP 47 check: 2–3 letter primary subtag, then 1–8 alphanumeric subtags.
pub(crate) fn is_bcp47(code: &str) -> bool {
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_with_sub_path_keeps_the_path() {
        assert_eq!(
            split_base_url("https://example.org/guides/").unwrap(),
            ("https://example.org/guides".into(), "/guides".into())
        );
        assert_eq!(
            split_base_url("http://127.0.0.1:1111").unwrap(),
            ("http://127.0.0.1:1111".into(), "".into())
        );
        assert!(split_base_url("example.org").is_err());
    }

    #[test]
    fn bcp47_tags_are_accepted_and_junk_refused() {
        for ok in ["en", "zh-Hans", "pt-BR", "zh-TW", "ca", "sr-Latn-RS"] {
            assert!(is_bcp47(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "../x",
            "zh-Hans-toolongsubtag",
        ] {
            assert!(!is_bcp47(bad), "{bad}");
        }
    }

    #[test]
    fn an_empty_language_name_is_refused_at_its_line() {
        let d = Config::parse(
            "title: T\nbase_url: https://e.org/\nlanguages:\n  - code: en\n    name: English\n  - code: es\n    name: \"  \"\n",
            Path::new("site.yaml"),
        )
        .unwrap_err();
        assert!(d.message.contains("`es` has an empty `name`"), "{d}");
        assert_eq!(d.line, Some(6), "{d}");
    }

    #[test]
    fn unknown_config_key_is_named_with_a_suggestion() {
        let err = Config::parse(
            "title: T\nbase_url: https://e.org/\nlanguages: [{code: en, name: E}]\nreview_after_day: 3\n",
            Path::new("site.yaml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(err.message.contains("review_after_day"), "{err}");
        assert!(err.hint.unwrap().contains("review_after_days"));
    }

    const BASE: &str = "title: T\nbase_url: https://e.org/\nlanguages: [{code: en, name: E}]\n";

    fn refused(extra: &str) -> Diagnostic {
        Config::parse(&format!("{BASE}{extra}"), Path::new("site.yaml")).unwrap_err()
    }

    #[test]
    fn an_unknown_nested_key_is_named_with_its_path_and_the_closest_key_of_its_own_map() {
        let d = refused("links: {missing_pages: warn}\n");
        assert_eq!(d.message, "unknown key `links.missing_pages`");
        assert_eq!((d.line, d.column), (Some(4), Some(9)), "{d}");
        assert_eq!(d.hint.as_deref(), Some("did you mean `missing_page`?"));
        let d = refused("output:\n  precompres: [gzip]\n");
        assert_eq!(d.message, "unknown key `output.precompres`");
        assert_eq!(d.line, Some(5), "{d}");
        assert_eq!(d.hint.as_deref(), Some("did you mean `precompress`?"));
        // Nothing close: the keys of that map, not the top-level ones.
        let d = refused("links: {zzz: warn}\n");
        assert_eq!(
            d.hint.as_deref(),
            Some("the keys of `links` are `missing_page`, `missing_anchor`, `missing_file`")
        );
    }

    #[test]
    fn an_unknown_key_in_a_language_names_the_entry() {
        let d = Config::parse(
            "title: T\nbase_url: https://e.org/\nlanguages:\n  - code: en\n    nmae: E\n",
            Path::new("site.yaml"),
        )
        .unwrap_err();
        assert_eq!(d.message, "unknown key `nmae` in entry 1 of `languages`");
        assert_eq!(d.line, Some(5));
        assert_eq!(d.hint.as_deref(), Some("did you mean `name`?"));
    }

    #[test]
    fn a_wrong_word_names_the_words_the_key_takes() {
        let d = refused("links: {missing_page: warning}\n");
        assert_eq!(
            d.message,
            "`links.missing_page` must be one of `error`, `warn`, `ignore`, not `warning`"
        );
        assert_eq!(d.hint.as_deref(), Some("did you mean `warn`?"));
        let d = refused("links: {missing_file: [warn]}\n");
        assert_eq!(
            d.message,
            "`links.missing_file` must be one of `error`, `warn`, `ignore`, not a list"
        );
        assert_eq!(
            d.hint.as_deref(),
            Some("write one of them, e.g. `missing_file: error`")
        );
        let d = refused("output: {precompress: [gzip, brotli]}\n");
        assert_eq!(
            d.message,
            "entry 2 of `output.precompress` must be one of `gzip`, `br`, not `brotli`"
        );
        let d = refused("output: {precompress: gzip}\n");
        assert_eq!(
            d.message,
            "`output.precompress` must be a list, not the text `gzip`"
        );
        assert!(d.hint.unwrap().contains("`precompress: [gzip, br]`"));
    }

    #[test]
    fn the_words_listed_are_those_the_enums_read() {
        assert_eq!(words_of::<Policy>(), ["error", "warn", "ignore"]);
        assert_eq!(words_of::<Dir>(), ["ltr", "rtl"]);
        assert_eq!(words_of::<Encoding>(), ["gzip", "br"]);
    }

    #[test]
    fn no_message_names_a_rust_type() {
        let rust = [
            "RawConfig",
            "LinkPolicy",
            "OutputConfig",
            "SearchConfig",
            "MarkdownConfig",
            "Language",
            "Localized",
            "Policy",
            "Encoding",
            "Dir",
            "struct",
            "enum",
            "u32",
            "bool",
            "String",
            "Vec",
            "BTreeMap",
            "Value",
            "JSON",
            "sequence",
            "unit",
        ];
        let inputs = [
            "links: warn\n",
            "links: [warn]\n",
            "links: {missing_page: 3}\n",
            "links: {missing_page: {a: b}}\n",
            "links: {missing_page: !tag warn}\n",
            "output: [gzip]\n",
            "output: {precompress: [[gzip]]}\n",
            "output: {precompress: {gzip: true}}\n",
            "search: true\n",
            "search: {enabled: maybe}\n",
            "search: {exclude: a}\n",
            "search: {exclude: [{a: b}]}\n",
            "markdown: yes please\n",
            "markdown: {unsafe_html: 1}\n",
            "review_after_days: -3\n",
            "review_after_days: soon\n",
            "review_after_days: 1.5\n",
            "status_page: [true]\n",
            "fallback:\n",
            "extra: 3\n",
            "extra: [a]\n",
            "description: 3\n",
            "description: [a]\n",
            "description: {en: [a]}\n",
        ];
        let whole = [
            "- a\n- b\n",
            "just text\n",
            "title: [T]\nbase_url: https://e.org/\nlanguages: [{code: en, name: E}]\n",
            "title: T\nbase_url: [x]\nlanguages: [{code: en, name: E}]\n",
            "title: T\nbase_url: https://e.org/\nlanguages: en\n",
            "title: T\nbase_url: https://e.org/\nlanguages: [en]\n",
            "title: T\nbase_url: https://e.org/\nlanguages: [{code: en}]\n",
            "title: T\nbase_url: https://e.org/\nlanguages: [{code: en, name: E, dir: up}]\n",
            "title: T\nbase_url: https://e.org/\nlanguages: [{code: en, name: E, dir: [rtl]}]\n",
            "title: T\nbase_url: https://e.org/\n",
        ];
        let texts = inputs
            .iter()
            .map(|i| format!("{BASE}{i}"))
            .chain(whole.map(String::from));
        for text in texts {
            let d = Config::parse(&text, Path::new("site.yaml")).unwrap_err();
            let shown = d.to_string();
            for word in shown.split(|c: char| !c.is_alphanumeric()) {
                assert!(!rust.contains(&word), "`{word}` in:\n{text}\n{shown}");
            }
            assert!(d.line.is_some(), "no line:\n{text}\n{shown}");
            assert!(d.hint.is_some(), "no hint:\n{text}\n{shown}");
        }
    }

    #[test]
    fn a_key_given_twice_in_any_map_is_refused_at_the_second() {
        let d = Config::parse(
            "title: {en: A, en: B}\nbase_url: https://e.org/\nlanguages: [{code: en, name: E}]\n",
            Path::new("site.yaml"),
        )
        .unwrap_err();
        assert_eq!(d.message, "`title.en` is given twice");
        assert_eq!((d.line, d.column), (Some(1), Some(16)), "{d}");
        let d = refused("extra:\n  a: 1\n  b:\n    c: 1\n    c: 2\n");
        assert_eq!(d.message, "`extra.b.c` is given twice");
        assert_eq!(d.line, Some(8), "{d}");
        assert_eq!(
            d.hint.as_deref(),
            Some("keep one of the two; the other is on line 7")
        );
        let d = refused("links:\n  missing_page: warn\n  missing_page: error\n");
        assert_eq!(d.message, "`links.missing_page` is given twice");
        assert_eq!(d.line, Some(6), "{d}");
    }

    #[test]
    fn title_may_be_one_text_or_one_per_language() {
        let base = "base_url: https://e.org/\nlanguages: [{code: en, name: E}, {code: es, name: S}, {code: ar, name: A}]\n";
        let one = Config::parse(&format!("title: Guides\n{base}"), Path::new("site.yaml")).unwrap();
        assert_eq!(one.title("es"), "Guides");
        assert_eq!(one.description("es"), None);
        let map = Config::parse(
            &format!("title: {{en: Guides, es: Guías}}\ndescription: {{en: D}}\n{base}"),
            Path::new("site.yaml"),
        )
        .unwrap();
        assert_eq!(map.title("es"), "Guías");
        assert_eq!(
            map.title("ar"),
            "Guides",
            "falls back to the default language"
        );
        assert_eq!(map.description("es"), Some("D"));
        let err = Config::parse(
            &format!("title: {{en: Guides, fr: Guides}}\n{base}"),
            Path::new("site.yaml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("`fr`"), "{err}");
    }

    #[test]
    fn rtl_is_guessed_from_the_code() {
        let l = Language {
            code: "ar".into(),
            name: "العربية".into(),
            dir: None,
        };
        assert_eq!(l.direction(), Dir::Rtl);
    }
}
