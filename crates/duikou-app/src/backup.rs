//! `duikou backup FILE` / `duikou restore FILE`: one zip holding every table (a
//! consistent snapshot taken while the server may run), the evidence files and the key.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;

use crate::config::Config;
use crate::error::{AppError, AppResult};

pub const FORMAT: &str = "duikou-backup/1";

pub async fn backup(cfg: &Config, out: &Path) -> AppResult<()> {
    let store = cfg.open().await?;
    let key = std::fs::read(&cfg.key_file).map_err(|e| {
        AppError::failure_text(format!(
            "无法读取密钥 / cannot read the key {}: {e}",
            cfg.key_file.display()
        ))
    })?;
    let tmp = out.with_extension("partial");
    // The backup holds the key: readable by its owner only, like the key file.
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&tmp)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);

    // Tables: gather rows per table (JSON lines), one snapshot.
    let mut buffers: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut evidence: BTreeSet<String> = BTreeSet::new();
    let counts = store
        .dump(|table, row| {
            if table == "evidence" {
                if let Some(sha) = row.get("sha256").and_then(|v| v.as_str()) {
                    evidence.insert(sha.to_string());
                }
            }
            let buf = buffers.entry(table.to_string()).or_default();
            serde_json::to_writer(&mut *buf, &row).map_err(std::io::Error::other)?;
            buf.push(b'\n');
            Ok(())
        })
        .await?;
    for (table, bytes) in &buffers {
        zip.start_file(format!("tables/{table}.jsonl"), opts)
            .map_err(zip_err)?;
        zip.write_all(bytes)?;
    }
    let store_files = crate::evidence_store::EvidenceStore::new(cfg.evidence_dir());
    for sha in &evidence {
        let bytes = store_files.get(sha).map_err(|e| {
            AppError::failure_text(format!("佐证文件缺失 / evidence file {sha} missing: {e}"))
        })?;
        zip.start_file(format!("evidence/{sha}"), opts)
            .map_err(zip_err)?;
        zip.write_all(&bytes)?;
    }
    zip.start_file("secret.key", opts).map_err(zip_err)?;
    zip.write_all(&key)?;
    let manifest = serde_json::json!({
        "format": FORMAT,
        "created_at": duikou_storage::now_text(),
        "backend": format!("{:?}", store.backend()),
        "tables": counts.iter().map(|(t, n)| (t.clone(), *n)).collect::<BTreeMap<_, _>>(),
        "evidence_files": evidence.len(),
    });
    zip.start_file("manifest.json", opts).map_err(zip_err)?;
    zip.write_all(
        serde_json::to_string_pretty(&manifest)
            .expect("json")
            .as_bytes(),
    )?;
    zip.finish().map_err(zip_err)?.flush()?;
    std::fs::rename(&tmp, out)?;
    let records = counts
        .iter()
        .find(|(t, _)| t == "record")
        .map(|(_, n)| *n)
        .unwrap_or(0);
    println!(
        "已备份 / backed up: {}（{records} 条记录 records，{} 个佐证文件 evidence files）",
        out.display(),
        evidence.len()
    );
    println!(
        "注意：备份含加密密钥，请妥善保管 / note: the backup contains the encryption key; keep it safe"
    );
    Ok(())
}

fn zip_err(e: zip::result::ZipError) -> AppError {
    AppError::failure_text(format!("备份文件写入失败 / backup archive error: {e}"))
}

fn bad_backup(file: &Path, what: impl std::fmt::Display) -> AppError {
    AppError::input(
        format!("备份文件 {} 无效：{what}", file.display()),
        format!("invalid backup file {}: {what}", file.display()),
    )
}

pub async fn restore(cfg: &Config, file: &Path) -> AppResult<()> {
    let f = std::fs::File::open(file).map_err(|e| bad_backup(file, e))?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| bad_backup(file, e))?;
    let manifest: serde_json::Value = {
        let mut s = String::new();
        zip.by_name("manifest.json")
            .map_err(|e| bad_backup(file, e))?
            .read_to_string(&mut s)?;
        serde_json::from_str(&s).map_err(|e| bad_backup(file, e))?
    };
    if manifest["format"] != FORMAT {
        return Err(bad_backup(
            file,
            format!("unknown format {}", manifest["format"]),
        ));
    }
    let mut key = Vec::new();
    zip.by_name("secret.key")
        .map_err(|e| bad_backup(file, e))?
        .read_to_end(&mut key)?;
    duikou_domain::crypto::SecretKey::from_file_contents(&String::from_utf8_lossy(&key))
        .map_err(|e| bad_backup(file, e))?;
    if cfg.key_file.exists() && std::fs::read(&cfg.key_file)? != key {
        return Err(AppError::input(
            format!(
                "目标已有不同的密钥 {}；请恢复到空的数据目录",
                cfg.key_file.display()
            ),
            format!(
                "a different key already exists at {}; restore into an empty data directory",
                cfg.key_file.display()
            ),
        ));
    }
    // Read every table before touching the target.
    let mut tables: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for name in duikou_storage::backup::TABLES {
        let mut rows = Vec::new();
        if let Ok(entry) = zip.by_name(&format!("tables/{name}.jsonl")) {
            for line in std::io::BufReader::new(entry).lines() {
                let line = line?;
                if !line.trim().is_empty() {
                    rows.push(serde_json::from_str(&line).map_err(|e| bad_backup(file, e))?);
                }
            }
        }
        tables.insert(name.to_string(), rows);
    }
    crate::private_fs::create_dir_all(&cfg.data_dir)?;
    let store = cfg.open_creating().await?;
    if !store.is_empty().await? {
        return Err(AppError::input(
            "目标数据库不为空，恢复只能写入空数据库",
            "the target database is not empty; restore only into an empty one",
        ));
    }
    store
        .restore(|t| Ok(tables.remove(t).unwrap_or_default()))
        .await?;
    if !cfg.key_file.exists() {
        crate::config::write_private(&cfg.key_file, &key)?;
    }
    let evidence = crate::evidence_store::EvidenceStore::new(cfg.evidence_dir());
    let names: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with("evidence/"))
        .map(str::to_string)
        .collect();
    for name in &names {
        let mut bytes = Vec::new();
        zip.by_name(name)
            .map_err(|e| bad_backup(file, e))?
            .read_to_end(&mut bytes)?;
        let sha = evidence.put(&bytes)?;
        if format!("evidence/{sha}") != *name {
            return Err(bad_backup(
                file,
                format!("evidence file {name} does not match its hash"),
            ));
        }
    }
    let report = duikou_storage::audit::verify(&store.db)
        .await
        .map_err(|e| AppError::failure_text(e.to_string()))?;
    println!(
        "已恢复 / restored from {}: {} 个佐证文件 evidence files; 审计链 audit chain: {}",
        file.display(),
        names.len(),
        if report.problem.is_none() {
            "完好 intact"
        } else {
            "已损坏 BROKEN"
        }
    );
    if let Some(p) = report.problem {
        return Err(AppError::failure_text(p.to_string()));
    }
    Ok(())
}
