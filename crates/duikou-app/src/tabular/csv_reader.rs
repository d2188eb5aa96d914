//! CSV files: UTF-8 or GB18030, rows bounded in length, read as a stream.

use std::io::{Cursor, Read};

use super::*;

pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn strip_bom_bytes(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Why reading a CSV stream failed, carried through the csv reader as an I/O error.
#[derive(Debug)]
pub(super) enum ReadFailure {
    /// Not GB18030 either.
    Encoding,
    /// A row longer than the limit: its row number.
    RowTooLong(u64),
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ReadFailure {}

pub(super) fn failure(e: ReadFailure) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}

/// GB18030 text decoded to UTF-8 as it is read; undecodable bytes are an error.
pub(super) struct Gb18030Reader<R> {
    pub(super) inner: R,
    pub(super) decoder: encoding_rs::Decoder,
    pub(super) input: Vec<u8>,
    pub(super) in_start: usize,
    pub(super) in_end: usize,
    pub(super) eof: bool,
    pub(super) output: Vec<u8>,
    pub(super) out_start: usize,
    pub(super) out_end: usize,
    pub(super) done: bool,
}

impl<R: Read> Gb18030Reader<R> {
    pub(super) fn new(inner: R) -> Self {
        Gb18030Reader {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 16],
            in_start: 0,
            in_end: 0,
            eof: false,
            output: vec![0; 1 << 17],
            out_start: 0,
            out_end: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Gb18030Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            match result {
                encoding_rs::DecoderResult::InputEmpty => self.done = self.eof,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(..) => {
                    return Err(failure(ReadFailure::Encoding));
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum CsvState {
    CellStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

pub(super) const RING: usize = 1 << 18;
pub(super) const CSV_BUFFER: usize = 1 << 16;

/// Passes the (UTF-8) text to the csv reader and finds, on the way, the line breaks
/// that end spreadsheet rows (`\n`, `\r`, or the `\r` of `\r\n`), skipping breaks
/// inside quoted cells. Follows the csv crate's quoting rules: a quote opens a quoted
/// cell only at the start of a cell, `""` inside quotes is a literal quote. The csv
/// crate skips blank lines and counts line breaks inside quoted cells, so row numbers
/// come from here. The last `RING` bytes are kept to look at a record's terminator.
pub(super) struct RowEnds<R> {
    pub(super) inner: R,
    /// Bytes passed on so far.
    pub(super) pos: u64,
    pub(super) state: CsvState,
    /// The previous byte was a row-ending `\r`: a `\n` right after it is part of it.
    pub(super) after_cr: bool,
    /// Offsets of row ends not yet counted by `row_number`.
    pub(super) ends: std::collections::VecDeque<u64>,
    pub(super) counted: u64,
    pub(super) ends_seen: u64,
    pub(super) row_start: u64,
    pub(super) max_row: u64,
    pub(super) ring: Vec<u8>,
}

impl<R: Read> RowEnds<R> {
    pub(super) fn new(inner: R, max_row: u64) -> Self {
        RowEnds {
            inner,
            pos: 0,
            state: CsvState::CellStart,
            after_cr: false,
            ends: std::collections::VecDeque::new(),
            counted: 0,
            ends_seen: 0,
            row_start: 0,
            max_row,
            ring: vec![0; RING],
        }
    }

    pub(super) fn byte(&self, at: u64) -> Option<u8> {
        (at < self.pos && self.pos - at <= RING as u64).then(|| self.ring[at as usize % RING])
    }

    /// The spreadsheet row number of the record that ends at byte `consumed` (the csv
    /// reader's position after it).
    pub(super) fn row_number(&mut self, consumed: u64) -> usize {
        let mut last = consumed.saturating_sub(1);
        if last > 0 && self.byte(last) == Some(b'\n') && self.byte(last - 1) == Some(b'\r') {
            last -= 1;
        }
        while let Some(&end) = self.ends.front() {
            if end >= last {
                break;
            }
            self.ends.pop_front();
            self.counted += 1;
        }
        usize::try_from(1 + self.counted).unwrap_or(usize::MAX)
    }
}

impl<R: Read> Read for RowEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Keep the bytes in the ring (at most RING of them matter).
        let data = &buf[..n];
        let keep = &data[n.saturating_sub(RING)..];
        let mut at = (self.pos + (n - keep.len()) as u64) as usize % RING;
        let mut rest = keep;
        while !rest.is_empty() {
            let k = rest.len().min(RING - at);
            self.ring[at..at + k].copy_from_slice(&rest[..k]);
            rest = &rest[k..];
            at = (at + k) % RING;
        }
        for (i, &b) in data.iter().enumerate() {
            let abs = self.pos + i as u64;
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    self.row_start = abs + 1;
                    continue;
                }
            }
            let is_break = b == b'\n' || b == b'\r';
            self.state = match (self.state, b) {
                (CsvState::Quoted, b'"') => CsvState::QuoteInQuoted,
                (CsvState::Quoted, _) => CsvState::Quoted,
                (CsvState::QuoteInQuoted, b'"') => CsvState::Quoted,
                (CsvState::CellStart, b'"') => CsvState::Quoted,
                (_, b',') => CsvState::CellStart,
                _ if is_break => {
                    self.ends.push_back(abs);
                    self.ends_seen += 1;
                    self.row_start = abs + 1;
                    self.after_cr = b == b'\r';
                    CsvState::CellStart
                }
                _ => CsvState::Unquoted,
            };
            if abs >= self.row_start.saturating_add(self.max_row) {
                self.pos += i as u64 + 1;
                return Err(failure(ReadFailure::RowTooLong(self.ends_seen + 1)));
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// A reader without the UTF-8 byte-order mark its bytes may start with.
pub(super) fn without_bom<R: Read>(mut r: R) -> std::io::Result<impl Read> {
    let mut head = [0u8; 3];
    let mut n = 0;
    while n < 3 {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = if head[..n] == *BOM {
        Vec::new()
    } else {
        head[..n].to_vec()
    };
    Ok(Cursor::new(head).chain(r))
}

pub(super) fn stream_csv<R: Read>(
    file_name: &str,
    input: R,
    utf8: bool,
    limits: &Limits,
    sink: &mut (impl RowSink + ?Sized),
) -> Result<Option<String>, TableError> {
    let unreadable = |detail: String| TableError::Unreadable {
        file: file_name.to_owned(),
        detail,
    };
    let input = without_bom(input).map_err(|e| unreadable(e.to_string()))?;
    let text: Box<dyn Read + '_> = if utf8 {
        Box::new(input)
    } else {
        Box::new(Gb18030Reader::new(input))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(RowEnds::new(text, limits.csv_row_bytes));
    let mut shaper = Shaper::new(file_name, None, sink);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let failed = match e.kind() {
                    csv::ErrorKind::Io(io) => io
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<ReadFailure>()),
                    _ => None,
                };
                return Err(match failed {
                    Some(ReadFailure::Encoding) => TableError::Encoding {
                        file: file_name.to_owned(),
                    },
                    Some(ReadFailure::RowTooLong(row)) => TableError::Expands {
                        file: file_name.to_owned(),
                        zh_detail: format!(
                            "第 {row} 行超过 {} MB",
                            limits.csv_row_bytes / 1024 / 1024
                        ),
                        en_detail: format!(
                            "row {row} is longer than {} MB",
                            limits.csv_row_bytes / 1024 / 1024
                        ),
                    },
                    None => unreadable(e.to_string()),
                });
            }
        }
        // The reader has consumed the record and (part of) its terminator.
        let consumed = reader.position().byte();
        let number = reader.get_mut().row_number(consumed);
        if record.iter().any(|c| !c.trim().is_empty()) {
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
            shaper.raw_row(number, cells)?;
            if shaper.stopped {
                break;
            }
        }
    }
    shaper.finish()?;
    Ok(None)
}
