//! `waypost init DIR`: a small starter site that builds as written.
//!
//! Takes a folder (absent or empty); writes site.yaml, a `.gitignore` for the output
//! and the build cache, two languages, one section with
//! one page each, the site title given per language. The built-in theme is used (sidebar,
//! language menu, search overlay); copy templates from waypost's `templates/` into the
//! site's `templates/` to change them file by file.

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};

const FILES: &[(&str, &str)] = &[
    (
        ".gitignore",
        "# The built site (`waypost build`) and the build cache that makes rebuilds fast.\n/public/\n/.waypost-cache/\n",
    ),
    (
        "site.yaml",
        "# waypost site configuration. Unknown keys are errors.\n# `title` (and `description`) is one text, or one per language.\ntitle:\n  en: My guides\n  es: Mis guías\ndescription: Step-by-step guides.\nbase_url: https://example.org/\n# The first language is the default.\nlanguages:\n  - code: en\n    name: English\n  - code: es\n    name: Español\n# Pages not translated yet are published with the original text and a notice.\nfallback: true\n# Guides whose `reviewed` date is older than this get a notice.\nreview_after_days: 180\n",
    ),
    (
        "content/en/_index.md",
        "---\ntitle: My guides\ndescription: Step-by-step guides.\n---\n\nWelcome! Start with [the first guide](guides/first-guide.md).\n",
    ),
    (
        "content/en/guides/_index.md",
        "---\ntitle: Guides\nweight: 1\n---\n\nEvery guide in this section.\n",
    ),
    (
        "content/en/guides/first-guide.md",
        "---\ntitle: Your first guide\ndescription: What a guide looks like.\nweight: 1\ndate: 2026-01-01\nreviewed: 2026-01-01\nfacets:\n  channel: online\n  time: minutes\n---\n\nA guide explains one way to get something done.\n\n## What you need {#what-you-need}\n\n- An ID document\n\n## Steps {#steps}\n\n1. Open the official app.\n2. Follow the instructions.\n\n> [!TIP]\n> Link to other guides with their `.md` path, like [the guides](_index.md).\n",
    ),
    (
        "content/es/_index.md",
        "---\ntitle: Mis guías\ndescription: Guías paso a paso.\n---\n\n¡Bienvenido! Empieza por [la primera guía](guides/first-guide.md).\n",
    ),
    (
        "content/es/guides/_index.md",
        "---\ntitle: Guías\nweight: 1\n---\n\nTodas las guías de esta sección.\n",
    ),
    (
        "content/es/guides/first-guide.md",
        "---\ntitle: Tu primera guía\ndescription: Cómo es una guía.\nweight: 1\ndate: 2026-01-01\nreviewed: 2026-01-01\nfacets:\n  channel: online\n  time: minutes\n---\n\nUna guía explica una manera de hacer un trámite.\n\n## Qué necesitas {#what-you-need}\n\n- Un documento de identidad\n\n## Pasos {#steps}\n\n1. Abre la aplicación oficial.\n2. Sigue las instrucciones.\n",
    ),
];

/// Writes the starter site into `dir`.
pub fn init(dir: &Path) -> Result<()> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, "cannot read folder", e))?
            .next()
            .is_some();
        if non_empty {
            return Err(Error::one(
                Diagnostic::new(dir, "folder is not empty").hint("choose a new or empty folder"),
            ));
        }
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(parent, "cannot create folder", e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, "cannot write", e))?;
    }
    Ok(())
}
