#!/usr/bin/env bash
# Import benchmark (BENCHMARKS.md §1, §4): writes person files at a demo scale (default 10)
# as CSV and .xlsx with full ID numbers, runs benches/import.rs on them (which times
# `duikou import person FILE` against raw prepared inserts of the same rows), then the
# release binary alone on each file under /usr/bin/time for peak RSS.
#
# Usage: bench/import.sh [SCALE [DEMO_SCALE]]   (DUIKOU_BENCH_POSTGRES_URL=… adds PostgreSQL)
#
# DEMO_SCALE (default SCALE) is the scale `duikou demo` generates; when it is smaller,
# the person CSV is grown SCALE/DEMO_SCALE-fold by bench/scale_person_csv.py (the same
# rows again with other valid ID numbers), imported, and exported again as .xlsx, so
# both files hold the same rows. `bench/import.sh 100 10` makes the scale-100 files
# (3.6 M rows) from a scale-10 demo. KEEP=DIR keeps the files in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-10}
DEMO_SCALE=${2:-$SCALE}
BIN=target/release/duikou
cargo build --release -p duikou
DIR=${KEEP:-$(mktemp -d)}
mkdir -p "$DIR"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$DIR"' EXIT
CSV=$DIR/person$SCALE.csv
XLSX=$DIR/person$SCALE.xlsx
if [ ! -f "$CSV" ] || [ ! -f "$XLSX" ]; then
  rm -rf "$DIR/src"
  "$BIN" --data-dir "$DIR/src" init >/dev/null
  "$BIN" --data-dir "$DIR/src" demo --scale "$DEMO_SCALE"
  if [ "$DEMO_SCALE" = "$SCALE" ]; then
    "$BIN" --data-dir "$DIR/src" export person --format csv --unmask --out "$CSV"
    "$BIN" --data-dir "$DIR/src" export person --format xlsx --unmask --out "$XLSX"
  else
    "$BIN" --data-dir "$DIR/src" export person --format csv --unmask --out "$DIR/person$DEMO_SCALE.csv"
    python3 bench/scale_person_csv.py "$DIR/person$DEMO_SCALE.csv" $((SCALE / DEMO_SCALE)) "$CSV"
    rm -rf "$DIR/grown"
    "$BIN" --data-dir "$DIR/grown" init >/dev/null
    "$BIN" --data-dir "$DIR/grown" import person "$CSV"
    "$BIN" --data-dir "$DIR/grown" export person --format xlsx --unmask --out "$XLSX"
    rm -rf "$DIR/grown"
  fi
  rm -rf "$DIR/src"
fi
ls -l "$CSV" "$XLSX"
cargo bench -p duikou --bench import -- person "$CSV" "$XLSX"
# Peak RSS, CPU and wall time of the binary itself on each file (SQLite):
for f in "$CSV" "$XLSX"; do
  rm -rf "$DIR/rss"
  "$BIN" --data-dir "$DIR/rss" init >/dev/null
  echo "== $(basename "$f")"
  /usr/bin/time -v "$BIN" --data-dir "$DIR/rss" import person "$f" 2>&1 |
    grep -E "imported|Elapsed|Maximum resident|User time|System time"
done
rm -rf "$DIR/rss"
