//! Markdown → HTML with pulldown-cmark.
//!
//! Takes a page body, the line it starts on in its file, the page's folder, a
//! [`LinkResolver`] and the alert labels of the page's language; gives [`Rendered`]: the
//! HTML, table of contents, heading ids, plain text (for search and summaries), the
//! summary (first paragraph), the internal links with their lines (for anchor checks),
//! the title taken from the first `# Heading` when asked, and the problems found, each
//! with its line.
//!
//! CommonMark plus tables, footnotes, strikethrough, task lists, heading attributes,
//! smart punctuation and GitHub alerts. Raw HTML is sanitized with ammonia unless the
//! site opts out.

pub(crate) mod headings;
pub(crate) mod kept;
pub mod links;

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::config::Policy;
use crate::html::escape;
use headings::{slugify, IdAllocator};
use links::Target;

/// Finds URLs for link targets (paths under the page's language folder).
pub trait LinkResolver {
    /// The URL of the page at `rel` (`esim/in-app.md`), if there is one.
    fn page(&self, rel: &str) -> Option<String>;
    /// The URL of the file at `rel` (`esim/qr.svg`), if there is one.
    fn asset(&self, rel: &str) -> Option<String>;
}

/// Labels of the five alert kinds in the page's language.
#[derive(Debug, Clone)]
pub struct AlertLabels {
    /// NOTE, TIP, IMPORTANT, WARNING, CAUTION, in that order.
    pub labels: [String; 5],
}

impl Default for AlertLabels {
    fn default() -> Self {
        AlertLabels {
            labels: ["Note", "Tip", "Important", "Warning", "Caution"].map(String::from),
        }
    }
}

/// What one render needs besides the text.
pub struct RenderInput<'a> {
    /// The Markdown body.
    pub body: &'a str,
    /// 1-based line of the file on which `body` starts.
    pub body_line: usize,
    /// The page's folder under `content/<lang>/` (`esim`).
    pub dir: &'a str,
    /// Take the first `# Heading` as the title and leave it out of the HTML.
    pub title_from_heading: bool,
    /// Keep raw HTML unsanitized.
    pub unsafe_html: bool,
    /// Alert labels in the page's language.
    pub alerts: &'a AlertLabels,
    /// Finds the URLs of linked pages and files.
    pub resolver: &'a dyn LinkResolver,
    /// What broken links do: a link or image that is not an error is rendered without
    /// its URL (plain text, or the image's description), never as a dead link.
    pub links: crate::config::LinkPolicy,
}

/// One entry of the table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TocEntry {
    /// Heading level (2–4).
    pub level: u8,
    /// The heading's id.
    pub id: String,
    /// The heading's text.
    pub title: String,
    /// Headings nested under this one.
    pub children: Vec<TocEntry>,
}

/// A heading of the page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    /// Level 1–6.
    pub level: u8,
    /// Its unique id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Whether the id was written explicitly (`{#id}`).
    pub explicit: bool,
}

/// A link to an anchor, checked once every page is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorLink {
    /// The target page (`esim/in-app.md`), or None for the same page.
    pub page: Option<String>,
    /// The anchor.
    pub anchor: String,
    /// 1-based line in the file.
    pub line: usize,
}

/// What kind of problem a [`Problem`] is (the link policy applies per kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProblemKind {
    /// A link to a page that does not exist.
    MissingPage,
    /// A link or image to a file that does not exist.
    MissingFile,
    /// A link that climbs out of the language folder, or cannot be read as a path.
    BadLink,
    /// The same explicit heading id twice.
    DuplicateId,
    /// Anything else (always an error).
    #[default]
    Other,
}

/// A problem in the Markdown, with its line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
}

/// An image the page shows (Markdown `![alt](src)` or raw HTML `<img src>`), for the
/// images stage: its sizes, resized copies and alt-text checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The URL written in the HTML (the copied file's, for a file of the site).
    pub url: String,
    /// 1-based line in the file.
    pub line: usize,
    /// Its alt text; None for raw HTML without an `alt` attribute.
    pub alt: Option<String>,
}

