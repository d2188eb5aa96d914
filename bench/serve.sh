#!/usr/bin/env bash
# Serving benchmark (BENCHMARKS.md): `duikou serve --demo` (release) on a fresh demo
# database at scale 1, then wrk against /healthz (the ceiling: no database, no auth),
# the assessment API, the dashboard page and a record list, with 50 and 200
# connections. Needs wrk (apt-get install wrk). Usage: bench/serve.sh [SECONDS] [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-15}
PORT=${2:-18088}
BIN=target/release/duikou
[ -x "$BIN" ] || cargo build --release -p duikou
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" --data-dir "$DIR" init >/dev/null
START=$(date +%s.%N)
/usr/bin/time -v -o "$DIR/time.txt" "$BIN" --data-dir "$DIR" serve --demo --addr "127.0.0.1:$PORT" >"$DIR/out.txt" 2>"$DIR/err.txt" &
SERVER=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.05; done
echo "cold start with demo load (scale 1) to first /healthz 200: $(echo "$(date +%s.%N) - $START" | bc) s"
sleep 0.5
USER_NAME=$(grep -A1 "demo logins" "$DIR/out.txt" | tail -1 | awk '{print $1}')
PASS=$(grep -A1 "demo logins" "$DIR/out.txt" | tail -1 | awk '{print $2}')
curl -s -D "$DIR/hdr.txt" -o "$DIR/login.json" -H 'content-type: application/json' \
  -d "{\"username\":\"$USER_NAME\",\"password\":\"$PASS\"}" "http://127.0.0.1:$PORT/api/v1/login"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$DIR/login.json")
COOKIE=$(grep -i '^set-cookie:' "$DIR/hdr.txt" | head -1 | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
for path in /api/v1/assessment?year=2019 /dashboard?year=2019 /api/v1/records/transfer; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$path")
  echo "check $path -> $code"
done
printf '| endpoint | connections | rps | p50 (ms) | p99 (ms) |\n|---|---:|---:|---:|---:|\n'
for path in /healthz /api/v1/assessment?year=2019 /dashboard?year=2019 /api/v1/records/transfer; do
  for c in 50 200; do
    out=$(wrk -t2 -c"$c" -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$path")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    echo "| $path | $c | $rps | $p50 | $p99 |${non2xx:+ non-2xx: $non2xx}"
  done
done
pkill -INT -P "$SERVER"; wait "$SERVER" 2>/dev/null || true
echo "peak RSS serving: $(awk -F: '/Maximum resident/ {print $2}' "$DIR/time.txt") kB"
