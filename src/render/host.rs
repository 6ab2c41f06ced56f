//! What a static host needs to know about the built site, written for each host.
//!
//! Takes the site's redirects (every `aliases` entry, in every language), the URLs of its
//! content-hashed files (the theme's `waypost.<hash>.css`/`.js`, the search bundles'
//! chunks, fragments, filters and metadata) and the hashes of the theme's inline scripts;
//! gives one [`HostRules`], written as the files hosts read: `_redirects` (Netlify,
//! Cloudflare Pages: real 301s), `_headers` (a year and `immutable` for hashed files; the
//! security headers, with a Content-Security-Policy the theme satisfies), and fragments
//! for nginx and Caddy (`waypost host nginx|caddy DIR`). Every writer reads the same
//! rules, so the four never disagree. Pure: no file is read or written here.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// `Cache-Control` of files whose name changes when their bytes do.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else (pages, `pagefind.js`, feeds): kept, but checked
/// with the host on every use, so a new build shows at once.
pub(crate) const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// The folders of a search bundle whose file names are content hashes.
const HASHED_BUNDLE_DIRS: &[&str] = &["fragment", "index", "filter"];

/// One redirect: an old URL path (with the base path, percent-encoded) to a page's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub from: String,
    pub to: String,
}

/// Everything a host is told, in a fixed order (deterministic files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRules {
    /// The site's URL path without a trailing slash (`/guides`, or empty).
    pub base_path: String,
    /// Aliases, sorted by `from`.
    pub redirects: Vec<Redirect>,
    /// Exact URL paths of content-hashed theme files.
    pub hashed_files: Vec<String>,
    /// URL path prefixes (ending in `/`) whose files all have content-hashed names, and
    /// the suffix of the search bundles' hashed metadata files.
    pub hashed_prefixes: Vec<String>,
    /// Security headers sent with every response, in order.
    pub security: Vec<(&'static str, String)>,
}

impl HostRules {
    /// The rules for a site published under `base_path` in `languages`, with these
    /// redirects, hashed theme files, search on or off, the hashes (`'sha256-…'`) of the
    /// inline scripts its pages carry, and the site's own policy if it set one.
    pub(crate) fn new(
        base_path: &str,
        languages: &[&str],
        mut redirects: Vec<Redirect>,
        hashed_files: Vec<String>,
        search: bool,
        script_hashes: &[String],
        csp: Option<&str>,
    ) -> HostRules {
        redirects.sort_by(|a, b| a.from.cmp(&b.from));
        redirects.dedup_by(|a, b| a.from == b.from);
        let mut hashed_prefixes = Vec::new();
        if search {
            for lang in languages {
                for dir in HASHED_BUNDLE_DIRS {
                    hashed_prefixes.push(format!(
                        "{base_path}/{lang}/{}/{dir}/",
                        crate::url::SEARCH_BUNDLE_DIR
                    ));
                }
            }
        }
        let mut security = vec![
            ("X-Content-Type-Options", "nosniff".to_string()),
            (
                "Referrer-Policy",
                "strict-origin-when-cross-origin".to_string(),
            ),
        ];
        let policy = match csp {
            Some(own) => own.trim().to_string(),
            None => theme_policy(script_hashes),
        };
        if !policy.is_empty() {
            security.push(("Content-Security-Policy", policy));
        }
        HostRules {
            base_path: base_path.to_string(),
            redirects,
            hashed_files,
            hashed_prefixes,
            security,
        }
    }

    /// `_redirects` for Netlify and Cloudflare Pages: one `from to 301` line per alias.
    pub(crate) fn redirects_file(&self) -> String {
        let mut out =
            String::from("# Written by waypost: each page's `aliases`, as permanent redirects.\n");
        for r in &self.redirects {
            let _ = writeln!(out, "{} {} 301", r.from, r.to);
        }
        out
    }

