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

. bench/taskd.sh
pid=
trap 'kill $pid 2>/dev/null || true' EXIT
start_taskd

cat > "$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"from wrk","description":"benchmark"}'
LUA

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo
echo "| scenario | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "GET /health" "$base/health"
run "GET /api/v1/tasks/50 (authenticated read)" -H "Authorization: Bearer $token" "$base/api/v1/tasks/50"
run "GET /api/v1/tasks?limit=20" -H "Authorization: Bearer $token" "$base/api/v1/tasks?limit=20"
run "POST /api/v1/tasks" -s "$work/create.lua" -H "Authorization: Bearer $token" "$base/api/v1/tasks"
