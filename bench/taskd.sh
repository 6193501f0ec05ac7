# Sourced by the benchmarks: starts a release taskd on a fresh SQLite file
# and seeds one user with 100 tasks. Extra settings come as VAR=value
# arguments to start_taskd. Sets work, pid, base and token. `run NAME
# WRK-ARGS…` drives one scenario with wrk (THREADS, CONNECTIONS, DURATION)
# and prints it as a table row; `reads NAME` does so for the seeded user's
# GET /api/v1/tasks/50 with one wrk thread (rate, p50, p99).

start_taskd() {
  cargo build --release --locked -p taskd
  work=$(mktemp -d)
  local port secret
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  # RUST_LOG=warn keeps request logging out of the measurement.
  env RUST_LOG=warn NO_COLOR=1 PORT="$port" DATABASE_URL="sqlite:///$work/tasks.db" \
    SECRET_KEY="$secret" "$@" target/release/taskd > "$work/taskd.log" 2>&1 &
  pid=$!
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
}

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

reads() {
  local out rps p50 p99
  out=$(wrk --latency -t1 -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $token" \
    "$base/api/v1/tasks/50")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  printf '| %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99"
}