    /// `_headers` for Netlify and Cloudflare Pages. Pages keep the host's default caching
    /// (on both, `public, max-age=0, must-revalidate`), because both hosts join the values
    /// of a header that two rules set.
    pub(crate) fn headers_file(&self) -> String {
        let mut out = String::from(
            "# Written by waypost. Pages keep the host's default Cache-Control (revalidated on\n# every visit); files whose names are content hashes are kept for a year.\n",
        );
        let _ = writeln!(out, "{}/*", self.base_path);
        for (name, value) in &self.security {
            let _ = writeln!(out, "  {name}: {value}");
        }
        let patterns = self
            .hashed_files
            .iter()
            .cloned()
            .chain(self.hashed_prefixes.iter().map(|p| format!("{p}*")));
        for p in patterns {
            let _ = writeln!(out, "{p}\n  Cache-Control: {IMMUTABLE}");
        }
        if !self.hashed_prefixes.is_empty() {
            // The bundles' metadata files: `pagefind.<hash>.pf_meta`.
            let mut langs: Vec<&str> = self
                .hashed_prefixes
                .iter()
                .filter_map(|p| p.strip_prefix(&format!("{}/", self.base_path)))
                .filter_map(|p| p.split('/').next())
                .collect();
            langs.dedup();
            for lang in langs {
                let _ = writeln!(
                    out,
                    "{}/{lang}/{}/*.pf_meta\n  Cache-Control: {IMMUTABLE}",
                    self.base_path,
                    crate::url::SEARCH_BUNDLE_DIR
                );
            }
        }
        out
    }

    /// The regular expression (nginx and Caddy, PCRE/RE2 alike) of every hashed file's URL.
    fn hashed_regex(&self) -> String {
        let mut alts: Vec<String> = self.hashed_files.iter().map(|f| regex_escape(f)).collect();
        alts.extend(
            self.hashed_prefixes
                .iter()
                .map(|p| format!("{}.+", regex_escape(p))),
        );
        if !self.hashed_prefixes.is_empty() {
            alts.push(format!(
                "{}/[^/]+/{}/pagefind\\.[^/]+\\.pf_meta",
                regex_escape(&self.base_path),
                crate::url::SEARCH_BUNDLE_DIR
            ));
        }
        if alts.is_empty() {
            // Matches no URL path (they all start with `/`).
            return "^$".into();
        }
        format!("^({})$", alts.join("|"))
    }

    /// nginx: `(http, server)` — a `map` to include in `http { }`, and the directives to
    /// include in the `server` or `location` that serves the site.
    pub(crate) fn nginx(&self) -> (String, String) {
        let mut http = String::from(
            "# Written by `waypost host nginx`: include in http { }, with waypost-server.conf\n# in the server { } or location { } that serves the site.\n",
        );
        let _ = writeln!(
            http,
            "map $uri $waypost_cache_control {{\n    default \"{REVALIDATE}\";\n    \"~{}\" \"{IMMUTABLE}\";\n}}",
            self.hashed_regex()
        );
        http.push_str("map $uri $waypost_redirect {\n    default \"\";\n");
        for r in &self.redirects {
            let _ = writeln!(
                http,
                "    \"{}\" \"{}\";",
                nginx_quote(&r.from),
                nginx_quote(&r.to)
            );
            // nginx gives `$uri` decoded: match the decoded spelling too.
            let decoded = percent_encoding::percent_decode_str(&r.from)
                .decode_utf8_lossy()
                .into_owned();
            if decoded != r.from {
                let _ = writeln!(
                    http,
                    "    \"{}\" \"{}\";",
                    nginx_quote(&decoded),
                    nginx_quote(&r.to)
                );
            }
        }
        http.push_str("}\n");
        let mut server = String::from(
            "# Written by `waypost host nginx`: include in the server { } or location { } that\n# serves the site (waypost-http.conf in http { } defines the two variables).\n",
        );
        let _ = writeln!(
            server,
            "add_header Cache-Control $waypost_cache_control always;"
        );
        for (name, value) in &self.security {
            let _ = writeln!(
                server,
                "add_header {name} \"{}\" always;",
                nginx_quote(value)
            );
        }
        server.push_str("if ($waypost_redirect) {\n    return 301 $waypost_redirect;\n}\n");
        (http, server)
    }