/// The result of rendering one page body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body's HTML.
    pub html: String,
    /// Table of contents (levels 2–4, nested).
    pub toc: Vec<TocEntry>,
    /// Every heading, in order.
    pub headings: Vec<Heading>,
    /// Ids of footnotes and other targets on the page besides headings.
    pub other_ids: Vec<String>,
    /// Plain text of the first paragraph.
    pub summary: String,
    /// The first `# Heading`'s text when `title_from_heading` was asked and there is one.
    pub title: Option<String>,
    /// Links with anchors, checked later.
    pub anchor_links: Vec<AnchorLink>,
    /// Pages linked (paths under the language folder), for dependency tracking.
    pub linked_pages: Vec<String>,
    /// Problems found (broken links…).
    pub problems: Vec<Problem>,
    /// Word count (CJK characters count as one word each).
    pub words: usize,
    /// The images shown, in order.
    pub images: Vec<ImageRef>,
}

impl Rendered {
    /// Whether `id` is a heading or footnote id on this page.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        self.headings.iter().any(|h| h.id == id) || self.other_ids.iter().any(|i| i == id)
    }
}

/// The parser options waypost uses.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_GFM
}

/// Maximum nesting of lists and block quotes rendered; deeper nesting is flattened so
/// that hostile input cannot exhaust the stack of the HTML sanitizer or the browser.
const MAX_DEPTH: usize = 64;

/// Where renders may be kept between builds (the pipeline's memo): a stage that renders
/// Markdown asks it for each body, and does not know where, or whether, results are
/// kept. `()` keeps nothing; the build cache keeps them (`kept`).
pub(crate) trait RenderMemo: Sync {
    /// `input` rendered, for a page published in `lang` and written in `content_lang`
    /// (the answers of its link lookups depend on both): the same [`Rendered`] as
    /// [`render`] gives, whether or not it was kept.
    fn rendered(&self, input: &RenderInput<'_>, lang: &str, content_lang: &str) -> Rendered;
}

/// No memo: every body is rendered.
impl RenderMemo for () {
    fn rendered(&self, input: &RenderInput<'_>, _lang: &str, _content_lang: &str) -> Rendered {
        render(input)
    }
}

/// Renders one page body: explicit heading ids reserved (pass 1), then the event stream
/// turned into the page's HTML, text, headings and links (pass 2, [`Emitter`]).
pub fn render(input: &RenderInput<'_>) -> Rendered {
    let body = input.body;
    let line_starts = line_starts(body);
    let line_of = |offset: usize| -> usize {
        input.body_line
            + line_starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1)
    };
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();
    let mut out = Rendered::default();
    let ids = reserve_explicit_ids(&events, &line_of, &mut out);
    let mut em = Emitter {
        input,
        line_of: &line_of,
        out,
        plain: String::new(),
        html: Vec::with_capacity(events.len()),
        kept_stack: Vec::new(),
        has_raw_html: false,
        footnotes: HashMap::new(),
        html_block: None,
        ids,
        title_taken: !input.title_from_heading,
        depth: 0,
        paragraph_start: None,
        summary_done: false,
        flat_headings: Vec::new(),
        open_image: None,
    };
    let mut i = 0;
    while i < events.len() {
        i = em.event(&events, i);
    }
    em.finish()
}

