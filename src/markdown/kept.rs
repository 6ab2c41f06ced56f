//! Rendered Markdown kept in the build cache.
//!
//! Takes a [`RenderInput`], the languages the page is published and written in, and the
//! [`Cache`]; gives the [`Rendered`] body — from the cache when an earlier build rendered
//! the same text with the same settings and every link it looked up still resolves the
//! same way, else rendered (and kept for the next build).
//!
//! The key covers the text and every setting [`render`] reads; links are the one input
//! that depends on the rest of the site. Rather than hashing the whole site's link
//! index into every key (one new page would then render every page again), each kept
//! result carries the lookups its render made and their answers, and is used only if
//! the same lookups give the same answers now (the "verifying trace" of build systems).

use std::cell::RefCell;

use super::{
    render, AlertLabels, AnchorLink, Heading, ImageRef, LinkResolver, Problem, ProblemKind,
    RenderInput, Rendered, TocEntry,
};
use crate::cache::{Cache, Key, Kind};
use crate::config::{LinkPolicy, Policy};

/// [`render`] through `cache`: see the module docs. `lang` and `content_lang` are the
/// languages the page is published and written in (the resolver's answers depend on
/// them, so a fallback copy has an entry of its own).
pub(crate) fn render_kept(
    input: &RenderInput<'_>,
    lang: &str,
    content_lang: &str,
    cache: &Cache,
) -> Rendered {
    let key = key(input, lang, content_lang, cache);
    let (_, rendered) = cache.memo(
        Kind::Markdown,
        &key,
        |bytes| decode(&bytes).ok_or_else(|| "not rendered Markdown".to_string()),
        // A link that now goes elsewhere: rendered again (and kept over this one).
        |(lookups, _)| lookups.iter().all(|l| l.asked_again(input.resolver)),
        || {
            let recorder = Recorder {
                inner: input.resolver,
                lookups: RefCell::new(Vec::new()),
            };
            let rendered = render(&RenderInput {
                resolver: &recorder,
                ..*input
            });
            let lookups = recorder.lookups.into_inner();
            let bytes = encode(&lookups, &rendered);
            ((lookups, rendered), bytes)
        },
    );
    rendered
}

/// The build cache as the Markdown stage's memo.
impl super::RenderMemo for Cache {
    fn rendered(&self, input: &RenderInput<'_>, lang: &str, content_lang: &str) -> Rendered {
        render_kept(input, lang, content_lang, self)
    }
}

/// The key of a render: the text, where it starts, the page's folder and languages, and
/// every setting [`render`] reads. The input is taken apart field by field, without
/// `..`: a field added to [`RenderInput`] (or to the link policy) does not compile
/// until it is part of the key, or said here not to be.
fn key(input: &RenderInput<'_>, lang: &str, content_lang: &str, cache: &Cache) -> Key {
    let RenderInput {
        body,
        body_line,
        dir,
        title_from_heading,
        unsafe_html,
        alerts: AlertLabels { labels },
        // Not part of the key: its answers are checked when the entry is used (the
        // recorded lookups, `Lookup::asked_again`).
        resolver: _,
        links:
            LinkPolicy {
                missing_page,
                missing_anchor,
                missing_file,
            },
    } = *input;
    let mut h = cache.hasher(Kind::Markdown);
    h.field(body.as_bytes())
        .field(&(body_line as u64).to_le_bytes())
        .field(dir.as_bytes())
        .field(lang.as_bytes())
        .field(content_lang.as_bytes())
        .field(&[u8::from(title_from_heading), u8::from(unsafe_html)])
        .field(&[
            policy_byte(missing_page),
            policy_byte(missing_anchor),
            policy_byte(missing_file),
        ]);
    for l in labels {
        h.field(l.as_bytes());
    }
    h.key()
}

/// A link policy as one byte of a key (every variant named: a new one does not compile
/// until it has its own).
fn policy_byte(p: Policy) -> u8 {
    match p {
        Policy::Error => 0,
        Policy::Warn => 1,
        Policy::Ignore => 2,
    }
}

/// One lookup a render made: a page (`true`) or a file, the path, and the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lookup {
    page: bool,
    rel: String,
    answer: Option<String>,
}

impl Lookup {
    /// Whether `resolver` gives the same answer now.
    fn asked_again(&self, resolver: &dyn LinkResolver) -> bool {
        let now = if self.page {
            resolver.page(&self.rel)
        } else {
            resolver.asset(&self.rel)
        };
        now == self.answer
    }
}

/// A resolver that notes every lookup and its answer.
struct Recorder<'a> {
    inner: &'a dyn LinkResolver,
    lookups: RefCell<Vec<Lookup>>,
}

