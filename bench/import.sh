#!/usr/bin/env bash
# Import benchmark (BENCHMARKS.md): writes person files at a demo scale (default 10) as
# CSV and .xlsx with full ID numbers, then runs benches/import.rs on them, which times
# `duikou import person FILE` against raw prepared inserts of the same rows.
# Usage: bench/import.sh [SCALE]   (DUIKOU_BENCH_POSTGRES_URL=… adds PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-10}
BIN=target/release/duikou
cargo build --release -p duikou
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$BIN" --data-dir "$DIR/src" init >/dev/null
"$BIN" --data-dir "$DIR/src" demo --scale "$SCALE"
"$BIN" --data-dir "$DIR/src" export person --format csv --unmask --out "$DIR/person$SCALE.csv"
"$BIN" --data-dir "$DIR/src" export person --format xlsx --unmask --out "$DIR/person$SCALE.xlsx"
cargo bench -p duikou --bench import -- person "$DIR/person$SCALE.csv" "$DIR/person$SCALE.xlsx"
# Peak RSS and CPU of the binary itself on the CSV:
"$BIN" --data-dir "$DIR/rss" init >/dev/null
/usr/bin/time -v "$BIN" --data-dir "$DIR/rss" import person "$DIR/person$SCALE.csv" 2>&1 | grep -E "imported|Elapsed|Maximum resident|User time|System time"
