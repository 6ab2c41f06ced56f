//! HTTP: the built site from memory, the live-reload stream, nothing else.
//!
//! Takes the shared `State`; gives an axum router that serves files with their MIME
//! types, `index.html` for folders (and a redirect from `/x` to `/x/`), the language's own
//! 404 page with status 404, the event stream and the client script. Requests without
//! exactly one Host header get 400; requests whose Host (or absolute-form target) is not
//! the address served (DNS rebinding) get 403; paths that climb out of the site, in any
//! encoding, get 404.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

use super::livereload::{self, Message, EVENTS_PATH, SCRIPT_PATH};
use super::State;

/// The router.
pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(script))
        .fallback(get(file))
        .with_state(state)
}

/// Why a request may not be answered, if it may not: the Host header must be given
/// once and name the address served or `localhost` (a page on another site that points
/// its own name at 127.0.0.1 — DNS rebinding — must not read the preview), and a request
/// target in absolute form (`GET http://host/ HTTP/1.1`) must name such a host too.
fn refused(state: &State, headers: &HeaderMap, uri: &Uri) -> Option<Response> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let (host, second) = (hosts.next(), hosts.next());
    let host = match (host, second) {
        (None, _) => return Some(bad_request("a Host header is required")),
        (Some(_), Some(_)) => return Some(bad_request("more than one Host header")),
        (Some(h), None) => h,
    };
    if state.any_host {
        return None;
    }
    let Ok(host) = host.to_str() else {
        return Some(forbidden());
    };
    if !host_is_served(state, host) {
        return Some(forbidden());
    }
    match uri.authority() {
        Some(a) if !host_is_served(state, a.as_str()) => Some(forbidden()),
        _ => None,
    }
}

/// `host` (`name` or `name:port`) names the address served.
fn host_is_served(state: &State, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let (name, port_ok) = match host.rfind(':') {
        Some(i) if !host.ends_with(']') => (&host[..i], host[i + 1..] == state.port.to_string()),
        _ => (host.as_str(), true),
    };
    port_ok
        && (name == "localhost"
            || name == "127.0.0.1"
            || name == "[::1]"
            || name == state.bind_host)
}

fn bad_request(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("waypost serve: bad request: {why}\n"),
    )
        .into_response()
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "waypost serve: unexpected Host header\n",
    )
        .into_response()
}

async fn script(AxState(state): AxState<Arc<State>>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(r) = refused(&state, &headers, &uri) {
        return r;
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        livereload::SCRIPT,
    )
        .into_response()
}

async fn events(AxState(state): AxState<Arc<State>>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(r) = refused(&state, &headers, &uri) {
        return r;
    }
    let rx = state.events.subscribe();
    // A browser that connects while the build is broken sees the overlay at once.
    let first = state
        .current_error()
        .map(|message| Message::BuildError { message })
        .into_iter()
        .chain(
            state
                .current_warnings()
                .map(|message| Message::Warnings { message }),
        );
    let initial = tokio_stream::iter(first.map(to_event));
    let updates = BroadcastStream::new(rx).filter_map(|m| m.ok().map(to_event));
    // A comment line every few seconds keeps the stream alive through the server's idle
    // timeout and tells the browser quickly when the server is gone.
    Sse::new(initial.chain(updates))
        .keep_alive(KeepAlive::new().interval(super::SSE_HEARTBEAT))
        .into_response()
}

fn to_event(m: Message) -> Result<Event, Infallible> {
    Ok(Event::default().event(m.event()).data(m.data()))
}

async fn file(AxState(state): AxState<Arc<State>>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(r) = refused(&state, &headers, &uri) {
        return r;
    }
    let Some(rel) = clean_path(uri.path()) else {
        return not_found(&state, "");
    };
    let lookup = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.clone()
    };
    if let Some(bytes) = state.get(&lookup) {
        return respond(&lookup, &bytes, StatusCode::OK);
    }
    if !rel.is_empty() && !rel.ends_with('/') && state.has(&format!("{rel}/index.html")) {
        let mut location = format!("{}/", uri.path());
        if let Some(q) = uri.query() {
            location.push('?');
            location.push_str(q);
        }
        let mut resp = StatusCode::PERMANENT_REDIRECT.into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return resp;
    }
    not_found(&state, &rel)
}

fn not_found(state: &State, rel: &str) -> Response {
    let lang = rel.split('/').next().unwrap_or("");
    for candidate in [format!("{lang}/404.html"), "404.html".to_string()] {
        if let Some(bytes) = state.get(&candidate) {
            return respond(&candidate, &bytes, StatusCode::NOT_FOUND);
        }
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn respond(path: &str, bytes: &[u8], status: StatusCode) -> Response {
    let mime = mime_of(path);
    let body = if mime.starts_with("text/html") {
        Body::from(livereload::inject(bytes))
    } else {
        Body::from(bytes.to_vec())
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, mime)
        .header(header::CACHE_CONTROL, "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The site path for a request path: percent-decoded, without the leading `/`; None when
/// it climbs out of the site (`..` in any encoding), holds NUL or backslashes, or is not
/// UTF-8.
pub fn clean_path(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let trailing = decoded.ends_with('/');
    let mut parts = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => parts.push(s),
        }
    }
    let mut out = parts.join("/");
    if trailing && !out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// MIME type by extension.
pub(crate) fn mime_of(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_in_any_encoding_is_refused() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/..%2fetc",
            "/a\\..\\b",
            "/%00",
        ] {
            assert_eq!(clean_path(bad), None, "{bad}");
        }
        assert_eq!(clean_path("/en/esim/").as_deref(), Some("en/esim/"));
        assert_eq!(clean_path("/c%2B%2B/").as_deref(), Some("c++/"));
        assert_eq!(clean_path("/").as_deref(), Some(""));
    }

    #[test]
    fn published_sources_and_text_exports_are_served_as_text_never_as_html() {
        // Markdown sources are published as written (an author's raw HTML included):
        // a browser must show them, not run them.
        assert_eq!(
            mime_of("en/esim/qr-code.md"),
            "text/markdown; charset=utf-8"
        );
        assert_eq!(mime_of("en/llms.txt"), "text/plain; charset=utf-8");
        assert_eq!(mime_of("en/x.MD"), "text/markdown; charset=utf-8");
    }
}
