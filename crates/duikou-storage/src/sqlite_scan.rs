//! The full read of the indicator engine's columns on SQLite, straight through SQLite's
//! C API on a pooled connection.
//!
//! Why: through the driver every row is a message from SQLite's worker thread with a
//! copy of every value, and aggregating rows into one text in SQL (`string_agg`) costs
//! SQLite more than reading them. Measured at scale 1 (36,806 records) the read was
//! about 70 ms of SQLite time plus 45 ms of copying and UTF-8 checking on the receiving
//! side; stepping the statement here costs about what a plain scan does. One statement
//! also reads one snapshot, where pages of separate queries could see a write between them.
//!
//! Only this module touches the C API. The connection is locked out of the driver's
//! worker thread for the whole scan (`lock_handle`), so nothing else uses it meanwhile.

use std::ffi::{CStr, CString, c_int};
use std::ptr::NonNull;

use libsqlite3_sys as ffi;
use sea_orm::sqlx::sqlite::SqliteConnection;

/// Rows of one record as read: the numbers, and where each text column ends in the
/// page's buffer (kind, status, blind index, reporting unit, data; each starts where
/// the one before ends).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRow {
    pub id: i64,
    pub plan_year: i64,
    pub evidence_count: i64,
    pub ends: [usize; 5],
}

/// A run of consecutive rows in id order, their texts in one buffer.
#[derive(Debug, Default)]
pub(crate) struct RawPage {
    /// The id before this page's first row (for reading the page again another way).
    pub after: i64,
    pub buf: Vec<u8>,
    pub rows: Vec<RawRow>,
}

impl RawPage {
    /// The five texts of row `i` (None where a text is not UTF-8).
    pub fn texts(&self, i: usize) -> Option<[&str; 5]> {
        let row = &self.rows[i];
        let mut start = if i == 0 { 0 } else { self.rows[i - 1].ends[4] };
        let mut out = [""; 5];
        for (slot, &end) in out.iter_mut().zip(&row.ends) {
            *slot = simdutf8::basic::from_utf8(&self.buf[start..end]).ok()?;
            start = end;
        }
        Some(out)
    }
}

/// The raw database handle of a connection this thread holds locked.
struct Handle(NonNull<ffi::sqlite3>);

/// A prepared statement, finalized however the scan ends.
struct Statement(*mut ffi::sqlite3_stmt);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement came from sqlite3_prepare_v2 and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.0);
        }
    }
}

/// Runs `sql` (eight columns: id, kind, status, plan_year, evidence_count, id_blind,
/// reporting_unit, data) on `conn` on the current (blocking) thread and hands the rows
/// to `emit` in pages of `page_rows`. A NULL text is read as empty.
pub(crate) fn scan(
    runtime: &tokio::runtime::Handle,
    conn: &mut SqliteConnection,
    sql: &str,
    page_rows: usize,
    mut emit: impl FnMut(RawPage),
) -> Result<(), String> {
    let sql = CString::new(sql).map_err(|e| e.to_string())?;
    let mut locked = runtime
        .block_on(conn.lock_handle())
        .map_err(|e| e.to_string())?;
    let db = Handle(locked.as_raw_handle());
    let mut stmt = std::ptr::null_mut();
    // SAFETY: `db` is a live handle this thread holds the lock of; `sql` is a valid
    // C string; on success `stmt` is owned by the `Statement` guard.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(
            db.0.as_ptr(),
            sql.as_ptr(),
            -1,
            &mut stmt,
            std::ptr::null_mut(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(error_message(&db));
    }
    let stmt = Statement(stmt);
    let mut page = RawPage::default();
    loop {
        // SAFETY: a prepared statement of this connection, stepped on this thread.
        match unsafe { ffi::sqlite3_step(stmt.0) } {
            ffi::SQLITE_ROW => {}
            ffi::SQLITE_DONE => break,
            _ => return Err(error_message(&db)),
        }
        // SAFETY: the statement has a current row of eight columns; a text pointer is
        // valid until the next step, and it is copied before that.
        let row = unsafe {
            let mut ends = [0usize; 5];
            for (slot, column) in ends.iter_mut().zip([1, 2, 5, 6, 7]) {
                page.buf.extend_from_slice(column_bytes(stmt.0, column));
                *slot = page.buf.len();
            }
            RawRow {
                id: ffi::sqlite3_column_int64(stmt.0, 0),
                plan_year: ffi::sqlite3_column_int64(stmt.0, 3),
                evidence_count: ffi::sqlite3_column_int64(stmt.0, 4),
                ends,
            }
        };
        page.rows.push(row);
        if page.rows.len() == page_rows {
            let after = row.id;
            emit(std::mem::replace(
                &mut page,
                RawPage {
                    after,
                    buf: Vec::with_capacity(page_rows * 256),
                    rows: Vec::with_capacity(page_rows),
                },
            ));
        }
    }
    drop(stmt);
    drop(locked);
    if !page.rows.is_empty() {
        emit(page);
    }
    Ok(())
}

/// The bytes of a text column of the current row (empty for NULL).
///
/// # Safety
/// `stmt` has a current row with this column; the slice lives until the next step.
unsafe fn column_bytes<'s>(stmt: *mut ffi::sqlite3_stmt, column: c_int) -> &'s [u8] {
    // SAFETY: per the function's contract; sqlite3_column_text before
    // sqlite3_column_bytes, as SQLite documents for a text's length.
    unsafe {
        let text = ffi::sqlite3_column_text(stmt, column);
        let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, column)).unwrap_or(0);
        if text.is_null() || len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(text, len)
        }
    }
}

fn error_message(db: &Handle) -> String {
    // SAFETY: a live handle; sqlite3_errmsg returns a NUL-terminated string owned by it.
    unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.0.as_ptr())) }
        .to_string_lossy()
        .into_owned()
}
