//! Reading the document: a .docx becomes text with one line per paragraph and one
//! tab-separated line per table row (the shape a text export of the same document has,
//! so the rules downstream read both alike); a .txt/.md file is decoded, as UTF-8 or as
//! the GB18030/GBK that Chinese office machines still save.

use std::panic::{AssertUnwindSafe, catch_unwind};

use docx_rs::{
    DocumentChild, Paragraph, ParagraphChild, RunChild, StructuredDataTagChild, Table, TableCell,
    TableCellContent, TableChild, TableRowChild,
};

use crate::DraftError;

/// The document's text; see the crate documentation.
pub fn read_document(bytes: &[u8], file_name: &str) -> Result<String, DraftError> {
    let file = file_name.to_string();
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "docx" => read_docx(bytes, &file),
        "txt" | "text" | "md" | "markdown" => decode_text(bytes, &file),
        // An old binary Word file: say what to do rather than "unsupported".
        "doc" | "wps" => Err(DraftError::OldWord { file }),
        _ => Err(DraftError::Unsupported { file }),
    }
}

fn decode_text(bytes: &[u8], file: &str) -> Result<String, DraftError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DraftError::Empty {
            file: file.to_string(),
        });
    }
    // A byte-order mark names its encoding (UTF-8 or UTF-16 from Notepad).
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if !had_errors {
            return Ok(text.into_owned());
        }
        return Err(DraftError::Encoding {
            file: file.to_string(),
        });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    // GB18030 is a superset of GBK and GB2312: one decoder reads all three.
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) if !text.contains('\0') => Ok(text.into_owned()),
        _ => Err(DraftError::Encoding {
            file: file.to_string(),
        }),
    }
}

fn read_docx(bytes: &[u8], file: &str) -> Result<String, DraftError> {
    let bad = |reason: String| DraftError::Docx {
        file: file.to_string(),
        reason,
    };
    if bytes.is_empty() {
        return Err(DraftError::Empty {
            file: file.to_string(),
        });
    }
    if !bytes.starts_with(b"PK") {
        return Err(bad("不是 ZIP 压缩包 / not a ZIP package".into()));
    }
    // The reader is a third-party parser of untrusted input: a panic in it must come back
    // as "this file cannot be read", not take the caller (a web server) down.
    let parsed = catch_unwind(AssertUnwindSafe(|| docx_rs::read_docx(bytes)));
    let docx = match parsed {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(bad(e.to_string())),
        Err(_) => return Err(bad("解析器异常 / the parser failed".into())),
    };
    let mut out = Vec::new();
    for child in &docx.document.children {
        block(child_as_block(child), &mut out);
    }
    let text = out.join("\n");
    if text.trim().is_empty() {
        return Err(DraftError::Empty {
            file: file.to_string(),
        });
    }
    Ok(text)
}

/// The two block shapes the text keeps.
enum Block<'a> {
    Paragraph(&'a Paragraph),
    Table(&'a Table),
    Many(Vec<Block<'a>>),
    None,
}

fn child_as_block(c: &DocumentChild) -> Block<'_> {
    match c {
        DocumentChild::Paragraph(p) => Block::Paragraph(p),
        DocumentChild::Table(t) => Block::Table(t),
        DocumentChild::StructuredDataTag(sdt) => Block::Many(
            sdt.children
                .iter()
                .map(|c| match c {
                    StructuredDataTagChild::Paragraph(p) => Block::Paragraph(p),
                    StructuredDataTagChild::Table(t) => Block::Table(t),
                    _ => Block::None,
                })
                .collect(),
        ),
        _ => Block::None,
    }
}

fn block(b: Block<'_>, out: &mut Vec<String>) {
    match b {
        Block::Paragraph(p) => out.push(paragraph_text(p)),
        Block::Table(t) => table_lines(t, out),
        Block::Many(v) => v.into_iter().for_each(|b| block(b, out)),
        Block::None => {}
    }
}

fn paragraph_text(p: &Paragraph) -> String {
    let mut s = String::new();
    children_text(&p.children, &mut s);
    // A soft line break inside a paragraph is not a new paragraph.
    s.replace('\n', "")
}

fn children_text(children: &[ParagraphChild], s: &mut String) {
    let run = |r: &docx_rs::Run, s: &mut String| {
        for c in &r.children {
            match c {
                RunChild::Text(t) => s.push_str(&t.text),
                RunChild::Tab(_) | RunChild::PTab(_) => s.push(' '),
                _ => {}
            }
        }
    };
    for c in children {
        match c {
            ParagraphChild::Run(r) => run(r, s),
            ParagraphChild::Insert(i) => {
                for c in &i.children {
                    if let docx_rs::InsertChild::Run(r) = c {
                        run(r, s);
                    }
                }
            }
            ParagraphChild::Hyperlink(h) => children_text(&h.children, s),
            _ => {}
        }
    }
}

/// A cell's merge state, read from its serialised properties (the reader keeps them
/// private): how many grid columns it spans, and whether it continues the cell above.
fn merge_of(cell: &TableCell) -> (usize, bool) {
    let Ok(toml::Value::Table(t)) = toml::Value::try_from(&cell.property) else {
        return (1, false);
    };
    let span = t
        .get("gridSpan")
        .and_then(toml::Value::as_integer)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1);
    let cont = t.get("verticalMerge").and_then(toml::Value::as_str) == Some("continue");
    (span, cont)
}

fn cell_text(cell: &TableCell) -> String {
    let mut parts = Vec::new();
    for c in &cell.children {
        match c {
            TableCellContent::Paragraph(p) => parts.push(paragraph_text(p)),
            TableCellContent::Table(t) => {
                let mut inner = Vec::new();
                table_lines(t, &mut inner);
                parts.push(inner.join(" ").replace('\t', " "));
            }
            _ => {}
        }
    }
    // Paragraphs of one cell are one value; a space keeps words apart where the cell
    // wrapped (the text rules drop it between Chinese characters).
    parts.retain(|p| !p.trim().is_empty());
    parts.join(" ").replace('\t', " ")
}

/// One tab-separated line per row. A vertically merged cell repeats the value above it
/// (a responsible unit merged over three items belongs to each), and a cell spanning
/// several columns keeps the columns of the rows below aligned.
fn table_lines(t: &Table, out: &mut Vec<String>) {
    let mut above: Vec<String> = Vec::new();
    for row in &t.rows {
        let TableChild::TableRow(row) = row;
        let mut cells: Vec<String> = Vec::new();
        for c in &row.cells {
            let TableRowChild::TableCell(cell) = c;
            let (span, cont) = merge_of(cell);
            let col = cells.len();
            let text = if cont {
                above.get(col).cloned().unwrap_or_default()
            } else {
                cell_text(cell)
            };
            cells.push(text);
            for _ in 1..span {
                cells.push(String::new());
            }
        }
        out.push(cells.join("\t"));
        above = cells;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_text_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("序号\t具体事项");
        assert_eq!(read_document(&bytes, "a.txt").unwrap(), "序号\t具体事项");
    }

    #[test]
    fn unknown_types_are_refused() {
        let e = read_document(b"x", "a.pdf").unwrap_err().to_string();
        assert!(
            e.contains("a.pdf") && e.contains("不支持") && e.contains("unsupported"),
            "{e}"
        );
        let e = read_document(b"x", "a.doc").unwrap_err().to_string();
        assert!(e.contains(".docx"), "{e}");
    }

    #[test]
    fn corrupt_docx_is_refused() {
        let e = read_document(b"PK\x03\x04garbage", "a.docx")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a.docx") && e.contains("无法读取") && e.contains("cannot read"),
            "{e}"
        );
    }
}
