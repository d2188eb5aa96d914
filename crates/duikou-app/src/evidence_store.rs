//! Evidence files, stored once each under the data directory by their SHA-256.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

pub struct EvidenceStore {
    root: PathBuf,
}

impl EvidenceStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        EvidenceStore { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Store bytes; returns their hash. The same content twice is stored once.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha).expect("hex digest");
        if !path.exists() {
            crate::private_fs::create_dir_all(path.parent().expect("has parent"))?;
            // Unique per writer: two uploads of the same file never share a temporary.
            let tmp = path.with_extension(format!("tmp{:016x}", rand::random::<u64>()));
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

    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// A safe display name for an uploaded file: no directories, no control characters.
/// A name that tries to climb directories (`../x`, `..\x`) is refused outright; a
/// plain path some browsers send (`C:\fakepath\photo.jpg`) keeps its last part. The
/// name is only ever shown: files are stored under their SHA-256. An ID number in the
/// name (a scan named after its holder) is masked: names are shown to every reader.
pub fn clean_file_name(name: &str) -> Option<String> {
    if name.split(['/', '\\']).any(|part| part.trim() == "..") || name.contains('\0') {
        return None;
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." || cleaned.len() > 200 {
        return None;
    }
    Some(duikou_domain::limits::mask_id_numbers_in(&cleaned))
}

/// Content type from the file's extension, limited to what evidence may be.
pub fn content_type_for(name: &str) -> Option<&'static str> {
    let ext = name.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls" => "application/vnd.ms-excel",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc" => "application/msword",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "zip" => "application/zip",
        _ => return None,
    })
}

/// An evidence file as uploaded: its name as the browser gave it, and its bytes.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An upload that passed [`check_upload`]: a clean name and its content type.
pub struct CheckedUpload {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The checks every evidence upload passes, whichever page it comes from: a file was
/// chosen, at most [`MAX_EVIDENCE_BYTES`], a usable name, an inert type. Refusals name
/// the file field (`file`) and the file.
pub fn check_upload(u: Upload) -> crate::error::AppResult<CheckedUpload> {
    let refuse = |zh: String, en: String| {
        crate::error::AppError::invalid_field("file", "佐证材料", &zh, &en)
    };
    let shown = clean_file_name(&u.name).unwrap_or_default();
    if u.name.trim().is_empty() || u.bytes.is_empty() {
        return Err(refuse(
            format!("文件「{shown}」为空或未选择"),
            format!("the file \"{shown}\" is empty or none was chosen"),
        ));
    }
    let mb = MAX_EVIDENCE_BYTES / 1024 / 1024;
    if u.bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(refuse(
            format!("文件「{shown}」过大（上限 {mb} MB）"),
            format!("the file \"{shown}\" is too large (at most {mb} MB)"),
        ));
    }
    let Some(name) = clean_file_name(&u.name) else {
        return Err(refuse(
            "文件名无效".to_string(),
            "the file name is not valid".to_string(),
        ));
    };
    let Some(content_type) = content_type_for(&name) else {
        return Err(refuse(
            format!(
                "不支持此文件类型（{name}）；可上传图片（jpg、png、gif）、PDF、Word、Excel、txt、csv、zip"
            ),
            format!(
                "this type of file is not accepted ({name}): upload images (jpg, png, gif), PDF, Word, Excel, txt, csv or zip"
            ),
        ));
    };
    Ok(CheckedUpload {
        name,
        content_type,
        bytes: u.bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_in_file_names_is_refused() {
        for bad in [
            "../../etc/passwd",
            "..\\..\\boot.ini",
            "a/../../b.jpg",
            "..",
            ".",
            "",
            "   ",
            "x\0.jpg",
            "/",
            "dir/",
        ] {
            assert_eq!(clean_file_name(bad), None, "{bad:?}");
        }
        assert_eq!(
            clean_file_name("C:\\fakepath\\凭证.jpg").as_deref(),
            Some("凭证.jpg")
        );
        assert_eq!(
            clean_file_name("/home/u/photo.png").as_deref(),
            Some("photo.png")
        );
        assert_eq!(
            clean_file_name("a\u{7}b\nc.pdf").as_deref(),
            Some("abc.pdf")
        );
        let named = clean_file_name("张三11010519491231002X身份证.jpg").unwrap();
        assert!(!named.contains("11010519491231002X"), "{named}");
        assert!(
            named.starts_with("张三110105") && named.ends_with("身份证.jpg"),
            "{named}"
        );
        assert_eq!(clean_file_name(&"x".repeat(201)), None);
        // Whatever passes has no separator and cannot name a parent directory.
        for name in ["..jpg", "...", "a..b.pdf", "x/..y.png"] {
            let c = clean_file_name(name).unwrap();
            assert!(!c.contains(['/', '\\']) && c != "..", "{name:?} → {c:?}");
        }
    }

    #[test]
    fn files_are_stored_under_their_hash_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvidenceStore::new(dir.path().join("evidence"));
        let sha = store.put(b"content").unwrap();
        assert_eq!(store.get(&sha).unwrap(), b"content");
        for bad in [
            "../../etc/passwd",
            "..",
            &"a".repeat(64),
            &format!("{}/", &sha[..63]),
        ] {
            assert!(store.get(bad).is_err(), "{bad:?}");
        }
    }
}
