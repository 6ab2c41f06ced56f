//! URL and output path resolution: never panics, and
//! - `serve::http::clean_path` never returns a path that climbs (`..`), is absolute, or
//!   holds NUL or a backslash: joined onto the site folder it stays inside;
//! - `output::check_relative_path` accepts only paths that, as written and
//!   percent-decoded, are plain relative paths: joined onto the output folder they stay
//!   inside;
//! - `markdown::links::classify` gives page and file paths inside the language folder,
//!   calls a link `External` only when a browser would not run it as code.

#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;
use waypost::markdown::links::{classify, Target};
use waypost::output::check_relative_path;
use waypost::serve::http::clean_path;

/// Every component is a plain name: no root, prefix, `.` or `..`.
fn plain(p: &str) -> bool {
    Path::new(p)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    if let Some(p) = clean_path(s) {
        assert!(!p.split('/').any(|seg| seg == ".."), "{s:?} → {p:?}");
        assert!(!p.starts_with('/'), "{s:?} → {p:?}");
        assert!(!p.contains('\0') && !p.contains('\\'), "{s:?} → {p:?}");
        assert!(plain(&p), "{s:?} → {p:?}");
        assert!(Path::new("/srv/site").join(&p).starts_with("/srv/site"));
    }

    if check_relative_path(s).is_ok() {
        let decoded = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
        for p in [s, decoded.as_ref()] {
            assert!(plain(p), "accepted {s:?}, which is not a plain relative path");
            assert!(Path::new("/out").join(p).starts_with("/out"));
        }
    }

    for dir in ["", "esim", "a/b/c"] {
        match classify(s, dir) {
            Ok(Target::Page(p, _)) | Ok(Target::Asset(p, _)) => {
                assert!(!p.split('/').any(|seg| seg == ".."), "{s:?} in {dir:?} → {p:?}");
                assert!(!p.starts_with('/'), "{s:?} in {dir:?} → {p:?}");
            }
            Ok(Target::External) => {
                let cleaned: String = s
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .trim_start_matches(|c: char| c <= ' ')
                    .to_ascii_lowercase();
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(
                        !cleaned.starts_with(scheme),
                        "{s:?} is called External but a browser runs it"
                    );
                }
            }
            Ok(Target::Dangerous) | Ok(Target::SamePage(_)) | Err(_) => {}
        }
    }
});
