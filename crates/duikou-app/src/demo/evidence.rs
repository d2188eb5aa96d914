//! The evidence files of demo records: a PDF voucher, a PNG photo placeholder, a text
//! dispatch note.

use std::collections::BTreeMap;

use duikou_domain::schema::{BuiltinKind, RecordKind};

/// Share of transfers, activities and secondments that get an evidence file, in percent.
pub const EVIDENCE_PERCENT: u16 = 70;

/// A small generated evidence file of a demo record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEvidence {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The evidence a demo record gets, if any: about 7 in 10 transfers (a one-page PDF
/// voucher), activities (a photo placeholder, PNG) and secondments (a dispatch note,
/// text). The choice and the content depend only on the seed and the record's fields,
/// never on its id, so every database backend gives the same records evidence.
pub fn evidence_for(
    seed: u64,
    kind: RecordKind,
    fields: &BTreeMap<String, duikou_domain::record::Value>,
) -> Option<DemoEvidence> {
    use sha2::{Digest, Sha256};
    let text = |k: &str| fields.get(k).map(|v| v.display()).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(kind.key().as_bytes());
    for (k, v) in fields {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.display().as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    if u16::from_le_bytes([digest[0], digest[1]]) % 100 >= EVIDENCE_PERCENT {
        return None;
    }
    match kind.builtin()? {
        BuiltinKind::Transfer => {
            let voucher = text("voucher_no");
            let lines = [
                "DEMO - Fund transfer voucher (demonstration data)".to_string(),
                format!("Voucher no.: {voucher}"),
                format!("Amount (yuan): {}", text("amount")),
                format!("Budget year: {}", text("budget_year")),
                format!("Sent on: {}", text("sent_on")),
                format!("Check: {}", hex::encode(&digest[..6])),
            ];
            Some(DemoEvidence {
                file_name: format!("拨付凭证-{}.pdf", file_part(&voucher)),
                content_type: "application/pdf",
                bytes: one_page_pdf(&lines),
            })
        }
        BuiltinKind::Activity => Some(DemoEvidence {
            file_name: format!(
                "活动照片-{}-{}.png",
                text("held_on"),
                file_part(&text("title"))
            ),
            content_type: "image/png",
            bytes: placeholder_png(48, 32, [digest[2], digest[3], digest[4]]),
        }),
        BuiltinKind::Secondment => {
            let body = format!(
                "人员选派派出文件（演示数据）\n\n姓名：{}\n类别：{}\n方向：{}\n派出单位：{}\n接收单位：{}\n挂任职务：{}\n开始日期：{}\n结束日期：{}\n\n校验：{}\n",
                text("name"),
                text("category"),
                text("direction"),
                text("from_unit"),
                text("to_unit"),
                text("post"),
                text("start_on"),
                text("end_on"),
                hex::encode(&digest[..6])
            );
            Some(DemoEvidence {
                file_name: format!("派出文件-{}.txt", file_part(&text("name"))),
                content_type: "text/plain",
                bytes: body.into_bytes(),
            })
        }
        _ => None,
    }
}

/// Text fit for a file name: no separators or control characters, at most 40 characters.
fn file_part(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(40)
        .collect();
    if t.trim().is_empty() {
        "记录".into()
    } else {
        t.trim().to_string()
    }
}

/// A valid one-page PDF (A4, Helvetica) showing `lines`; characters outside printable
/// ASCII become `?` (the standard fonts have no Chinese).
pub fn one_page_pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 14 Tf 60 780 Td 18 TL\n");
    for line in lines {
        let esc: String = line
            .chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        content.push_str(&format!("({esc}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A valid PNG of one colour with a darker frame (stored, uncompressed deflate).
pub fn placeholder_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(parts: &[&[u8]]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for p in parts {
            for &b in *p {
                c ^= b as u32;
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(ty);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&[ty, data]).to_be_bytes());
    }
    let frame = rgb.map(|c| c / 2);
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let edge = x < 2 || y < 2 || x + 2 >= width || y + 2 >= height;
            raw.extend_from_slice(if edge { &frame } else { &rgb });
        }
    }
    // zlib: header, stored blocks of at most 65535 bytes, Adler-32.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = b.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}
