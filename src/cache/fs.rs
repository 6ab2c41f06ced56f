//! The build cache's file operations, none of which follows a symbolic link.
//!
//! A cache may come from somewhere else (restored in CI, committed by mistake: `git
//! clone` keeps links), so a link found anywhere inside it — as a kind or shard folder,
//! an entry, the stamps file or a temporary file's name — must never lead a build to
//! read, write or delete a file outside it. Takes paths inside the cache; returns files
//! opened without following links (`O_NOFOLLOW`, `O_EXCL`), folders checked to be real,
//! and the advisory lock that keeps two builds from sharing one cache at once.

use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::path::Path;

/// Opens a file to read, failing (with [`is_link`] true) if the path is a symbolic link.
pub(crate) fn open(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    no_follow(&mut o);
    o.open(path)
}

/// The bytes of a file, read without following a link at `path`.
pub(crate) fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = open(path)?;
    let mut bytes = Vec::with_capacity(f.metadata().map_or(0, |m| m.len() as usize));
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Creates a new file to write: fails if anything is at `path`, a link included (never
/// followed, unlike `File::create`).
pub(crate) fn create_new(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    no_follow(&mut o);
    o.open(path)
}

#[cfg(unix)]
fn no_follow(o: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    o.custom_flags(libc::O_NOFOLLOW);
}

#[cfg(not(unix))]
fn no_follow(_: &mut OpenOptions) {}

/// Whether an open failed because the path is a symbolic link (`O_NOFOLLOW`).
pub(crate) fn is_link(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Removes whatever is at `path` — a file, a link (the link itself) or a folder with
/// everything in it — without following links.
pub(crate) fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// What was in place of a folder the cache needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replaced {
    /// Nothing, or the folder itself.
    Nothing,
    /// A symbolic link (removed, never followed).
    Link,
    /// A file (removed).
    File,
}

/// Makes sure `path` is a real folder (its parent must be one): a link or a file in its
/// place is removed (and named in the answer), and a missing folder is created when
/// `create`.
pub(crate) fn real_dir(path: &Path, create: bool) -> std::io::Result<Replaced> {
    let replaced = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => return Ok(Replaced::Nothing),
        Ok(m) => {
            std::fs::remove_file(path)?;
            if m.file_type().is_symlink() {
                Replaced::Link
            } else {
                Replaced::File
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Replaced::Nothing,
        Err(e) => return Err(e),
    };
    if create || replaced != Replaced::Nothing {
        match std::fs::create_dir(path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(replaced)
}

/// Takes the advisory lock of the file at `path` (created if missing), waiting for the
/// process that holds it; `waiting` is called once, first, if it must wait. Released
/// when the file is dropped (also when the process dies).
pub(crate) fn lock(path: &Path, waiting: impl FnOnce()) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    no_follow(&mut o);
    let file = match o.open(path) {
        Err(e) if is_link(&e) => {
            std::fs::remove_file(path)?;
            o.open(path)?
        }
        r => r?,
    };
    hold(file, waiting)
}

/// Takes the advisory lock of an open file, waiting (after calling `waiting`) while
/// another process holds it.
fn hold(file: File, waiting: impl FnOnce()) -> std::io::Result<File> {
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            file.lock()?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    Ok(file)
}

/// Takes the advisory lock of the folder `dir` itself, waiting as [`lock`] does: no file
/// is left behind (the output folder's parent is the user's). Where a folder cannot be
/// opened as a file (not Unix), a lock file `name` in it is used instead.
pub(crate) fn lock_folder(dir: &Path, name: &str, waiting: impl FnOnce()) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        let _ = name;
        hold(File::open(dir)?, waiting)
    }
    #[cfg(not(unix))]
    {
        lock(&dir.join(name), waiting)
    }
}

/// Whether the process `pid` may still be running (so its temporary files may still be
/// written). Where that cannot be told, it may.
pub(crate) fn may_be_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// The permission bits a file this process creates gets (`0o666` less the umask), where
/// the OS tells without changing it (Linux).
pub(crate) fn new_file_mode() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())?;
    Some(0o666 & !umask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn no_operation_follows_a_link_out_of_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("id_rsa"), "secret").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(victim.join("id_rsa"), &link).unwrap();
        assert!(is_link(&read(&link).unwrap_err()));
        assert!(create_new(&link).is_err());
        remove_any(&link).unwrap();
        assert!(!link.exists() && victim.join("id_rsa").exists());
        let shard = dir.path().join("shard");
        std::os::unix::fs::symlink(&victim, &shard).unwrap();
        assert_eq!(real_dir(&shard, true).unwrap(), Replaced::Link);
        assert!(std::fs::symlink_metadata(&shard).unwrap().is_dir());
        assert_eq!(
            std::fs::read_to_string(victim.join("id_rsa")).unwrap(),
            "secret"
        );
    }

    #[test]
    fn a_second_lock_of_the_same_file_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = lock(&path, || panic!("nothing holds it yet")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        let second = std::thread::spawn(move || {
            let waited = std::cell::Cell::new(false);
            let _l = lock(&p, || waited.set(true)).unwrap();
            tx.send(waited.get()).unwrap();
        });
        // The second cannot take it while the first holds it.
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err());
        drop(first);
        assert!(rx.recv().unwrap(), "it said it was waiting");
        second.join().unwrap();
    }
}