    /// Caddy: a fragment to `import` inside the site block (where the request path is the
    /// site's URL, base path included), serving precompressed copies when they exist.
    pub(crate) fn caddy(&self) -> String {
        let mut out = String::from(
            "# Written by `waypost host caddy`: import inside the site's block, where `root` is\n# the folder that holds the site at its URL path.\n",
        );
        let _ = writeln!(
            out,
            "@waypost_hashed path_regexp waypost_hashed \"{}\"",
            caddy_quote(&self.hashed_regex())
        );
        let _ = writeln!(
            out,
            "@waypost_other not path_regexp waypost_other \"{}\"",
            caddy_quote(&self.hashed_regex())
        );
        out.push_str("header {\n");
        for (name, value) in &self.security {
            let _ = writeln!(out, "    {name} \"{}\"", caddy_quote(value));
        }
        out.push_str("}\n");
        let _ = writeln!(out, "header @waypost_hashed Cache-Control \"{IMMUTABLE}\"");
        let _ = writeln!(out, "header @waypost_other Cache-Control \"{REVALIDATE}\"");
        for r in &self.redirects {
            let _ = writeln!(
                out,
                "redir \"{}\" \"{}\" 301",
                caddy_quote(&r.from),
                caddy_quote(&r.to)
            );
        }
        // The site's 404 page for a missing file (the `expression` form works on every
        // Caddy 2 release; `handle_errors 404` needs 2.8).
        let _ = writeln!(
            out,
            "handle_errors {{\n    @waypost_404 expression {{err.status_code}} == 404\n    \
             rewrite @waypost_404 {}/404.html\n    file_server\n}}",
            self.base_path
        );
        out.push_str("file_server {\n    precompressed br gzip\n}\n");
        out
    }
}

/// The policy the built-in theme satisfies: everything from the site's own origin, its
/// inline scripts by hash, WebAssembly for search, nothing framed or embedded.
fn theme_policy(script_hashes: &[String]) -> String {
    let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        scripts.push(' ');
        scripts.push_str(h);
    }
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'self'"
    )
}