/// Pass 1: explicit ids are reserved first so generated ids never take them; one used
/// twice is a problem of the page.
fn reserve_explicit_ids(
    events: &[(Event<'_>, Range<usize>)],
    line_of: &dyn Fn(usize) -> usize,
    out: &mut Rendered,
) -> IdAllocator {
    let mut ids = IdAllocator::default();
    for (ev, range) in events {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = ev {
            if !ids.reserve(id) {
                out.problems.push(Problem {
                    kind: ProblemKind::DuplicateId,
                    line: line_of(range.start),
                    message: format!("heading id `{id}` is used twice on this page"),
                    hint: Some("give each heading its own `{#id}`".into()),
                });
            }
        }
    }
    ids
}

impl<'a> Emitter<'a, '_> {
    /// Emits the event at `i` (with what belongs to it: a heading's inner events);
    /// returns the index of the next one.
    fn event(&mut self, events: &[(Event<'a>, Range<usize>)], i: usize) -> usize {
        let (ev, range) = &events[i];
        match ev {
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => return self.heading(events, i, *level, id.as_deref(), classes),
            Event::Start(tag @ (Tag::BlockQuote(_) | Tag::List(_) | Tag::Item)) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return i + 1;
                }
                if let Tag::BlockQuote(Some(kind)) = tag {
                    let (class, label) = alert(*kind, self.input.alerts);
                    self.html.push(Event::Html(CowStr::from(format!(
                        "<div class=\"callout callout-{class}\" role=\"note\"><p class=\"callout-title\">{}</p>\n",
                        escape(label)
                    ))));
                } else {
                    self.html.push(ev.clone());
                }
            }
            Event::End(tag @ (TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item)) => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth >= MAX_DEPTH {
                    return i + 1;
                }
                if let TagEnd::BlockQuote(Some(_)) = tag {
                    self.html.push(Event::Html(CowStr::Borrowed("</div>\n")));
                } else {
                    self.html.push(ev.clone());
                }
                self.plain.push('\n');
            }
            Event::Start(Tag::Paragraph) => {
                if self.depth == 0 && !self.summary_done {
                    self.paragraph_start = Some(self.plain.len());
                }
                self.html.push(ev.clone());
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(start) = self.paragraph_start.take() {
                    self.summary_done = true;
                    self.out.summary = self.plain[start..].trim().to_string();
                }
                self.plain.push('\n');
                self.html.push(ev.clone());
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let n = footnote_number(&mut self.footnotes, label);
                let id = format!("fn-{}", slugify(label));
                self.out.other_ids.push(id.clone());
                self.html.push(Event::Html(CowStr::from(format!(
                    "<div class=\"footnote\" id=\"{}\"><span class=\"footnote-label\">{n}</span>",
                    escape(&id)
                ))));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                self.html.push(Event::Html(CowStr::Borrowed("</div>\n")));
            }
            Event::End(TagEnd::CodeBlock)
            | Event::End(TagEnd::TableRow)
            | Event::End(TagEnd::TableHead) => {
                self.plain.push('\n');
                self.html.push(ev.clone());
            }
            _ => self.inline(ev, range),
        }
        i + 1
    }

    /// Emits the heading starting at `i` — or takes it as the page's title (the first
    /// `# Heading`, when asked) — with its id (explicit, or made unique from its text)
    /// and its anchor link; returns the index after its end.
    fn heading(
        &mut self,
        events: &[(Event<'a>, Range<usize>)],
        i: usize,
        level: HeadingLevel,
        id: Option<&str>,
        classes: &[CowStr<'_>],
    ) -> usize {
        // Collect the heading's inner events to know its text first.
        let start = i + 1;
        let mut end = start;
        while end < events.len() && !matches!(events[end].0, Event::End(TagEnd::Heading(_))) {
            end += 1;
        }
        let inner = &events[start..end.min(events.len())];
        let full_text = plain_of(inner.iter().map(|(e, _)| e));
        let text = full_text.trim();
        let lvl = heading_level(level);
        if !self.title_taken && lvl == 1 {
            self.title_taken = true;
            self.out.title = Some(text.to_string());
            return end + 1;
        }
        let hid = match id {
            Some(id) => id.to_string(),
            None => self.ids.unique(&slugify(&full_text)),
        };
        let class_attr = if classes.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
            format!(" class=\"{}\"", escape(&names.join(" ")))
        };
        self.html.push(Event::Html(CowStr::from(format!(
            "<h{lvl} id=\"{}\"{class_attr}>",
            escape(&hid)
        ))));
        for (e, r) in inner {
            self.inline(e, r);
        }
        self.html.push(Event::Html(CowStr::from(format!(
            " <a class=\"heading-anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\" data-pagefind-ignore>#</a></h{lvl}>\n",
            escape(&hid)
        ))));
        self.plain.push_str(text);
        self.plain.push('\n');
        self.out.headings.push(Heading {
            level: lvl,
            id: hid.clone(),
            text: text.to_string(),
            explicit: id.is_some(),
        });
        if (2..=4).contains(&lvl) {
            self.flat_headings.push((lvl, hid, text.to_string()));
        }
        end + 1
    }

    /// The page's results: the HTML (task items labelled, sanitized when it holds raw
    /// HTML and the site does not trust it), the table of contents and the word count.
    fn finish(self) -> Rendered {
        let Emitter {
            input,
            mut out,
            plain,
            html: html_events,
            has_raw_html,
            flat_headings,
            ..
        } = self;
        let html_events = label_task_items(html_events);
        let mut html = String::with_capacity(input.body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, html_events.into_iter());
        if has_raw_html && !input.unsafe_html {
            html = sanitize(&html);
        }
        out.html = html;
        out.toc = nest_toc(&flat_headings);
        out.words = count_words(&plain);
        out
    }
}

/// Pass 2's state: the page's results so far and the HTML events being made.
struct Emitter<'a, 'i> {
    input: &'i RenderInput<'i>,
    line_of: &'i dyn Fn(usize) -> usize,
    out: Rendered,
    /// The text without markup, for the summary and the word count.
    plain: String,
    html: Vec<Event<'a>>,
    /// Whether each open link or image was kept (its target resolved; a dangerous or
    /// missing one is dropped with its end). Links and images nest properly, so one
    /// stack serves both.
    kept_stack: Vec<bool>,
    has_raw_html: bool,
    footnotes: HashMap<String, usize>,
    /// The HTML block being read (its text, and the line it starts on): its URLs are
    /// rewritten once it is whole, as a tag may span lines.
    html_block: Option<(String, usize)>,
    /// Heading ids given so far (explicit ones reserved first).
    ids: IdAllocator,
    /// Whether the first `# Heading` was taken as the title (or is not to be).
    title_taken: bool,
    /// Nesting of lists and block quotes (deeper than `MAX_DEPTH` is flattened).
    depth: usize,
    /// Where in `plain` the first top-level paragraph (the summary) starts.
    paragraph_start: Option<usize>,
    summary_done: bool,
    /// Headings of levels 2–4, in order, for the table of contents.
    flat_headings: Vec<(u8, String, String)>,
    /// The Markdown image being read (its index in `out.images`): its text is its alt.
    open_image: Option<usize>,
}

impl<'a> Emitter<'a, '_> {
    /// Emits an inline event (text, breaks, raw HTML, footnote references, links and
    /// images with their URLs resolved).
    fn inline(&mut self, ev: &Event<'a>, range: &Range<usize>) {
        let input = self.input;
        match ev {
            Event::Text(t) | Event::Code(t) => {
                if let Some(alt) = self
                    .open_image
                    .and_then(|i| self.out.images.get_mut(i))
                    .and_then(|img| img.alt.as_mut())
                {
                    alt.push_str(t);
                }
                self.plain.push_str(t);
                self.html.push(ev.clone());
            }
            Event::SoftBreak | Event::HardBreak => {
                self.plain.push(' ');
                self.html.push(ev.clone());
            }
            Event::Start(Tag::HtmlBlock) => {
                self.html_block = Some((String::new(), (self.line_of)(range.start)));
                self.html.push(ev.clone());
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((block, line)) = self.html_block.take() {
                    let html = self.raw_html_urls(&block, line);
                    self.html.push(Event::Html(CowStr::from(html)));
                }
                self.html.push(ev.clone());
            }
            Event::Html(t) => {
                self.has_raw_html = true;
                if let Some((block, _)) = &mut self.html_block {
                    block.push_str(t);
                } else {
                    let html = self.raw_html_urls(t, (self.line_of)(range.start));
                    self.html.push(Event::Html(CowStr::from(html)));
                }
            }
            Event::InlineHtml(t) => {
                self.has_raw_html = true;
                let html = self.raw_html_urls(t, (self.line_of)(range.start));
                self.html.push(Event::InlineHtml(CowStr::from(html)));
            }
            Event::FootnoteReference(label) => {
                let n = footnote_number(&mut self.footnotes, label);
                let id = slugify(label);
                self.html.push(Event::Html(CowStr::from(format!(
                    "<sup class=\"footnote-ref\"><a href=\"#fn-{}\">{n}</a></sup>",
                    escape(&id)
                ))));
            }
            Event::Start(tag @ (Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })) => {
                let line = (self.line_of)(range.start);
                // A link without a target is its text, an image without a source its
                // description: the tag is dropped with its end.
                let url = resolve(dest_url, line, input, &mut self.out);
                self.kept_stack.push(url.is_some());
                if let Some(url) = url {
                    if matches!(tag, Tag::Image { .. }) {
                        self.open_image = Some(self.out.images.len());
                        self.out.images.push(ImageRef {
                            url: url.clone(),
                            line,
                            alt: Some(String::new()),
                        });
                    }
                    self.html.push(Event::Start(with_destination(tag, url)));
                }
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if matches!(ev, Event::End(TagEnd::Image)) {
                    self.open_image = None;
                }
                if self.kept_stack.pop().unwrap_or(false) {
                    self.html.push(ev.clone());
                }
            }
            _ => self.html.push(ev.clone()),
        }
    }
}

