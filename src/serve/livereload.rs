//! Live reload: the browser side, and the messages sent to it over Server-Sent Events.
//!
//! Takes rebuild outcomes; gives [`Message`]s (`reload` with the changed paths, `css`,
//! `build-error` with the error text, `ok`, `warnings`) and the small script injected
//! into every HTML page served, which reloads the open page when it changed (keeping the
//! scroll position), swaps stylesheets without a reload, shows an overlay naming the
//! file and line while a rebuild is failing, and a dismissible bar listing the broken
//! links the site's link policy lets through.

use serde::Serialize;

/// Path of the event stream.
pub(crate) const EVENTS_PATH: &str = "/__waypost/events";
/// Path of the client script.
pub(crate) const SCRIPT_PATH: &str = "/__waypost/livereload.js";

/// One message to the browsers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub(crate) enum Message {
    /// These URL paths (decoded, like `/zh/esim/`) changed.
    Reload {
        /// The changed paths.
        paths: Vec<String>,
    },
    /// Only stylesheets changed.
    Css,
    /// The last rebuild failed; the site served is the last good one.
    BuildError {
        /// The error, one problem per line (file:line: message).
        message: String,
    },
    /// The site builds again.
    Ok,
    /// Broken links the link policy lets through (empty: there are none any more).
    Warnings {
        /// One problem per line (file:line: message), or empty.
        message: String,
    },
}

impl Message {
    /// The SSE event name.
    pub(crate) fn event(&self) -> &'static str {
        match self {
            Message::Reload { .. } => "reload",
            Message::Css => "css",
            Message::BuildError { .. } => "build-error",
            Message::Ok => "ok",
            Message::Warnings { .. } => "warnings",
        }
    }

    /// The SSE data (JSON).
    pub(crate) fn data(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The `<script>` tag injected before `</body>`.
pub(crate) fn script_tag() -> String {
    format!("<script src=\"{SCRIPT_PATH}\" defer></script>")
}

/// Inserts the script into an HTML page.
pub(crate) fn inject(html: &[u8]) -> Vec<u8> {
    let tag = script_tag();
    let needle = b"</body>";
    match html.windows(needle.len()).rposition(|w| w == needle) {
        Some(i) => {
            let mut out = Vec::with_capacity(html.len() + tag.len());
            out.extend_from_slice(&html[..i]);
            out.extend_from_slice(tag.as_bytes());
            out.extend_from_slice(&html[i..]);
            out
        }
        None => {
            let mut out = html.to_vec();
            out.extend_from_slice(tag.as_bytes());
            out
        }
    }
}

/// The client script.
pub(crate) const SCRIPT: &str = r#"// waypost serve: live reload and the error overlay.
(function () {
  "use strict";
  var here = function () { try { return decodeURI(location.pathname); } catch (e) { return location.pathname; } };
  var key = "waypost-scroll:" + here();
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    var y = parseFloat(saved) || 0;
    var restore = function () { window.scrollTo(0, y); };
    if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
  }
  var overlay = null;
  var show = function (text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "waypost-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(20,0,0,.88);color:#fff;" +
        "font:14px/1.5 ui-monospace,monospace;padding:2rem;overflow:auto;white-space:pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "waypost: the last change does not build; this is the last good version.\n\n" + text;
  };
  var hide = function () { if (overlay) { overlay.remove(); overlay = null; } };
  var es = new EventSource("/__waypost/events");
  es.addEventListener("reload", function (e) {
    var d = JSON.parse(e.data), p = here();
    var hit = d.paths.some(function (q) { return q === p || q === p + "/" || (q === "/404.html" && document.title === ""); });
    if (hit) { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
  });
  es.addEventListener("css", function () {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (l) {
      var u = new URL(l.href); u.searchParams.set("waypost", String(Date.now())); l.href = u.toString();
    });
  });
  es.addEventListener("build-error", function (e) { show(JSON.parse(e.data).message); });
  es.addEventListener("ok", hide);
  var bar = null;
  es.addEventListener("warnings", function (e) {
    var text = JSON.parse(e.data).message;
    if (!text) { if (bar) { bar.remove(); bar = null; } return; }
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "waypost-warnings";
      bar.setAttribute("role", "status");
      bar.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:2147483646;max-height:40vh;overflow:auto;" +
        "background:#fff8db;color:#3d2f00;border-top:2px solid #b58900;font:13px/1.5 ui-monospace,monospace;" +
        "padding:.75rem 2.5rem .75rem 1rem;white-space:pre-wrap";
      var close = document.createElement("button");
      close.type = "button"; close.textContent = "×"; close.setAttribute("aria-label", "Dismiss");
      close.style.cssText = "position:absolute;top:.25rem;right:.5rem;font:20px/1 sans-serif;background:none;border:0;cursor:pointer;color:inherit";
      close.addEventListener("click", function () { bar.remove(); bar = null; });
      bar.appendChild(close);
      bar.appendChild(document.createElement("span"));
      document.body.appendChild(bar);
    }
    bar.lastChild.textContent = "waypost: " + text;
  });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_closing_body_tag() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></body></html>")).unwrap();
        assert!(out.ends_with(&format!("{}</body></html>", script_tag())));
    }
}
