//! Short line diffs of page bodies, for "what changed in the source".
//!
//! Takes two Markdown bodies and the file line each starts on; gives a unified diff
//! whose hunk headers count lines of the files (not of the bodies), cut after a number
//! of lines. Whitespace at line ends and line-ending style do not count, as in
//! [`body_hash`](crate::site::body_hash).

use similar::{ChangeTag, TextDiff};

/// Lines of a body as the hash sees them: trailing whitespace and `\r` dropped, trailing
/// blank lines dropped; leading blank lines kept so that line numbers stay right.
fn normalise(body: &str) -> String {
    let mut s: String = body
        .lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}

/// A unified diff from `old` (starting on file line `old_line`) to `new` (starting on
/// `new_line`), with `context` lines around changes and at most `max_lines` lines of
/// hunks; the rest is summarised in one last line. Empty when nothing changed.
pub(crate) fn unified(
    old: &str,
    old_line: usize,
    new: &str,
    new_line: usize,
    context: usize,
    max_lines: usize,
) -> String {
    let (old, new) = (normalise(old), normalise(new));
    let diff = TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(context) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (o, n) = (
            first.old_range().start..last.old_range().end,
            first.new_range().start..last.new_range().end,
        );
        out.push(format!(
            "@@ -{} +{} @@",
            range(o.start + old_line, o.len()),
            range(n.start + new_line, n.len())
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                out.push(format!("{sign}{}", change.value().trim_end_matches('\n')));
            }
        }
    }
    if out.len() > max_lines {
        let more = out.len() - max_lines;
        out.truncate(max_lines);
        out.push(format!(
            "… {more} more line{} of diff",
            if more == 1 { "" } else { "s" }
        ));
    }
    out.join("\n")
}

/// `start,len` as in unified diffs (`start` of an empty range is the line before it).
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{},0", start.saturating_sub(1)),
        1 => format!("{start}"),
        n => format!("{start},{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_count_file_lines_and_show_the_change() {
        let old = "Intro.\n\n## Steps\n\n1. Go to the store.\n2. Bring your passport.\n";
        let new = "Intro.\n\n## Steps\n\n1. Go to the store.\n2. Bring your passport and a bill.\n";
        let d = unified(old, 5, new, 7, 1, 50);
        assert_eq!(
            d,
            "@@ -9,2 +11,2 @@\n 1. Go to the store.\n-2. Bring your passport.\n+2. Bring your passport and a bill."
        );
    }

    #[test]
    fn whitespace_at_line_ends_and_crlf_do_not_count() {
        assert_eq!(unified("a\r\nb  \n", 1, "a\nb\n\n", 1, 3, 50), "");
    }

    #[test]
    fn long_diffs_are_cut() {
        let old: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let new: String = (0..100).map(|i| format!("LINE {i}\n")).collect();
        let d = unified(&old, 1, &new, 1, 3, 10);
        assert_eq!(d.lines().count(), 11);
        assert!(d.ends_with("… 191 more lines of diff"), "{d}");
    }
}