impl Emitter<'_, '_> {
    /// Raw HTML with the URLs of links, images and media resolved like Markdown's
    /// (`other.md#step` → the page's URL, `diagram.svg` → the copied file's URL), and
    /// checked the same way: a broken one is a problem at `line`, the line the HTML
    /// starts on. A dangerous URL loses its attribute (sanitizing removes it anyway).
    fn raw_html_urls(&mut self, html: &str, line: usize) -> String {
        if !html.contains("href") && !html.contains("src") {
            return html.to_string();
        }
        let input = self.input;
        let out = std::cell::RefCell::new(&mut self.out);
        let handler =
            |el: &mut lol_html::html_content::Element<'_, '_>| -> lol_html::HandlerResult {
                let attr = if el.tag_name() == "a" { "href" } else { "src" };
                if let Some(raw) = el.get_attribute(attr) {
                    // The attribute as written; the browser reads it with entities decoded.
                    let dest = html_escape::decode_html_entities(&raw);
                    let url = resolve(&dest, line, input, &mut out.borrow_mut());
                    if let (Some(url), "img") = (&url, el.tag_name().as_str()) {
                        out.borrow_mut().images.push(ImageRef {
                            url: url.clone(),
                            line,
                            alt: el
                                .get_attribute("alt")
                                .map(|a| html_escape::decode_html_entities(&a).into_owned()),
                        });
                    }
                    match url {
                        Some(url) if url != dest => el.set_attribute(attr, &url)?,
                        Some(_) => {}
                        None => el.remove_attribute(attr),
                    }
                }
                Ok(())
            };
        let settings =
            lol_html::RewriteStrSettings::new().append_element_content_handler(lol_html::element!(
                "a[href], img[src], source[src], video[src], audio[src], track[src]",
                handler
            ));
        // A fragment lol_html cannot take is left as written (sanitizing still applies).
        lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
    }
}