impl Recorder<'_> {
    fn note(&self, page: bool, rel: &str, answer: Option<String>) -> Option<String> {
        self.lookups.borrow_mut().push(Lookup {
            page,
            rel: rel.to_string(),
            answer: answer.clone(),
        });
        answer
    }
}

impl LinkResolver for Recorder<'_> {
    fn page(&self, rel: &str) -> Option<String> {
        self.note(true, rel, self.inner.page(rel))
    }
    fn asset(&self, rel: &str) -> Option<String> {
        self.note(false, rel, self.inner.asset(rel))
    }
}

/// The lookups and the result as bytes: numbers as LEB128, strings as length and UTF-8.
fn encode(lookups: &[Lookup], r: &Rendered) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(r.html.len() + 1024));
    w.count(lookups.len());
    for l in lookups {
        w.bool(l.page);
        w.str(&l.rel);
        w.opt(l.answer.as_deref());
    }
    w.str(&r.html);
    w.toc(&r.toc);
    w.count(r.headings.len());
    for h in &r.headings {
        w.u64(u64::from(h.level));
        w.str(&h.id);
        w.str(&h.text);
        w.bool(h.explicit);
    }
    w.strs(&r.other_ids);
    w.str(&r.summary);
    w.opt(r.title.as_deref());
    w.count(r.anchor_links.len());
    for a in &r.anchor_links {
        w.opt(a.page.as_deref());
        w.str(&a.anchor);
        w.count(a.line);
    }
    w.strs(&r.linked_pages);
    w.count(r.problems.len());
    for p in &r.problems {
        w.u64(match p.kind {
            ProblemKind::MissingPage => 0,
            ProblemKind::MissingFile => 1,
            ProblemKind::BadLink => 2,
            ProblemKind::DuplicateId => 3,
            ProblemKind::Other => 4,
        });
        w.count(p.line);
        w.str(&p.message);
        w.opt(p.hint.as_deref());
    }
    w.count(r.words);
    w.count(r.images.len());
    for i in &r.images {
        w.str(&i.url);
        w.count(i.line);
        w.opt(i.alt.as_deref());
    }
    w.0
}

/// [`encode`] read back; None if the bytes are not that (or have more after it).
fn decode(bytes: &[u8]) -> Option<(Vec<Lookup>, Rendered)> {
    let mut r = Reader(bytes);
    let n = r.count()?;
    let mut lookups = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        lookups.push(Lookup {
            page: r.bool()?,
            rel: r.string()?,
            answer: r.opt()?,
        });
    }
    let html = r.string()?;
    let toc = r.toc(0)?;
    let n = r.count()?;
    let mut headings = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        headings.push(Heading {
            level: u8::try_from(r.u64()?).ok()?,
            id: r.string()?,
            text: r.string()?,
            explicit: r.bool()?,
        });
    }
    let other_ids = r.strings()?;
    let summary = r.string()?;
    let title = r.opt()?;
    let n = r.count()?;
    let mut anchor_links = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        anchor_links.push(AnchorLink {
            page: r.opt()?,
            anchor: r.string()?,
            line: r.count()?,
        });
    }
    let linked_pages = r.strings()?;
    let n = r.count()?;
    let mut problems = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        problems.push(Problem {
            kind: match r.u64()? {
                0 => ProblemKind::MissingPage,
                1 => ProblemKind::MissingFile,
                2 => ProblemKind::BadLink,
                3 => ProblemKind::DuplicateId,
                4 => ProblemKind::Other,
                _ => return None,
            },
            line: r.count()?,
            message: r.string()?,
            hint: r.opt()?,
        });
    }
    let words = r.count()?;
    let n = r.count()?;
    let mut images = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        images.push(ImageRef {
            url: r.string()?,
            line: r.count()?,
            alt: r.opt()?,
        });
    }
    if !r.0.is_empty() {
        return None;
    }
    Some((
        lookups,
        Rendered {
            html,
            toc,
            headings,
            other_ids,
            summary,
            title,
            anchor_links,
            linked_pages,
            problems,
            words,
            images,
        },
    ))
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
    fn count(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }
    fn str(&mut self, s: &str) {
        self.count(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }
    fn strs(&mut self, list: &[String]) {
        self.count(list.len());
        for s in list {
            self.str(s);
        }
    }
    fn toc(&mut self, entries: &[TocEntry]) {
        self.count(entries.len());
        for e in entries {
            self.u64(u64::from(e.level));
            self.str(&e.id);
            self.str(&e.title);
            self.toc(&e.children);
        }
    }
}

struct Reader<'a>(&'a [u8]);

/// How deep a kept table of contents may nest (it has levels 2 to 4).
const TOC_DEPTH: usize = 8;

