//! The natural keys a streamed import has seen, kept compactly on disk.

use sha2::{Digest, Sha256};

/// Where a row is, as one number ordered like the file: the label's index (the file,
/// then each continuation sheet) above the row number.
pub(super) fn position(label: u32, row: usize) -> u64 {
    (u64::from(label) << 32)
        | u64::try_from(row)
            .unwrap_or(u64::MAX)
            .min(u64::from(u32::MAX))
}

/// The natural keys seen so far, compactly: 72 bits of a hash of the key (the bucket
/// is 8 of them), 32 bits of a hash of the record's data and the row's [`position`]:
/// 20 bytes a row, never the key or the record, and kept in a temporary file
/// (by bucket, in blocks of 4 KiB), so memory stays at a block per bucket whatever the
/// number of rows. At the end each bucket (1/256 of the rows) is read back and sorted.
/// A natural key is an ID number's blind index (or a voucher number) with a programme
/// and a date; a false match of two keys has a chance of about n² / 2⁷³ (10⁻⁹ for 3.6
/// million rows). Data compared by hash only reports a repeat with different content;
/// whether a repeat is written is decided on the exact data in the database.
pub(super) struct DupIndex {
    /// None: the temporary file could not be made; everything stays in memory.
    file: Option<std::fs::File>,
    pending: Vec<Vec<DupEntry>>,
    /// Offsets of each bucket's blocks in the file.
    blocks: Vec<Vec<u64>>,
    end: u64,
    failed: Option<std::io::Error>,
}

type DupEntry = (u64, u32, u64);
const DUP_BLOCK: usize = 256;
const DUP_ENTRY_BYTES: usize = 20;

impl DupIndex {
    pub(super) fn new() -> Self {
        DupIndex {
            file: tempfile::tempfile().ok(),
            pending: (0..256).map(|_| Vec::with_capacity(DUP_BLOCK)).collect(),
            blocks: vec![Vec::new(); 256],
            end: 0,
            failed: None,
        }
    }

    pub(super) fn push(&mut self, key: &str, data: &str, seq: u64) {
        let k = Sha256::digest(key.as_bytes());
        let d = Sha256::digest(data.as_bytes());
        let b = k[0] as usize;
        self.pending[b].push((
            u64::from_le_bytes(k[1..9].try_into().expect("8 bytes")),
            u32::from_le_bytes(d[..4].try_into().expect("4 bytes")),
            seq,
        ));
        if self.pending[b].len() == DUP_BLOCK && self.failed.is_none() {
            if let Some(file) = &mut self.file {
                use std::io::Write;
                let mut bytes = Vec::with_capacity(DUP_BLOCK * DUP_ENTRY_BYTES);
                for &(key, data, seq) in &self.pending[b] {
                    bytes.extend_from_slice(&key.to_le_bytes());
                    bytes.extend_from_slice(&data.to_le_bytes());
                    bytes.extend_from_slice(&seq.to_le_bytes());
                }
                match file.write_all(&bytes) {
                    Ok(()) => {
                        self.blocks[b].push(self.end);
                        self.end += bytes.len() as u64;
                        self.pending[b].clear();
                    }
                    Err(e) => self.failed = Some(e),
                }
            }
        }
    }

    /// (row, first row) for every row repeating an earlier row's key with different
    /// content, in file order.
    pub(super) fn conflicting_repeats(self) -> std::io::Result<Vec<(u64, u64)>> {
        use std::os::unix::fs::FileExt;
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut out = Vec::new();
        let mut block = vec![0u8; DUP_BLOCK * DUP_ENTRY_BYTES];
        for (offsets, pending) in self.blocks.into_iter().zip(self.pending) {
            let mut bucket: Vec<DupEntry> =
                Vec::with_capacity(offsets.len() * DUP_BLOCK + pending.len());
            if let Some(file) = &self.file {
                for at in offsets {
                    file.read_exact_at(&mut block, at)?;
                    bucket.extend(block.chunks_exact(DUP_ENTRY_BYTES).map(|e| {
                        (
                            u64::from_le_bytes(e[..8].try_into().expect("8 bytes")),
                            u32::from_le_bytes(e[8..12].try_into().expect("4 bytes")),
                            u64::from_le_bytes(e[12..].try_into().expect("8 bytes")),
                        )
                    }));
                }
            }
            bucket.extend(pending);
            bucket.sort_unstable_by_key(|&(key, _, seq)| (key, seq));
            for group in bucket.chunk_by(|a, b| a.0 == b.0) {
                let (_, first_data, first) = group[0];
                for &(_, data, seq) in &group[1..] {
                    if data != first_data {
                        out.push((seq, first));
                    }
                }
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_found_across_spilled_blocks_and_sheets() {
        let mut d = DupIndex::new();
        assert!(d.file.is_some(), "the keys go to a temporary file");
        for i in 0..100_000usize {
            d.push(&format!("k{i}"), "same", position(0, i + 2));
        }
        // The same content again (kept once, not a problem), other content, and other
        // content on a continuation sheet.
        d.push("k7", "same", position(0, 100_002));
        d.push("k8", "other", position(0, 100_003));
        d.push("k99999", "other", position(1, 2));
        assert!(
            d.blocks.iter().all(|b| !b.is_empty()),
            "blocks were written"
        );
        assert_eq!(
            d.conflicting_repeats().unwrap(),
            vec![
                (position(0, 100_003), position(0, 10)),
                (position(1, 2), position(0, 100_001)),
            ]
        );
    }
}
