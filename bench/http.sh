#!/usr/bin/env bash
# HTTP benchmark of a release taskd on SQLite: authenticated reads, a page of
# the list, creates, and the health probe, each driven by wrk on loopback.
#
#   bash bench/http.sh              # 10 s per scenario, 2 threads, 16 connections
#   DURATION=30s CONNECTIONS=64 bash bench/http.sh
#
# Needs wrk (Debian: apt-get install wrk). wrk and taskd share the machine, so
# figures are for comparing revisions on one machine, not absolute capacity.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

cargo build --release --locked -p taskd
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
# RUST_LOG=warn keeps request logging out of the measurement.
RUST_LOG=warn NO_COLOR=1 PORT=$port DATABASE_URL="sqlite:///$work/tasks.db" SECRET_KEY=$secret \
  target/release/taskd > "$work/taskd.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
# Ready when the health probe answers.
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/taskd.log"; echo "bench: taskd exited" >&2; exit 1; }
  sleep 0.1
done
base="http://127.0.0.1:$port"

token=$(python3 - "$base" <<'PY'
import json, sys, urllib.parse, urllib.request
base = sys.argv[1] + "/api/v1"
body = json.dumps({"email": "bench@example.com", "password": "password123"}).encode()
urllib.request.urlopen(urllib.request.Request(base + "/auth/register", body, {"Content-Type": "application/json"})).read()
form = urllib.parse.urlencode({"username": "bench@example.com", "password": "password123"}).encode()
token = json.load(urllib.request.urlopen(base + "/auth/login", form))["access_token"]
for n in range(100):
    task = json.dumps({"title": f"task {n}", "description": "seeded for the benchmark"}).encode()
    urllib.request.urlopen(urllib.request.Request(
        base + "/tasks", task, {"Content-Type": "application/json", "Authorization": "Bearer " + token})).read()
print(token)
PY
)

cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"from wrk","description":"benchmark"}'
LUA

run() {
  local name=$1; shift
  local out
  out=$(wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx or 3xx responses/ {print $5}')
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo
echo "| scenario | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "GET /health" "$base/health"
run "GET /api/v1/tasks/50 (authenticated read)" -H "Authorization: Bearer $token" "$base/api/v1/tasks/50"
run "GET /api/v1/tasks?limit=20" -H "Authorization: Bearer $token" "$base/api/v1/tasks?limit=20"
run "POST /api/v1/tasks" -s "$work/create.lua" -H "Authorization: Bearer $token" "$base/api/v1/tasks"
