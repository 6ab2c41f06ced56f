//! `waypost init DIR`: a small starter site that builds as written.
//!
//! Takes a folder (absent or empty) and the git URL waypost is installed from in CI (if
//! known); writes site.yaml, a `.gitignore` for the output and the build cache, two
//! languages, one section with one page each, the site title given per language, and a
//! GitHub Actions workflow (`.github/workflows/publish.yml`) that checks the site on every
//! push and pull request (annotations on the Markdown lines), builds it, and publishes it
//! to GitHub Pages from `main`. The built-in theme is used (sidebar, language menu, search
//! overlay); copy templates from waypost's `templates/` into the site's `templates/` to
//! change them file by file.

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};

/// The day written in the starter guides, replaced by the day `init` runs.
const STARTER_DAY: &str = "2026-01-01";

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

/// Where the workflow is written.
pub const WORKFLOW: &str = ".github/workflows/publish.yml";

/// The workflow: `@WAYPOST_GIT@` and `@WAYPOST_VERSION@` are filled in by [`init`].
const WORKFLOW_TEXT: &str = r#"# Written by `waypost init`. On every push and pull request: `waypost check` (problems
# appear as annotations on the lines of the Markdown) and `waypost build`; on a push to
# main, the built site is published to GitHub Pages. In the repository's
# Settings → Pages, choose "GitHub Actions" as the source.
name: Publish

on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: publish-${{ github.ref }}
  cancel-in-progress: true

env:
  # The waypost this site is built with: installed once, then kept in the Actions cache.
  WAYPOST_GIT: "@WAYPOST_GIT@"
  WAYPOST_VERSION: "@WAYPOST_VERSION@"

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          # `waypost check` reads the history to tell outdated translations.
          fetch-depth: 0
      - name: Keep waypost between runs
        uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/waypost
          key: waypost-${{ runner.os }}-${{ env.WAYPOST_VERSION }}
      - name: Install waypost
        run: |
          if ! command -v waypost >/dev/null; then
            if [ -z "$WAYPOST_GIT" ]; then
              echo "::error file=.github/workflows/publish.yml::set WAYPOST_GIT (env, at the top) to the git URL to install waypost from"
              exit 1
            fi
            cargo install --locked --git "$WAYPOST_GIT" --tag "v$WAYPOST_VERSION" waypost
          fi
      - name: Keep the build cache between runs
        uses: actions/cache@v4
        with:
          path: .waypost-cache
          key: waypost-cache-${{ github.run_id }}
          restore-keys: waypost-cache-
      - name: Check
        run: waypost check --format github
      - id: pages
        if: github.event_name != 'pull_request'
        uses: actions/configure-pages@v5
      - name: Build
        env:
          # The Pages URL (https://<owner>.github.io/<repository>) on a push; site.yaml's
          # base_url on a pull request.
          PAGES_URL: ${{ steps.pages.outputs.base_url }}
        run: waypost build ${PAGES_URL:+--base-url "$PAGES_URL/"}
      - if: github.event_name != 'pull_request'
        uses: actions/upload-pages-artifact@v3
        with:
          path: public

  deploy:
    if: github.event_name != 'pull_request'
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"#;

/// The workflow for a waypost installed from `git` (empty: to be filled in by the user).
pub fn workflow(git: &str) -> String {
    WORKFLOW_TEXT
        .replace("@WAYPOST_GIT@", &git.replace(['"', '\\', '\n'], ""))
        .replace("@WAYPOST_VERSION@", env!("CARGO_PKG_VERSION"))
}

/// Writes the starter site into `dir`, its guides dated and reviewed `today`
/// (`YYYY-MM-DD`, so the new site checks clean); its workflow installs waypost from `git`
/// (or asks for the URL when it is empty).
pub fn init(dir: &Path, git: &str, today: &str) -> Result<()> {
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
    let workflow = workflow(git);
    let all = FILES
        .iter()
        .copied()
        .chain(std::iter::once((WORKFLOW, workflow.as_str())));
    for (rel, text) in all {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(parent, "cannot create folder", e))?;
        }
        let text = text.replace(STARTER_DAY, today);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, "cannot write", e))?;
    }
    Ok(())
}