impl Reader<'_> {
    fn u64(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.0.split_first()?;
            self.0 = rest;
            n |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn bool(&mut self) -> Option<bool> {
        let (&byte, rest) = self.0.split_first()?;
        self.0 = rest;
        match byte {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn string(&mut self) -> Option<String> {
        let n = self.count()?;
        if n > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8(s.to_vec()).ok()
    }
    fn opt(&mut self) -> Option<Option<String>> {
        match self.bool()? {
            false => Some(None),
            true => self.string().map(Some),
        }
    }
    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut list = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            list.push(self.string()?);
        }
        Some(list)
    }
    fn toc(&mut self, depth: usize) -> Option<Vec<TocEntry>> {
        if depth > TOC_DEPTH {
            return None;
        }
        let n = self.count()?;
        let mut entries = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            entries.push(TocEntry {
                level: u8::try_from(self.u64()?).ok()?,
                id: self.string()?,
                title: self.string()?,
                children: self.toc(depth + 1)?,
            });
        }
        Some(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LinkPolicy;
    use std::collections::HashMap;

    /// A resolver over fixed pages and files.
    struct Fixed {
        pages: HashMap<String, String>,
        files: HashMap<String, String>,
    }

    impl LinkResolver for Fixed {
        fn page(&self, rel: &str) -> Option<String> {
            self.pages.get(rel).cloned()
        }
        fn asset(&self, rel: &str) -> Option<String> {
            self.files.get(rel).cloned()
        }
    }

    const BODY: &str = "# Title\n\nFirst paragraph with [a link](other.md#steps), \
        [a missing page](gone.md) and ![a picture](qr.svg).\n\n## Steps {#steps}\n\n\
        Text[^1].\n\n### Deeper\n\n> [!NOTE]\n> Careful.\n\n## Steps {#steps}\n\n\
        [^1]: A footnote.\n";

    fn input<'a>(resolver: &'a dyn LinkResolver, alerts: &'a AlertLabels) -> RenderInput<'a> {
        RenderInput {
            body: BODY,
            body_line: 4,
            dir: "guides",
            title_from_heading: true,
            unsafe_html: false,
            alerts,
            resolver,
            links: LinkPolicy::default(),
        }
    }

    fn site(other: &str) -> Fixed {
        Fixed {
            pages: [("guides/other.md".to_string(), other.to_string())].into(),
            files: [("guides/qr.svg".to_string(), "/en/guides/qr.svg".to_string())].into(),
        }
    }

    #[test]
    fn a_kept_render_reads_back_as_it_was_and_garbage_is_not_one() {
        let alerts = AlertLabels::default();
        let resolver = site("/en/guides/other/");
        let recorder = Recorder {
            inner: &resolver,
            lookups: RefCell::new(Vec::new()),
        };
        let mut with_recorder = input(&resolver, &alerts);
        with_recorder.resolver = &recorder;
        let rendered = render(&with_recorder);
        let lookups = recorder.lookups.into_inner();
        assert!(lookups.len() >= 3, "{lookups:?}");
        assert!(!rendered.problems.is_empty() && !rendered.toc.is_empty());
        let bytes = encode(&lookups, &rendered);
        let (back_lookups, back) = decode(&bytes).expect("decodes");
        assert_eq!(back_lookups, lookups);
        assert_eq!(back.html, rendered.html);
        assert_eq!(back.toc, rendered.toc);
        assert_eq!(back.headings, rendered.headings);
        assert_eq!(back.other_ids, rendered.other_ids);
        assert_eq!(back.summary, rendered.summary);
        assert_eq!(back.title, rendered.title);
        assert_eq!(back.anchor_links, rendered.anchor_links);
        assert_eq!(back.linked_pages, rendered.linked_pages);
        assert_eq!(back.problems, rendered.problems);
        assert_eq!(back.words, rendered.words);
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
    }

    #[test]
    fn a_kept_render_is_used_until_a_link_it_looked_up_goes_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let alerts = AlertLabels::default();
        let before = site("/en/guides/other/");
        let first = Cache::open(dir.path()).unwrap();
        let html = render_kept(&input(&before, &alerts), "en", "en", &first).html;
        first.finish();

        let kept = Cache::open(dir.path()).unwrap();
        assert_eq!(
            render_kept(&input(&before, &alerts), "en", "en", &kept).html,
            html
        );
        assert_eq!(kept.stats().hits, 1);
        // Another language's copy of the same text has an entry of its own.
        render_kept(&input(&before, &alerts), "es", "en", &kept);
        assert_eq!(kept.stats().misses, 1);

        // The linked page moved: the kept render is not used.
        let moved = site("/en/guides/renamed/");
        let again = render_kept(&input(&moved, &alerts), "en", "en", &kept);
        assert!(again.html.contains("/en/guides/renamed/"), "{}", again.html);
        assert_eq!(again.html, render(&input(&moved, &alerts)).html);
        assert_eq!((kept.stats().hits, kept.stats().misses), (1, 2));
        let (warnings, _) = kept.finish();
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
