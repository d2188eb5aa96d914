//! Files uploaded for import, kept between the preview and the user's confirmation
//! and no longer: removed once confirmed (or refused), and swept when left unconfirmed
//! for [`UPLOAD_TTL`]. Apart from evidence, which is kept for good.
//!
//! Beside them (`import-reports/`, a sibling of the uploads' directory) wait the
//! problem reports of refused files as workbooks (ID numbers masked), for the person
//! who uploaded the file to download: the file itself is not kept. They are swept
//! like the uploads.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// The most one request body (an upload) may be.
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// How long an unconfirmed upload waits for its confirmation.
pub const UPLOAD_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How often a running server sweeps unconfirmed uploads.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

pub struct PendingUploads {
    root: PathBuf,
    reports: PathBuf,
}

impl PendingUploads {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let reports = root.with_file_name("import-reports");
        PendingUploads { root, reports }
    }

    fn report_path(&self, id: &str) -> Option<PathBuf> {
        (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.reports.join(id.to_ascii_lowercase()))
    }

    /// Keep a problem report (a workbook) under a fresh random id, returned.
    pub fn put_report(&self, bytes: &[u8]) -> std::io::Result<String> {
        let id = format!("{:032x}", rand::random::<u128>());
        crate::private_fs::create_dir_all(&self.reports)?;
        crate::private_fs::write_new(&self.report_path(&id).expect("hex id"), bytes)?;
        Ok(id)
    }

    /// A kept problem report.
    pub fn report(&self, id: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .report_path(id)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad id"))?;
        std::fs::read(path)
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        (sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.root.join(sha256.to_ascii_lowercase()))
    }

    /// Keep `bytes` until confirmed; returns their SHA-256. The same file uploaded
    /// again is kept once, and waits afresh.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha).expect("hex digest");
        crate::private_fs::create_dir_all(&self.root)?;
        if path.exists() {
            std::fs::File::options()
                .write(true)
                .open(&path)?
                .set_modified(SystemTime::now())?;
        } else {
            let tmp = self
                .root
                .join(format!(".{sha}.tmp{:016x}", rand::random::<u64>()));
            crate::private_fs::write_new(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(sha)
    }

    pub fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad hash"))?;
        std::fs::read(path)
    }

    /// Where a waiting upload is, if it is still there.
    pub fn existing_path(&self, sha256: &str) -> Option<PathBuf> {
        self.path_of(sha256).filter(|p| p.is_file())
    }

    /// Forget an upload (confirmed, or refused at confirmation).
    pub fn remove(&self, sha256: &str) {
        if let Some(path) = self.path_of(sha256) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Remove uploads (and temporaries of interrupted ones) older than `max_age`;
    /// returns how many were removed.
    pub fn sweep(&self, max_age: Duration) -> std::io::Result<usize> {
        Ok(sweep_dir(&self.root, max_age)? + sweep_dir(&self.reports, max_age)?)
    }

    pub fn len(&self) -> usize {
        std::fs::read_dir(&self.root).map_or(0, |d| d.count())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Remove the files in `dir` older than `max_age`; how many were removed.
fn sweep_dir(dir: &std::path::Path, max_age: Duration) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if meta.is_file() && age >= max_age && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_kept_until_confirmed_or_stale() {
        let tmp = tempfile::tempdir().unwrap();
        let uploads = PendingUploads::new(tmp.path().join("uploads"));
        let a = uploads.put(b"a,b\n1,2\n").unwrap();
        let b = uploads.put(b"other").unwrap();
        assert_eq!(uploads.get(&a).unwrap(), b"a,b\n1,2\n");
        assert_eq!(uploads.sweep(UPLOAD_TTL).unwrap(), 0, "fresh uploads stay");
        // `b` was left a day and a second ago.
        let day_ago = SystemTime::now() - UPLOAD_TTL - Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(tmp.path().join("uploads").join(&b))
            .unwrap()
            .set_modified(day_ago)
            .unwrap();
        assert_eq!(uploads.sweep(UPLOAD_TTL).unwrap(), 1);
        assert!(uploads.get(&b).is_err());
        uploads.remove(&a);
        assert!(uploads.get(&a).is_err());
        assert!(uploads.is_empty());
        assert!(uploads.get("../../etc/passwd").is_err());
        // A problem report waits beside the uploads, under an id nobody can guess.
        let id = uploads.put_report(b"PK report").unwrap();
        assert_eq!(id.len(), 32);
        assert_eq!(uploads.report(&id).unwrap(), b"PK report");
        assert!(uploads.is_empty(), "reports are not uploads");
        assert!(uploads.report("../uploads/x").is_err());
        std::fs::File::options()
            .write(true)
            .open(tmp.path().join("import-reports").join(&id))
            .unwrap()
            .set_modified(day_ago)
            .unwrap();
        assert_eq!(uploads.sweep(UPLOAD_TTL).unwrap(), 1);
        assert!(uploads.report(&id).is_err(), "swept like the uploads");
    }
}
