#!/usr/bin/env bash
# Imports and exports under load, on a release taskd on SQLite:
# 1. reads (GET /api/v1/tasks/50 of one user, wrk -t1 -c32) alone, then
#    while 20 clients export another user's 100,000 tasks over and over
#    (two exports run per user; the others are refused with 503 and retry
#    after its Retry-After);
# 2. taskd's peak memory (VmHWM) for the largest import it accepts: 20 MiB
#    of tasks with every field at its longest, a dry run;
# 3. its memory while STALLED clients (100) ask for that user's export with a
#    4 KiB receive window and never read, and after SEND_STALL_TIMEOUT.
#
#   bash bench/transfers.sh
#   DURATION=10s bash bench/transfers.sh
#
# Needs wrk, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
EXPORTERS=${EXPORTERS:-20}
STALLED=${STALLED:-100}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

. bench/taskd.sh
pid=
loops=()
trap 'kill $pid "${loops[@]}" 2>/dev/null || true' EXIT
start_taskd SEND_STALL_TIMEOUT=5

memory() { awk -v field="$1:" '$1 == field {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status"; }
# Starts a new peak (VmHWM) from the memory in use now (Linux 4.0+).
new_peak() { echo 5 > "/proc/$pid/clear_refs"; }

echo "seeding 100,000 tasks for the exporting user…" >&2
exporter=$(python3 - "$base" <<'PY'
import json, sys, urllib.parse, urllib.request
base = sys.argv[1] + "/api/v1"
def call(path, body, headers):
    return json.load(urllib.request.urlopen(urllib.request.Request(base + path, body, headers), timeout=600))
user = {"email": "exporter@example.com", "password": "password123"}
call("/auth/register", json.dumps(user).encode(), {"Content-Type": "application/json"})
form = urllib.parse.urlencode({"username": user["email"], "password": user["password"]}).encode()
token = call("/auth/login", form, {})["access_token"]
tasks = [{"id": n, "title": f"exported task number {n}", "description": "seeded for the transfer benchmark",
          "tags": ["export", "bench"], "priority": "medium"} for n in range(100000)]
document = json.dumps({"format": "taskd-export", "version": 1, "tasks": tasks}).encode()
call("/import", document, {"Content-Type": "application/json", "Authorization": "Bearer " + token})
print(token)
PY
)
size=$(curl -fsS -H "Authorization: Bearer $exporter" "$base/api/v1/export" | wc -c)

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), $(nproc) cores;" \
  "the export is $(( size / 1024 )) KiB"
echo
echo "| GET /api/v1/tasks/50 | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
reads "alone"
new_peak
for n in $(seq "$EXPORTERS"); do
  ( while :; do
      code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $exporter" \
        "$base/api/v1/export" 2>/dev/null || true)
      echo "$code" >> "$work/exports.$n"
      if [ "$code" = 503 ]; then sleep 5; fi
    done ) &
  loops+=($!)
done
reads "during $EXPORTERS export loops"
kill "${loops[@]}" 2>/dev/null || true
wait "${loops[@]}" 2>/dev/null || true
loops=()
# The loops' downloads still under way.
pkill -f "$base/api/v1/export" 2>/dev/null || true
echo
echo "exports: $(cat "$work"/exports.* | grep -c '^200' || true) sent whole (200)," \
  "$(cat "$work"/exports.* | grep -c '^503' || true) refused (503)," \
  "$(cat "$work"/exports.* | grep -vc '^200\|^503' || true) other; peak memory meanwhile $(memory VmHWM)"

echo
echo "the largest import taskd accepts (a dry run)…" >&2
before=$(memory VmRSS); new_peak
python3 - "$base" "$exporter" > "$work/import.txt" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1] + "/api/v1", sys.argv[2]
# Every field at its longest: 255-character title, 2,000-character
# description, 32 tags of 64 characters; as many as fit in 20 MiB.
task = {"title": "t" * 255, "description": "d" * 2000, "priority": "high",
        "due_date": "2030-01-01", "tags": [f"{n:02d}" + "g" * 62 for n in range(32)]}
entry = len(json.dumps(dict(task, id=99999))) + 1
count = (20 * 1024 * 1024 - 100) // entry
document = json.dumps({"format": "taskd-export", "version": 1, "user": {"email": "other@example.com"},
                       "tasks": [dict(task, id=n) for n in range(count)]}).encode()
request = urllib.request.Request(base + "/import?dry_run=true", document,
                                 {"Content-Type": "application/json", "Authorization": "Bearer " + token})
report = json.load(urllib.request.urlopen(request, timeout=600))
print(f"{len(document) / 1048576:.1f} MiB, {count} tasks, would create {report['created']}")
PY
echo "largest import: $(cat "$work/import.txt"); memory $before before, peak $(memory VmHWM), $(memory VmRSS) after"
before=$(memory VmRSS); new_peak
python3 - "$base" "$exporter" > "$work/import.txt" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1] + "/api/v1", sys.argv[2]
# As many entries as taskd takes: 100,000 of Taskwarrior's, small ones.
document = json.dumps([{"uuid": f"{n:08d}-0000-4000-8000-000000000000", "description": f"entry {n}",
                        "status": "pending"} for n in range(100000)]).encode()
for _ in range(5):
    request = urllib.request.Request(base + "/import?dry_run=true", document,
                                     {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    report = json.load(urllib.request.urlopen(request, timeout=600))
print(f"{len(document) / 1048576:.1f} MiB, 100000 entries, would create {report['created']}, five times")
PY
echo "most entries: $(cat "$work/import.txt"); memory $before before, peak $(memory VmHWM), $(memory VmRSS) after"
new_peak

echo "$STALLED stalled exports…" >&2
python3 - "$base" "$exporter" "$STALLED" "$pid" <<'PY'
import socket, sys, time, urllib.parse
base, token, count, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
host, port = urllib.parse.urlparse(base).hostname, urllib.parse.urlparse(base).port
def rss(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return f"{int(line.split()[1]) / 1024:.0f} MiB"
sockets, answers = [], {}
for _ in range(count):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, port))
    s.sendall(f"GET /api/v1/export HTTP/1.1\r\nHost: taskd\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    status = s.recv(12)[9:12].decode()
    answers[status] = answers.get(status, 0) + 1
    sockets.append(s)
print(f"stalled exports: answers {answers}; memory {rss('VmRSS')}, peak since the imports {rss('VmHWM')}")
# SEND_STALL_TIMEOUT=5: every stalled one is closed by then.
time.sleep(7)
print(f"after SEND_STALL_TIMEOUT: memory {rss('VmRSS')}, peak {rss('VmHWM')}")
PY