/// Resolves a link destination to the URL written in the HTML; None drops the link (a
/// dangerous scheme). Broken internal links are recorded as problems.
fn resolve(dest: &str, line: usize, input: &RenderInput<'_>, out: &mut Rendered) -> Option<String> {
    let target = match links::classify(dest, input.dir) {
        Ok(t) => t,
        Err(msg) => {
            out.problems.push(Problem {
                kind: ProblemKind::BadLink,
                line,
                message: msg,
                hint: Some(
                    "link to a page of the same language folder with a relative .md path".into(),
                ),
            });
            return Some(dest.to_string());
        }
    };
    match target {
        Target::External => Some(dest.to_string()),
        Target::Dangerous => {
            if input.unsafe_html {
                Some(dest.to_string())
            } else {
                None
            }
        }
        Target::SamePage(anchor) => {
            out.anchor_links.push(AnchorLink {
                page: None,
                anchor: anchor.clone(),
                line,
            });
            Some(dest.to_string())
        }
        Target::Page(rel, anchor) => {
            let Some(url) = input.resolver.page(&rel) else {
                out.problems.push(Problem {
                    kind: ProblemKind::MissingPage,
                    line,
                    message: format!(
                        "link to a missing page `{dest}` (no file `{rel}` in this language)"
                    ),
                    hint: Some(
                        "check the file name; links are relative to this page's folder".into(),
                    ),
                });
                return (input.links.missing_page == Policy::Error).then(|| dest.to_string());
            };
            out.linked_pages.push(rel.clone());
            match anchor {
                Some(a) => {
                    let href = format!("{url}#{}", encode_fragment(&a));
                    out.anchor_links.push(AnchorLink {
                        page: Some(rel),
                        anchor: a,
                        line,
                    });
                    Some(href)
                }
                None => Some(url),
            }
        }
        Target::Asset(rel, rest) => match input.resolver.asset(&rel) {
            Some(url) => Some(format!("{url}{rest}")),
            None => {
                out.problems.push(Problem {
                    kind: ProblemKind::MissingFile,
                    line,
                    message: format!("link to a missing file `{dest}`"),
                    hint: Some(
                        "put the file next to the page, or link to a page with its .md path".into(),
                    ),
                });
                (input.links.missing_file == Policy::Error).then(|| dest.to_string())
            }
        },
    }
}

