//! External links (`--external`): found in the Markdown, checked over HTTP.
//!
//! Takes the site's pages (their files are read again: the site model keeps only the
//! internal links) and [`HttpOptions`]; gives every `http(s)://` link with its file and
//! line, and one [`Outcome`] per distinct URL (fragment removed). Requests run on a
//! bounded pool of threads, each with a connect timeout and an overall timeout; a `HEAD`
//! that fails is retried as `GET`, since many servers answer `HEAD` badly.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pulldown_cmark::{Event, Parser, Tag};

use crate::site::Site;

/// How external links are checked.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Time to connect.
    pub connect_timeout: Duration,
    /// Time for a whole request, redirects included.
    pub timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            concurrency: 8,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
        }
    }
}

/// An external link in a page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ExternalLink {
    /// The file, relative to the site root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The language of the page.
    pub lang: String,
    /// The URL as written.
    pub url: String,
}

/// What one URL answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A success status (after redirects).
    Ok(u16),
    /// An error status.
    Status(u16),
    /// No answer: the reason (timeout, refused, unknown host…).
    Failed(String),
}

/// The URL without its fragment: what is requested.
pub(crate) fn request_url(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// Every `http://` and `https://` link and image of the pages with their own file.
pub(crate) fn collect(site: &Site) -> Vec<ExternalLink> {
    let mut out = Vec::new();
    for p in &site.pages {
        if p.fallback_from.is_some() {
            continue;
        }
        let Some(src) = &p.source else { continue };
        let Ok(text) = crate::content::read_text(&site.root.join(src), src) else {
            continue;
        };
        let (body, body_line) = super::body_of(&text);
        let file = crate::paths::path_to_slash(src).unwrap_or_else(|| p.display());
        for (url, line) in links_in(body, body_line) {
            out.push(ExternalLink {
                file: file.clone(),
                line,
                lang: p.lang.clone(),
                url,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// External links of a Markdown body with their file lines.
fn links_in(body: &str, body_line: usize) -> Vec<(String, usize)> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            body.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut out = Vec::new();
    for (ev, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        let dest = match &ev {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        let lower = dest.trim().to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let line = body_line
                + starts
                    .partition_point(|&s| s <= range.start)
                    .saturating_sub(1);
            out.push((dest.trim().to_string(), line));
        }
    }
    out
}

/// Checks each URL once; gives the outcome per requested URL (see [`request_url`]).
pub(crate) fn check_urls(links: &[ExternalLink], opts: &HttpOptions) -> BTreeMap<String, Outcome> {
    let urls: Vec<String> = links
        .iter()
        .map(|l| request_url(&l.url).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(10)
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_global(Some(opts.timeout))
        .user_agent(concat!("waypost-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    let workers = opts.concurrency.clamp(1, 64).min(urls.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(url) = urls.get(i) else { break };
                let outcome = check_one(&agent, url);
                log::debug!("{url}: {outcome:?}");
                if let Ok(mut r) = results.lock() {
                    r.insert(url.clone(), outcome);
                }
            });
        }
    });
    results.into_inner().unwrap_or_default()
}

fn check_one(agent: &ureq::Agent, url: &str) -> Outcome {
    let head = request(agent.head(url).call());
    match head {
        Outcome::Ok(_) => head,
        // Timeouts are not retried: a second wait as long would rarely help.
        Outcome::Failed(ref m) if m.contains("timed out") => head,
        _ => match request(agent.get(url).call()) {
            // Keep the HEAD answer when GET could not even connect.
            Outcome::Failed(_) if matches!(head, Outcome::Status(_)) => head,
            get => get,
        },
    }
}

fn request(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Outcome {
    match r {
        Ok(resp) => {
            let status = resp.status().as_u16();
            if status < 400 {
                Outcome::Ok(status)
            } else {
                Outcome::Status(status)
            }
        }
        Err(ureq::Error::Timeout(_)) => Outcome::Failed("timed out".into()),
        Err(ureq::Error::HostNotFound) => Outcome::Failed("host not found".into()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_images_are_found_with_their_lines() {
        let body = "Intro <https://a.example/x>.\n\n[b](http://b.example/#top) and [c](c.md)\n\n![i](HTTPS://i.example/p.png)\n";
        let found = links_in(body, 10);
        assert_eq!(
            found,
            vec![
                ("https://a.example/x".to_string(), 10),
                ("http://b.example/#top".to_string(), 12),
                ("HTTPS://i.example/p.png".to_string(), 14),
            ]
        );
    }

    #[test]
    fn the_fragment_is_not_requested() {
        assert_eq!(request_url("https://a.example/p#x"), "https://a.example/p");
    }
}
