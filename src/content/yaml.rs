//! YAML helpers shared by `site.yaml`, front matter and UI strings.
//!
//! Takes YAML text, or a serde_yaml error with the file it came from; gives the lines of
//! top-level keys and of list entries, and [`Diagnostic`]s that name the line, say what
//! is wrong in plain words and suggest the closest valid key.

use std::path::Path;

use crate::error::Diagnostic;

/// Line (1-based) of a top-level `key:` in YAML text.
pub(crate) fn find_key_line(text: &str, key: &str) -> Option<usize> {
    key_lines(text, key).next()
}

/// Lines (1-based) of every top-level `key:` in YAML text.
fn key_lines<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = usize> + 't {
    text.lines()
        .enumerate()
        .filter(move |(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(i, _)| i + 1)
}

/// serde reports a key given twice at the start of the mapping ("duplicate field `k`");
/// this points the diagnostic at the second top-level `k:` in `text` instead, and names
/// the line of the first. `line_offset` is added as in [`yaml_diagnostic`].
pub(crate) fn point_at_duplicate_key(d: &mut Diagnostic, text: &str, line_offset: usize) {
    let Some(key) = d
        .message
        .strip_prefix("duplicate field `")
        .and_then(|r| r.strip_suffix('`'))
        .map(str::to_string)
    else {
        return;
    };
    let mut lines = key_lines(text, &key);
    if let (Some(first), Some(second)) = (lines.next(), lines.next()) {
        d.line = Some(second + line_offset);
        d.column = Some(1);
        d.message = format!("`{key}` is given twice");
        d.hint = Some(format!(
            "keep one of the two; the other is on line {}",
            first + line_offset
        ));
    }
}

/// Turns a serde_yaml error into a diagnostic; `line_offset` is added to YAML's line (for
/// front matter inside a larger file). Unknown keys get the closest valid key suggested.
pub(crate) fn yaml_diagnostic(
    path: &Path,
    err: &serde_yaml::Error,
    line_offset: usize,
    known: &[&str],
) -> Diagnostic {
    let msg = err.to_string();
    // serde_yaml appends " at line X column Y"; we report the location ourselves.
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    let mut d = Diagnostic::new(path, msg.clone());
    if let Some(loc) = err.location() {
        d = d.at(loc.line() + line_offset, loc.column());
    }
    if let Some(field) = unknown_field(&msg) {
        d.message = format!("unknown key `{field}`");
        d = d.hint(suggest_key(&field, known));
    } else if msg.contains("invalid type") {
        d = d.hint("this key expects another kind of value (text, number, list or map); see the README's tables");
    } else {
        d = d.hint("fix the YAML here: check the indentation, close brackets and quotes, and quote values that contain `: ` or start with a special character");
    }
    d
}

/// The field name in serde's "unknown field `x`, expected …" message.
fn unknown_field(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_string())
}

/// "did you mean `title`?" or the list of valid keys.
pub(crate) fn suggest_key(field: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(field, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, k)) if score > 0.8 => format!("did you mean `{k}`?"),
        _ => format!("valid keys are: {}", known.join(", ")),
    }
}

/// The line (1-based, within `yaml`) of the `index`-th entry of the block list under
/// `key`, else the line of `key` itself (a flow list `[a, b]` is on that line).
pub(crate) fn list_entry_line(yaml: &str, key: &str, index: usize) -> Option<usize> {
    let key_line = find_key_line(yaml, key)?;
    let entry = yaml
        .lines()
        .enumerate()
        .skip(key_line)
        .take_while(|(_, l)| l.starts_with([' ', '-', '\t']) || l.trim().is_empty())
        .filter(|(_, l)| {
            let t = l.trim_start();
            t == "-" || t.starts_with("- ")
        })
        .nth(index)
        .map(|(i, _)| i + 1);
    Some(entry.unwrap_or(key_line))
}
