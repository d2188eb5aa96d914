#!/usr/bin/env python3
"""DuckDB baseline for the full assessment (BENCHMARKS.md, issue 8).

    python3 bench/duckdb_baseline.py DATA_DIR/duikou.db [YEAR]

Exports the approved records of a duikou SQLite database to CSV and Parquet (not
timed), then times in DuckDB the aggregations the indicator engine does for one year:
for every record kind, per reporting unit and per county, the count, the sum of
`amount` and the number of distinct persons (blind index), with the year and the
as-of date as filters. Median of 5 runs, Parquet and CSV each. Needs `pip install duckdb`.
"""
import os, sqlite3, statistics, sys, tempfile, time

import duckdb

db, year = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2019
out = tempfile.mkdtemp(prefix="duikou-duckdb-")
csv_path = os.path.join(out, "record.csv")
con = duckdb.connect()
src = sqlite3.connect(db)
rows = src.execute(
    "SELECT id, kind, status, reporting_unit, county, plan_year, event_date, data, id_blind FROM record WHERE status = 'approved'"
).fetchall()
con.execute(
    "CREATE TABLE record (id BIGINT, kind TEXT, status TEXT, reporting_unit TEXT, county TEXT, plan_year INT, event_date TEXT, data TEXT, id_blind TEXT)"
)
# Through a CSV file at every size (DuckDB's executemany takes minutes for 36,806 rows).
import csv
with open(csv_path, "w", newline="") as f:
    csv.writer(f).writerows(rows)
con.execute(f"INSERT INTO record SELECT * FROM read_csv('{csv_path}', header=false, columns={{'id':'BIGINT','kind':'TEXT','status':'TEXT','reporting_unit':'TEXT','county':'TEXT','plan_year':'INT','event_date':'TEXT','data':'TEXT','id_blind':'TEXT'}})")
parquet_path = os.path.join(out, "record.parquet")
con.execute(f"COPY record TO '{parquet_path}' (FORMAT parquet)")
cols = "{'id':'BIGINT','kind':'TEXT','status':'TEXT','reporting_unit':'TEXT','county':'TEXT','plan_year':'INT','event_date':'TEXT','data':'TEXT','id_blind':'TEXT'}"

QUERY = """
WITH r AS (
  SELECT kind, reporting_unit, county, id_blind,
         TRY_CAST(json_extract_string(data, '$.amount') AS BIGINT) AS amount
  FROM {src}
  WHERE status = 'approved' AND plan_year = {year} AND (event_date IS NULL OR event_date <= '{year}-12-31')
)
SELECT 'unit' AS scope, kind, reporting_unit AS unit, COUNT(*), SUM(amount), COUNT(DISTINCT id_blind) FROM r GROUP BY kind, reporting_unit
UNION ALL
SELECT 'county', kind, county, COUNT(*), SUM(amount), COUNT(DISTINCT id_blind) FROM r WHERE county IS NOT NULL GROUP BY kind, county
UNION ALL
SELECT 'plan', kind, NULL, COUNT(*), SUM(amount), COUNT(DISTINCT id_blind) FROM r GROUP BY kind
"""


def timed(src):
    q = QUERY.format(src=src, year=year)
    con.execute(q).fetchall()  # warm-up (file metadata, JSON functions)
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        res = con.execute(q).fetchall()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), len(res)


for label, src in [
    ("parquet", f"read_parquet('{parquet_path}')"),
    ("csv", f"read_csv('{csv_path}', header=false, columns={cols})"),
    ("table", "record"),
]:
    t, n = timed(src)
    print(f"duckdb {label:8s} {len(rows)} rows  {t * 1000:8.2f} ms  ({n} groups)")
