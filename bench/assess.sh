#!/usr/bin/env bash
# Assessment benchmark (BENCHMARKS.md): benches/assess.rs at each scale on SQLite (and
# PostgreSQL when DUIKOU_BENCH_POSTGRES_URL names an empty database it may wipe), then
# the DuckDB baseline over the same demo data. Usage: bench/assess.sh [SCALE...]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=${*:-1 10}
cargo build --release -p duikou
for s in $SCALES; do
  env -u DUIKOU_BENCH_POSTGRES_URL cargo bench -p duikou --bench assess -- "$s"
  if [ -n "${DUIKOU_BENCH_POSTGRES_URL:-}" ]; then cargo bench -p duikou --bench assess -- "$s"; fi
  DIR=$(mktemp -d)
  target/release/duikou --data-dir "$DIR" init >/dev/null
  target/release/duikou --data-dir "$DIR" demo --scale "$s" >/dev/null
  python3 bench/duckdb_baseline.py "$DIR/duikou.db" 2019
  rm -rf "$DIR"
done
