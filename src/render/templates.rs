//! The built-in theme (compiled into the binary) and the site's overrides.

use std::collections::BTreeMap;
use std::path::Path;

use tera::Tera;

use crate::error::{Diagnostic, Error, Result};

/// Built-in templates: (name, text). A site's `templates/<name>` replaces one.
pub(crate) const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("root.html", include_str!("../../templates/root.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("section.html", include_str!("../../templates/section.html")),
    ("page.html", include_str!("../../templates/page.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("search.html", include_str!("../../templates/search.html")),
    (
        "partials/macros.html",
        include_str!("../../templates/partials/macros.html"),
    ),
    ("status.html", include_str!("../../templates/status.html")),
    ("offline.html", include_str!("../../templates/offline.html")),
    (
        "partials/nav.html",
        include_str!("../../templates/partials/nav.html"),
    ),
];

/// Built-in static files: (output path, bytes). A site's `static/<path>` replaces one.
pub(crate) const BUILTIN_STATIC: &[(&str, &[u8])] = &[
    ("waypost.css", include_bytes!("../../static/waypost.css")),
    ("waypost.js", include_bytes!("../../static/waypost.js")),
    (
        "waypost-more.js",
        include_bytes!("../../static/waypost-more.js"),
    ),
    ("favicon.svg", include_bytes!("../../static/favicon.svg")),
];

/// What the build cache needs to know of a template set: a hash of every template's
/// name and source, or None when a template calls one of Tera's functions whose result
/// is not decided by the context (`now`, `get_random`, `get_env`), so its pages are
/// always rendered again.
pub(crate) type TemplateDigest = Option<[u8; 32]>;

/// Loads the built-in templates and the site's `templates/` over them; gives the set's
/// [`TemplateDigest`] too.
pub(crate) fn load_templates(root: &Path) -> Result<(Tera, TemplateDigest)> {
    let mut sources: BTreeMap<String, String> = BUILTIN_TEMPLATES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    // Links are followed like in content/ and static/, only to places inside the site:
    // a template is rendered into every page that uses it.
    let (found, mut errors) = crate::paths::walk_source(root, "templates");
    for file in found.into_iter().filter(|f| !f.is_dir) {
        let display = Path::new("templates").join(&file.rel);
        match crate::content::read_text(&file.path, &display) {
            Ok(text) => {
                sources.insert(file.rel, text);
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Site(errors));
    }
    let impure = sources.values().any(|t| {
        ["now(", "get_random(", "get_env("]
            .iter()
            .any(|f| t.contains(f))
    });
    let digest = (!impure).then(|| {
        let mut h = blake3::Hasher::new();
        for (name, text) in &sources {
            for part in [name, text] {
                h.update(&(part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
        }
        *h.finalize().as_bytes()
    });
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    // Tera's default also escapes `/`, which makes every URL unreadable in the source.
    tera.set_escape_fn(escape_for_tera);
    tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| {
            let d = super::template_error("", &e, None);
            // Tera names the template in its message; point at it when we can.
            let name = sources
                .keys()
                .find(|n| d.message.contains(&format!("'{n}'")))
                .cloned()
                .unwrap_or_default();
            Error::one(Diagnostic {
                path: Path::new("templates").join(name),
                ..d
            })
        })?;
    Ok((tera, digest))
}

fn escape_for_tera(s: &str) -> String {
    crate::html::escape(s)
}
