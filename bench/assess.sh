#!/usr/bin/env bash
# Assessment benchmark (BENCHMARKS.md): benches/assess.rs at each scale on SQLite (and
# PostgreSQL when DUIKOU_BENCH_POSTGRES_URL names an empty database it may wipe), then
# the DuckDB baseline over the very database the SQLite run assessed.
# Usage: bench/assess.sh [SCALE...]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=${*:-1 10}
cargo bench -p duikou --bench assess --no-run
for s in $SCALES; do
  DIR=$(mktemp -d)
  env -u DUIKOU_BENCH_POSTGRES_URL DUIKOU_BENCH_SQLITE="$DIR/bench.db" \
    cargo bench -p duikou --bench assess -- "$s"
  if [ -n "${DUIKOU_BENCH_POSTGRES_URL:-}" ]; then cargo bench -p duikou --bench assess -- "$s"; fi
  python3 bench/duckdb_baseline.py "$DIR/bench.db" 2019
  rm -rf "$DIR"
done