/// Fragments keep letters of every script (browsers show them as written) but encode
/// characters that would end or break the attribute or URL.
fn encode_fragment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '`' => out.push_str("%60"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Footnotes are numbered in order of first use. A map, not a list search: a hostile
/// page with a million footnotes must not cost a million squared.
fn footnote_number(footnotes: &mut HashMap<String, usize>, label: &str) -> usize {
    if let Some(&n) = footnotes.get(label) {
        return n;
    }
    let n = footnotes.len() + 1;
    footnotes.insert(label.to_string(), n);
    n
}

fn alert(kind: BlockQuoteKind, labels: &AlertLabels) -> (&'static str, &str) {
    let (class, i) = match kind {
        BlockQuoteKind::Note => ("note", 0),
        BlockQuoteKind::Tip => ("tip", 1),
        BlockQuoteKind::Important => ("important", 2),
        BlockQuoteKind::Warning => ("warning", 3),
        BlockQuoteKind::Caution => ("caution", 4),
    };
    (class, &labels.labels[i])
}

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn plain_of<'a>(events: impl Iterator<Item = &'a Event<'a>>) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

fn line_starts(s: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        s.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

fn nest_toc(flat: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn build(flat: &[(u8, String, String)], i: &mut usize, level: u8) -> Vec<TocEntry> {
        let mut out = Vec::new();
        while *i < flat.len() {
            let (l, id, title) = &flat[*i];
            if *l < level {
                break;
            }
            *i += 1;
            let children = build(flat, i, l + 1);
            out.push(TocEntry {
                level: *l,
                id: id.clone(),
                title: title.clone(),
                children,
            });
        }
        out
    }
    let min = flat.iter().map(|h| h.0).min().unwrap_or(2);
    let mut i = 0;
    let mut out = Vec::new();
    while i < flat.len() {
        out.extend(build(flat, &mut i, min));
    }
    out
}

/// A link or image tag pointing at `url` instead of its written destination.
fn with_destination<'a>(tag: &Tag<'a>, url: String) -> Tag<'a> {
    match tag {
        Tag::Link {
            link_type,
            title,
            id,
            ..
        } => Tag::Link {
            link_type: *link_type,
            dest_url: CowStr::from(url),
            title: title.clone(),
            id: id.clone(),
        },
        Tag::Image {
            link_type,
            title,
            id,
            ..
        } => Tag::Image {
            link_type: *link_type,
            dest_url: CowStr::from(url),
            title: title.clone(),
            id: id.clone(),
        },
        other => other.clone(),
    }
}

