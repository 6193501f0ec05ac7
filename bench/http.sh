#!/usr/bin/env bash
# HTTP benchmark of a release taskd on SQLite against warp's own
# `{"status":"ok"}` (bench/hello) in the same run: each scenario's rate is
# printed as a ratio to the yardstick's, which holds on a shared machine
# where absolute figures move by ±15%.
#
#   bash bench/http.sh              # 5 s per scenario, 1 thread, 32 connections
#   DURATION=10s CONNECTIONS=64 bash bench/http.sh
#
# Needs wrk (Debian: apt-get install wrk). wrk, the yardstick and taskd share
# the machine; only one of the two servers is driven at a time.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

. bench/taskd.sh
pid=
hello=
trap 'kill $pid $hello 2>/dev/null || true' EXIT
cargo build --release --locked -p hello
start_taskd BCRYPT_COST=12
# The yardstick prints the address it listens on.
target/release/hello 0 > "$work/hello.addr" &
hello=$!
for _ in $(seq 100); do [ -s "$work/hello.addr" ] && break; sleep 0.05; done
hello_base="http://$(cat "$work/hello.addr")"

cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"from wrk","description":"benchmark"}'
LUA
cat > "$work/update.lua" <<'LUA'
-- Each request changes one of the 100 seeded tasks, in turn.
-- (wrk.format keeps wrk.headers, with the token, when given no headers.)
local n = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format("PATCH", "/api/v1/tasks/" .. (n % 100 + 1), nil,
    '{"completed":' .. ((n % 2 == 0) and "true" or "false") .. '}')
end
LUA

cat > "$work/complete.lua" <<'LUA'
-- Each request completes one of the 100 repeating tasks, in turn: each
-- moves to its next due, records the occurrence and stays open.
local n = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format("PATCH", "/api/v1/tasks/" .. REPEATING[n % #REPEATING + 1], nil,
    '{"completed":true}')
end
LUA
# 100 daily tasks to complete, due at 09:00 from today.
repeating=()
for n in $(seq 100); do
  repeating+=("$(curl -fsS -X POST "$base/api/v1/tasks" -H "Authorization: Bearer $token" \
    -H "Content-Type: application/json" \
    -d "{\"title\":\"repeating $n\",\"due_at\":\"$(date -u +%Y-%m-%d)T09:00:00Z\",\"repeat\":\"FREQ=DAILY\"}" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")")
done
sed -i "1i REPEATING = {$(IFS=,; echo "${repeating[*]}")}" "$work/complete.lua"

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo
echo "| scenario | requests/s | ÷ warp hello | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
yardstick=
measure() {
  local name=$1; shift
  run "$name" "$@" > "$work/row"
  local rps
  rps=$(cut -d'|' -f3 < "$work/row" | tr -d ' ')
  [ -n "$yardstick" ] || yardstick=$rps
  ratio=$(python3 -c "print(f'{$rps / $yardstick:.2f}')")
  awk -F'|' -v ratio="$ratio" 'BEGIN {OFS="|"} {print $1, $2, $3, " " ratio " ", $4, $5, $6, ""}' "$work/row"
}
auth=(-H "Authorization: Bearer $token")
measure "warp hello: GET /health" "$hello_base/health"
measure "GET /health" "$base/health"
measure "GET /api/v1/tasks/50" "${auth[@]}" "$base/api/v1/tasks/50"
measure "GET /api/v1/tasks?limit=20" "${auth[@]}" "$base/api/v1/tasks?limit=20"
measure "POST /api/v1/tasks" -s "$work/create.lua" "${auth[@]}" "$base/api/v1/tasks"
measure "PATCH /api/v1/tasks/{id}" -s "$work/update.lua" "${auth[@]}" "$base/api/v1/tasks/1"
measure "PATCH complete a repeating task" -s "$work/complete.lua" "${auth[@]}" "$base/api/v1/tasks/1"
# One client completing repeating tasks while the others keep up the PATCH
# write load: the completion's own latency under that load.
wrk --latency -t1 -c$((CONNECTIONS - 1)) -d"$DURATION" -s "$work/update.lua" "${auth[@]}" \
  "$base/api/v1/tasks/1" > "$work/load.out" &
load=$!
(CONNECTIONS=1 THREADS=1 run "complete a repeating task, 1 connection under $((CONNECTIONS - 1)) PATCHing" \
  -s "$work/complete.lua" "${auth[@]}" "$base/api/v1/tasks/1") |
  awk -F'|' 'BEGIN {OFS="|"} {print $1, $2, $3, " – ", $4, $5, $6, ""}'
wait "$load"
echo "(the PATCH load meanwhile: $(awk '/Requests\/sec/ {print $2}' "$work/load.out") requests/s, p99 $(awk '$1 == "99%" {print $2}' "$work/load.out"))"
echo
echo "taskd peak RSS: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$pid/status")"
