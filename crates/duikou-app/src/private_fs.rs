//! The data directory is the programme's: the database (with its WAL), the key, the
//! evidence and pending uploads are readable by the server's own account only. Files
//! are created 0600 and directories 0700, and a data directory left more open by an
//! earlier release is closed when it is next opened.

use std::io::Write;
use std::path::Path;

#[cfg(unix)]
const DIR_MODE: u32 = 0o700;
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

/// Create `dir` (and its missing parents) readable by the owner only; an existing
/// directory is narrowed to owner-only.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)?;
    narrow_dir(dir)
}

/// Write `bytes` to a new file readable by the owner only (replacing nothing).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = open_new(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Open a new file for writing, readable by the owner only.
pub fn open_new(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    opts.open(path)
}

/// Prepare a SQLite database file: create it empty and owner-only if missing (SQLite
/// gives its `-wal` and `-shm` files the database file's permissions), or narrow an
/// existing one and its companions.
pub fn prepare_sqlite_file(path: &Path) -> std::io::Result<()> {
    if !path.exists() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        match open_new(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    narrow_file(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        let companion = Path::new(&companion);
        if companion.exists() {
            narrow_file(companion)?;
        }
    }
    Ok(())
}

/// Narrow an existing directory to owner-only (a no-op where it already is, or is not
/// ours to change).
pub fn narrow_dir(dir: &Path) -> std::io::Result<()> {
    set_mode(dir, {
        #[cfg(unix)]
        {
            DIR_MODE
        }
        #[cfg(not(unix))]
        {
            0
        }
    })
}

fn narrow_file(path: &Path) -> std::io::Result<()> {
    set_mode(path, {
        #[cfg(unix)]
        {
            FILE_MODE
        }
        #[cfg(not(unix))]
        {
            0
        }
    })
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)?;
    if meta.permissions().mode() & 0o777 == mode {
        return Ok(());
    }
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        // Not ours (a shared directory the administrator chose): leave it as it is.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_directories_are_the_owners_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        let f = dir.join("f");
        write_new(&f, b"x").unwrap();
        assert_eq!(mode(&f), 0o600);
        assert!(write_new(&f, b"y").is_err(), "never replaces");
    }

    #[test]
    fn an_open_database_left_by_an_earlier_release_is_narrowed() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("duikou.db");
        let wal = tmp.path().join("duikou.db-wal");
        for p in [&db, &wal] {
            std::fs::write(p, b"").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare_sqlite_file(&db).unwrap();
        narrow_dir(tmp.path()).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(mode(tmp.path()), 0o700);
    }
}
