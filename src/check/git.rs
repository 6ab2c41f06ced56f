//! What git knows about the content: last commit times, and past versions of one file.
//!
//! Takes the site root (run as git's working folder) and content paths relative to it;
//! gives [`CommitTimes`] for the whole site from ONE `git log`, and the versions of one
//! file from ONE `git log -p` (with a context so large that every patch holds the whole
//! file, so no second process is needed to read old versions). Nothing here writes.
//! When git is missing or the site is not in a repository, callers get [`GitError`] and
//! go on without history.

use std::path::Path;
use std::process::Command;

use crate::site::coverage::CommitTimes;

/// Why git could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GitError {
    /// No `git` program.
    NotInstalled,
    /// The site is not inside a git work tree.
    NotARepository,
    /// git ran and failed (its message).
    Failed(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::NotInstalled => write!(f, "git is not installed"),
            GitError::NotARepository => write!(f, "the site is not in a git repository"),
            GitError::Failed(m) => write!(f, "git failed: {m}"),
        }
    }
}

/// One version of a file in its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    /// Full commit id.
    pub commit: String,
    /// Commit time (Unix seconds).
    pub time: i64,
    /// First line of the commit message.
    pub subject: String,
    /// The file's text in that commit.
    pub text: String,
}

fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    // Paths as UTF-8, not C-quoted octal escapes; blank context lines as " " (the patch
    // parser relies on it); no pager.
    cmd.current_dir(root)
        .args([
            "-c",
            "core.quotePath=false",
            "-c",
            "diff.suppressBlankEmpty=false",
            "--no-pager",
        ])
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C");
    cmd
}

fn run(cmd: &mut Command) -> Result<String, GitError> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            GitError::NotInstalled
        } else {
            GitError::Failed(e.to_string())
        }
    })?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if msg.contains("not a git repository") {
            return Err(GitError::NotARepository);
        }
        return Err(GitError::Failed(msg));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The last commit time of every file under `content/`, from one `git log`. Files that
/// were never committed are absent.
pub(crate) fn commit_times(root: &Path) -> Result<CommitTimes, GitError> {
    let out = run(git(root).args([
        "log",
        "--relative",
        "--name-only",
        "--format=%x1e%ct",
        "--",
        "content",
    ]))?;
    Ok(parse_commit_times(&out))
}

fn parse_commit_times(out: &str) -> CommitTimes {
    let mut times = CommitTimes::new();
    for record in out.split('\u{1e}') {
        let mut lines = record.lines();
        let Some(Ok(time)) = lines.next().map(|l| l.trim().parse::<i64>()) else {
            continue;
        };
        // Newest first: the first time a file is seen is its last commit.
        for path in lines.map(str::trim).filter(|l| !l.is_empty()) {
            times.entry(path.to_string()).or_insert(time);
        }
    }
    times
}

/// Every committed version of `file` (relative to `root`), newest first, following
/// renames, from one `git log -p`. Commits that do not change the text (pure renames,
/// merges) are left out.
pub(crate) fn history(root: &Path, file: &str) -> Result<Vec<Version>, GitError> {
    let out = run(git(root).args([
        "log",
        "--follow",
        "-p",
        // Enough context for any real page: each patch then holds the whole new file.
        "--unified=100000000",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x1e%H%x1f%ct%x1f%s",
        "--",
        file,
    ]))?;
    Ok(parse_history(&out))
}

fn parse_history(out: &str) -> Vec<Version> {
    let mut versions = Vec::new();
    for record in out.split('\u{1e}') {
        let Some((header, rest)) = record.split_once('\n') else {
            continue;
        };
        let mut parts = header.splitn(3, '\u{1f}');
        let (Some(commit), Some(time), subject) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(time) = time.trim().parse::<i64>() else {
            continue;
        };
        let Some(text) = new_side(rest) else { continue };
        versions.push(Version {
            commit: commit.trim().to_string(),
            time,
            subject: subject.unwrap_or("").trim().to_string(),
            text,
        });
    }
    versions
}

/// The new side of a whole-file patch: context and added lines of its hunk. None when the
/// patch has no hunk (a rename or mode change only, a binary file).
fn new_side(patch: &str) -> Option<String> {
    let start = if patch.starts_with("@@ ") {
        0
    } else {
        patch.find("\n@@ ")? + 1
    };
    let mut lines = patch[start..].split('\n');
    lines.next(); // the hunk header
    let mut text = String::new();
    for line in lines {
        match line.as_bytes().first() {
            Some(b' ') | Some(b'+') => {
                text.push_str(&line[1..]);
                text.push('\n');
            }
            Some(b'-') | Some(b'\\') => {}
            // An empty line ends the patch (git puts one before the next commit).
            _ => break,
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_times_keep_the_newest_commit_of_each_file() {
        let out = "\u{1e}200\n\ncontent/en/a.md\ncontent/zh/a.md\n\u{1e}100\n\ncontent/en/a.md\ncontent/en/b.md\n";
        let t = parse_commit_times(out);
        assert_eq!(t["content/en/a.md"], 200);
        assert_eq!(t["content/zh/a.md"], 200);
        assert_eq!(t["content/en/b.md"], 100);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn history_patches_give_whole_files() {
        let out = "\u{1e}bbb\u{1f}200\u{1f}Second\n\ndiff --git a/x.md b/x.md\nindex 1..2 100644\n--- a/x.md\n+++ b/x.md\n@@ -1,3 +1,3 @@\n ---\n-old line\n+new line\n \n\u{1e}aaa\u{1f}100\u{1f}First: with \u{1f}odd subject\n\ndiff --git a/x.md b/x.md\nnew file mode 100644\n--- /dev/null\n+++ b/x.md\n@@ -0,0 +1,2 @@\n+---\n+old line\n\\ No newline at end of file\n";
        let v = parse_history(out);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].commit, "bbb");
        assert_eq!(v[0].time, 200);
        assert_eq!(v[0].subject, "Second");
        assert_eq!(v[0].text, "---\nnew line\n\n");
        assert_eq!(v[1].text, "---\nold line\n");
        assert_eq!(v[1].subject, "First: with \u{1f}odd subject");
    }

    #[test]
    fn a_rename_without_changes_has_no_version() {
        let out = "\u{1e}ccc\u{1f}300\u{1f}Move\n\ndiff --git a/x.md b/y.md\nsimilarity index 100%\nrename from x.md\nrename to y.md\n";
        assert!(parse_history(out).is_empty());
    }
}
