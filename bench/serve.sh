#!/usr/bin/env bash
# Serving benchmark (BENCHMARKS.md §3, §4). Needs wrk (apt-get install wrk).
#
#   1. `duikou serve --demo` (release) loads the scale-1 demo data into a fresh database:
#      cold start with the demo load, to the first /healthz 200.
#   2. `duikou serve` on that database under /usr/bin/time: the first (uncached) request
#      of each endpoint, then wrk against /healthz (the ceiling: a database ping, no
#      session), the assessment API, the dashboard page and a record list, with 50 and
#      200 connections; peak RSS of this server.
#   3. With WRITES=1: the dashboard again at 200 connections while a record is created
#      and deleted every second (each write invalidates every cached answer).
#   4. Cold start of `duikou serve` on the existing scale-1 database, three times.
#
# Usage: bench/serve.sh [SECONDS] [PORT]
# DUIKOU_BIN=path runs another build (e.g. a copy of the binary before a change);
# DUIKOU_DB_POOL=n sets the connection pool (SQLite: at most 8).
# DUIKOU_BENCH_DATA=DIR serves an existing data directory instead (e.g. one made by
# `duikou --data-dir DIR init --demo-scale 100 && duikou --data-dir DIR demo --scale 100`;
# add DUIKOU_BENCH_DB=postgres://… for its PostgreSQL database): step 1 and 4 are
# skipped, a coordinator `bench-PID` is added to sign in with, and DIR is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-15}
PORT=${2:-18088}
BIN=${DUIKOU_BIN:-target/release/duikou}
[ -x "$BIN" ] || cargo build --release -p duikou
EXISTING=${DUIKOU_BENCH_DATA:-}
if [ -n "$EXISTING" ]; then
  DIR=$EXISTING
  WORK=$(mktemp -d)
else
  DIR=$(mktemp -d)
  WORK=$DIR
fi
DB_ARGS=()
[ -n "${DUIKOU_BENCH_DB:-}" ] && DB_ARGS=(--db "$DUIKOU_BENCH_DB")
SERVER=
WRITER=
trap 'kill $SERVER $WRITER 2>/dev/null || true; rm -rf "$WORK"' EXIT
URL="http://127.0.0.1:$PORT"
wait_up() { until curl -fs "$URL/healthz" >/dev/null; do sleep 0.01; done; }
# SIGINT to the server (under /usr/bin/time: to its child), then wait for it.
stop() {
  pkill -INT -P "$SERVER" 2>/dev/null || kill -INT "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}

if [ -z "$EXISTING" ]; then
  # 1. Demo data.
  "$BIN" --data-dir "$DIR" init >/dev/null
  START=$(date +%s.%N)
  "$BIN" --data-dir "$DIR" serve --demo --addr "127.0.0.1:$PORT" >"$WORK/out.txt" 2>"$WORK/err.txt" &
  SERVER=$!
  wait_up
  echo "cold start with demo load (scale 1) to first /healthz 200: $(echo "$(date +%s.%N) - $START" | bc) s"
  sleep 0.5
  stop
  USER_NAME=$(grep -A1 "demo logins" "$WORK/out.txt" | tail -1 | awk '{print $1}')
  PASS=$(grep -A1 "demo logins" "$WORK/out.txt" | tail -1 | awk '{print $2}')
else
  USER_NAME="bench-$$"
  PASS=$("$BIN" --data-dir "$DIR" "${DB_ARGS[@]}" user add "$USER_NAME" --role coordinator --unit 市经协办 | tail -1 | awk '{print $NF}')
fi

# 2. Serving.
START=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.txt" "$BIN" --data-dir "$DIR" "${DB_ARGS[@]}" serve --addr "127.0.0.1:$PORT" >/dev/null 2>"$WORK/err2.txt" &
SERVER=$!
wait_up
echo "start to first /healthz 200: $(echo "$(date +%s.%N) - $START" | bc) s"
curl -s -D "$WORK/hdr.txt" -o "$WORK/login.json" -H 'content-type: application/json' \
  -d "{\"username\":\"$USER_NAME\",\"password\":\"$PASS\"}" "$URL/api/v1/login"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/login.json")
COOKIE=$(grep -i '^set-cookie:' "$WORK/hdr.txt" | head -1 | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
if [ -n "$EXISTING" ]; then
  # A new account changes its initial password first.
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"current_password\":\"$PASS\",\"new_password\":\"$PASS-Tea-Garden-7\"}" "$URL/api/v1/me/password"
  curl -s -D "$WORK/hdr.txt" -o "$WORK/login.json" -H 'content-type: application/json' \
    -d "{\"username\":\"$USER_NAME\",\"password\":\"$PASS-Tea-Garden-7\"}" "$URL/api/v1/login"
  TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/login.json")
  COOKIE=$(grep -i '^set-cookie:' "$WORK/hdr.txt" | head -1 | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
fi
AUTH=(-H "Authorization: Bearer $TOKEN" -H "Cookie: $COOKIE")
PATHS="/api/v1/assessment?year=2019 /dashboard?year=2019 /api/v1/records/transfer"
for path in $PATHS; do
  r=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "${AUTH[@]}" "$URL$path")
  echo "first request $path -> ${r%% *}, $(echo "$r" | awk '{print $2}') bytes, $(echo "$r" | awk '{printf "%.1f", $3 * 1000}') ms"
done
run_wrk() { # PATH CONNECTIONS
  local out rps p50 p99 non2xx
  out=$(wrk -t2 -c"$2" -d"${SECS}s" --latency "${AUTH[@]}" "$URL$1")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "| $1 | $2 | $rps | $p50 | $p99 |${non2xx:+ non-2xx: $non2xx}"
}
printf '| endpoint | connections | rps | p50 | p99 |\n|---|---:|---:|---:|---:|\n'
for path in /healthz $PATHS; do
  for c in 50 200; do
    run_wrk "$path" "$c"
  done
done

# 3. Under writes.
if [ "${WRITES:-0}" = 1 ]; then
  (
    i=0
    while true; do
      i=$((i + 1))
      id=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d "{\"source\":\"市级财政\",\"payer\":\"市财政局\",\"payee\":\"镇雄县\",\"amount\":\"1000\",\"budget_year\":2019,\"sent_on\":\"2019-03-15\",\"voucher_no\":\"BENCH-$$-$i\",\"purpose\":\"bench\"}" \
        "$URL/api/v1/records/transfer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
      curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$URL/api/v1/records/transfer/$id"
      sleep 1
    done
  ) &
  WRITER=$!
  echo "while a record is created and deleted every second:"
  for path in $PATHS; do
    run_wrk "$path" 200
  done
  kill "$WRITER" 2>/dev/null || true
  wait "$WRITER" 2>/dev/null || true
  WRITER=
fi
stop
echo "peak RSS of the serving process (step 2$([ "${WRITES:-0}" = 1 ] && echo ' and 3')): $(awk -F: '/Maximum resident/ {print $2}' "$WORK/time.txt") kB"

# 4. Cold start on the existing database (no demo load).
[ -n "$EXISTING" ] && exit 0
for i in 1 2 3; do
  START=$(date +%s.%N)
  "$BIN" --data-dir "$DIR" serve --addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
  SERVER=$!
  wait_up
  echo "cold start on the existing scale-1 database to first /healthz 200 (run $i): $(echo "$(date +%s.%N) - $START" | bc) s"
  stop
done