/// `'sha256-…'` of each distinct inline `<script>` (one without `src`) in `html`, in the
/// order they first appear.
pub(crate) fn inline_script_hashes(html: &str, into: &mut Vec<String>) {
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start + "<script".len()..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let attrs = &after[..tag_end];
        let body_and_rest = &after[tag_end + 1..];
        let Some(end) = body_and_rest.find("</script") else {
            break;
        };
        let body = &body_and_rest[..end];
        let is_inline = !attrs.contains("src=") && !body.is_empty();
        let is_data = attrs.contains("type=\"application/") && !attrs.contains("javascript");
        if is_inline && !is_data {
            use base64::Engine as _;
            let digest = Sha256::digest(body.as_bytes());
            let h = format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
            if !into.contains(&h) {
                into.push(h);
            }
        }
        rest = &body_and_rest[end..];
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn nginx_quote(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('$', "${dollar}")
}

/// A Caddyfile quoted token: only `\"` is an escape there (a backslash is kept as is).
fn caddy_quote(s: &str) -> String {
    s.replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> HostRules {
        HostRules::new(
            "/guides",
            &["en", "zh"],
            vec![
                Redirect {
                    from: "/guides/en/old/".into(),
                    to: "/guides/en/new/".into(),
                },
                Redirect {
                    from: "/guides/zh/%E6%97%A7/".into(),
                    to: "/guides/zh/new/".into(),
                },
            ],
            vec!["/guides/waypost.0123abcd.css".into()],
            true,
            &["'sha256-abc='".into()],
            None,
        )
    }

    #[test]
    fn redirects_are_permanent_and_sorted() {
        assert_eq!(
            rules().redirects_file().lines().skip(1).collect::<Vec<_>>(),
            [
                "/guides/en/old/ /guides/en/new/ 301",
                "/guides/zh/%E6%97%A7/ /guides/zh/new/ 301"
            ]
        );
    }

    #[test]
    fn hashed_files_are_kept_for_a_year_and_pages_are_not() {
        let r = rules();
        assert_eq!(
            r.hashed_regex(),
            "^(/guides/waypost\\.0123abcd\\.css|/guides/en/pagefind/fragment/.+|\
             /guides/en/pagefind/index/.+|/guides/en/pagefind/filter/.+|\
             /guides/zh/pagefind/fragment/.+|/guides/zh/pagefind/index/.+|\
             /guides/zh/pagefind/filter/.+|/guides/[^/]+/pagefind/pagefind\\.[^/]+\\.pf_meta)$"
        );
        let h = r.headers_file();
        assert!(h.contains("/guides/waypost.0123abcd.css\n  Cache-Control: public, max-age=31536000, immutable\n"), "{h}");
        assert!(
            h.contains("/guides/en/pagefind/fragment/*\n  Cache-Control"),
            "{h}"
        );
        assert!(h.contains("/guides/zh/pagefind/*.pf_meta\n"), "{h}");
        // The catch-all rule carries no Cache-Control (hosts would join the two values).
        let all = h.split("/guides/*\n").nth(1).unwrap();
        let all = all.split("\n/").next().unwrap();
        assert!(!all.contains("Cache-Control"), "{all}");
        assert!(all.contains("X-Content-Type-Options: nosniff"));
    }

    #[test]
    fn the_policy_allows_the_inline_scripts_by_hash_and_search_wasm() {
        let r = rules();
        let csp = &r
            .security
            .iter()
            .find(|(n, _)| *n == "Content-Security-Policy")
            .unwrap()
            .1;
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn a_site_policy_replaces_the_theme_one_and_an_empty_one_sends_none() {
        let own = HostRules::new(
            "",
            &["en"],
            vec![],
            vec![],
            false,
            &[],
            Some("default-src *"),
        );
        assert!(own
            .security
            .contains(&("Content-Security-Policy", "default-src *".into())));
        let none = HostRules::new("", &["en"], vec![], vec![], false, &[], Some(""));
        assert!(none
            .security
            .iter()
            .all(|(n, _)| *n != "Content-Security-Policy"));
    }

    #[test]
    fn inline_scripts_are_hashed_once_and_external_ones_not_at_all() {
        let mut into = Vec::new();
        inline_script_hashes(
            "<script>a()</script><script src=\"x.js\" defer></script><script>a()</script><script type=\"application/ld+json\">{}</script>",
            &mut into,
        );
        // sha256("a()"), base64.
        assert_eq!(
            into,
            ["'sha256-qVpDBgj7bpq5hMAcGp3AOc79J3Y1Z4HvySTwKrWDoy4='"]
        );
    }

    #[test]
    fn nginx_matches_hashed_urls_and_both_spellings_of_an_alias() {
        let (http, server) = rules().nginx();
        assert!(
            http.contains("\"~^(/guides/waypost\\.0123abcd\\.css|/guides/en/pagefind/fragment/.+|"),
            "{http}"
        );
        assert!(
            http.contains("\"/guides/zh/旧/\" \"/guides/zh/new/\";"),
            "{http}"
        );
        assert!(server.contains("return 301 $waypost_redirect;"));
        assert!(server.contains("add_header X-Content-Type-Options \"nosniff\" always;"));
    }

    #[test]
    fn caddy_serves_precompressed_copies_and_redirects() {
        let c = rules().caddy();
        assert!(c.contains("precompressed br gzip"));
        assert!(c.contains("redir \"/guides/en/old/\" \"/guides/en/new/\" 301"));
        assert!(c.contains(
            "header @waypost_hashed Cache-Control \"public, max-age=31536000, immutable\""
        ));
    }
}