/// Words for reading time and stats: whitespace-separated runs, each CJK character one.
pub(crate) fn count_words(text: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    let mut rest = text;
    while let Some(&b) = rest.as_bytes().first() {
        // ASCII, most of most pages, without decoding characters.
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                if !in_word {
                    n += 1;
                    in_word = true;
                }
            } else {
                in_word = false;
            }
            rest = &rest[1..];
            continue;
        }
        let c = rest.chars().next().expect("a character starts here");
        rest = &rest[c.len_utf8()..];
        if is_cjk(c) {
            n += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                n += 1;
                in_word = true;
            }
        } else {
            in_word = false;
        }
    }
    n
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Cleans HTML of scripts, event handlers, dangerous URLs, frames and styles, keeping the
/// markup waypost itself produces.
pub(crate) fn sanitize(html: &str) -> String {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes([
        "id",
        "class",
        "aria-hidden",
        "aria-label",
        "role",
        "tabindex",
        "dir",
        "lang",
        "data-pagefind-ignore",
    ])
    .add_tags([
        "input",
        "label",
        "details",
        "summary",
        "figure",
        "figcaption",
        "mark",
        "kbd",
        "abbr",
    ])
    .add_tag_attributes("input", ["type", "checked", "disabled"])
    .add_tag_attributes("td", ["style"])
    .add_tag_attributes("th", ["style"])
    .add_tag_attributes("img", ["loading", "width", "height"])
    .add_tag_attributes("ol", ["start"])
    .link_rel(None)
    .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
    .url_relative(ammonia::UrlRelative::PassThrough)
    .id_prefix(None)
    .attribute_filter(|element, attribute, value| {
        if attribute == "style" && (element == "td" || element == "th") {
            // Only the table alignment pulldown-cmark writes.
            return match value {
                "text-align: left" | "text-align: center" | "text-align: right" => {
                    Some(value.into())
                }
                _ => None,
            };
        }
        Some(value.into())
    });
    b.clean(html).to_string()
}

/// A task list's checkbox is labelled by the text of its item: `<label>` runs from the
/// box to the item's first block boundary (end of the item or paragraph, a nested list).
fn label_task_items(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len() + 4);
    let mut open = false;
    for ev in events {
        if open {
            let inline = match &ev {
                Event::Start(t) => matches!(
                    t,
                    Tag::Emphasis
                        | Tag::Strong
                        | Tag::Strikethrough
                        | Tag::Link { .. }
                        | Tag::Image { .. }
                        | Tag::Superscript
                        | Tag::Subscript
                ),
                Event::End(t) => matches!(
                    t,
                    TagEnd::Emphasis
                        | TagEnd::Strong
                        | TagEnd::Strikethrough
                        | TagEnd::Link
                        | TagEnd::Image
                        | TagEnd::Superscript
                        | TagEnd::Subscript
                ),
                Event::Html(_) | Event::Rule | Event::TaskListMarker(_) => false,
                _ => true,
            };
            if !inline {
                out.push(Event::Html(CowStr::Borrowed("</label>")));
                open = false;
            }
        }
        if let Event::TaskListMarker(checked) = ev {
            out.push(Event::Html(CowStr::Borrowed(if checked {
                "<label class=\"task\"><input disabled=\"\" type=\"checkbox\" checked=\"\"/> "
            } else {
                "<label class=\"task\"><input disabled=\"\" type=\"checkbox\"/> "
            })));
            open = true;
            continue;
        }
        out.push(ev);
    }
    if open {
        out.push(Event::Html(CowStr::Borrowed("</label>")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: alphanumeric runs are words, each CJK character is one.
    fn count_words_by_chars(text: &str) -> usize {
        let mut n = 0;
        let mut in_word = false;
        for c in text.chars() {
            if is_cjk(c) {
                n += 1;
                in_word = false;
            } else if c.is_alphanumeric() {
                if !in_word {
                    n += 1;
                    in_word = true;
                }
            } else {
                in_word = false;
            }
        }
        n
    }

    #[test]
    fn words_are_alphanumeric_runs_and_each_cjk_character_counts_once() {
        for (text, words) in [
            ("", 0),
            ("Activate your SIM online", 4),
            ("eSIM, QR-code: 2 steps.", 5),
            ("Activación en línea: ¿cómo?", 4),
            ("扫描二维码", 5),
            ("用 eSIM 激活", 4),
            ("naïve café — 10:30", 4),
            ("ماذا تحتاج", 2),
        ] {
            assert_eq!(count_words(text), words, "{text}");
            assert_eq!(count_words(text), count_words_by_chars(text), "{text}");
        }
    }
}
