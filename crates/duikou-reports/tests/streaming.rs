//! A million rows stream through an export without being held in memory: the page
//! fetcher is asked for 5,000 records at a time, and memory stays flat.

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::collections::BTreeMap;
use std::io::Write;

use duikou_domain::record::{Status, Value};
use duikou_reports::export::{
    CsvSink, ExportFormat, ExportOptions, PAGE_SIZE, XlsxSink, stream_pages,
};
use duikou_storage::records::StoredRecord;

fn record(id: i64) -> StoredRecord {
    let mut fields = BTreeMap::new();
    fields.insert("programme".to_string(), Value::Enum("劳务就业".into()));
    fields.insert("name".to_string(), Value::Text(format!("务工人员{id}")));
    fields.insert("hukou_county".to_string(), Value::Unit("镇雄县".into()));
    fields.insert("registered_poor".to_string(), Value::Bool(id % 3 == 0));
    fields.insert(
        "started_on".to_string(),
        Value::Date(time::macros::date!(2019 - 03 - 15)),
    );
    StoredRecord {
        id: duikou_domain::ids::RecordId(id),
        kind: bundled_kind(BuiltinKind::Person),
        status: Status::Approved,
        reporting_unit: "市经协办".into(),
        county: Some("镇雄县".into()),
        plan_year: 2019,
        fields,
        notes: String::new(),
        id_masked: Some("530627********1234".into()),
        id_blind: None,
        id_cipher: None,
        reject_reason: None,
        version: 1,
        import_batch_id: None,
        evidence_count: 0,
        created_by: "t".into(),
        created_at: Default::default(),
        updated_by: "t".into(),
        updated_at: Default::default(),
        edited_by: "t".into(),
        receipt: None,
    }
}

/// Counts bytes, keeps none.
#[derive(Default)]
struct Counter(u64);
impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

const TOTAL: i64 = 1_000_000;

/// A fetcher over a virtual table of TOTAL records, made on demand page by page.
async fn page(
    after: i64,
    calls: &std::cell::Cell<usize>,
) -> Result<Vec<StoredRecord>, duikou_storage::StoreError> {
    calls.set(calls.get() + 1);
    let end = (after + PAGE_SIZE as i64).min(TOTAL);
    Ok((after + 1..=end).map(record).collect())
}

#[tokio::test(flavor = "current_thread")]
async fn a_million_rows_stream_to_csv_and_xlsx_in_pages() {
    let base = peak_rss_kb();

    let calls = std::cell::Cell::new(0);
    let mut sink = CsvSink::new(
        Counter::default(),
        bundled_kind(BuiltinKind::Person),
        ExportOptions {
            format: ExportFormat::Csv,
            ..Default::default()
        },
    )
    .unwrap();
    let n = stream_pages(&mut sink, None, |after| page(after, &calls))
        .await
        .unwrap();
    assert_eq!(n, TOTAL as usize);
    assert_eq!(
        calls.get(),
        (TOTAL as usize).div_ceil(PAGE_SIZE as usize) + 1,
        "one page at a time, then the empty page"
    );
    let bytes = sink.finish().unwrap().0;
    assert!(bytes > 50_000_000, "{bytes}");

    let calls = std::cell::Cell::new(0);
    let mut sink =
        XlsxSink::new(bundled_kind(BuiltinKind::Person), ExportOptions::default()).unwrap();
    let n = stream_pages(&mut sink, None, |after| page(after, &calls))
        .await
        .unwrap();
    assert_eq!(n, TOTAL as usize);
    let file = tempfile::tempfile().unwrap();
    sink.finish(std::io::BufWriter::new(file)).unwrap();

    // A million rows held in memory would take well over a gigabyte; streamed, the
    // process grows by little more than one page and the writers' buffers.
    let grown_mb = peak_rss_kb().saturating_sub(base) / 1024;
    eprintln!("peak memory growth: {grown_mb} MB");
    assert!(grown_mb < 300, "memory grew by {grown_mb} MB");
}
