#!/usr/bin/env bash
# CalDAV benchmark: the same workload against a release taskd (SQLite) and
# Radicale (from PyPI, on this machine), one server driven at a time:
#   - PROPFIND Depth 1 of a 1,000-task calendar,
#   - calendar-multiget of 100 tasks,
#   - sync-collection from a token 10 changes old,
#   - PUT of a new task, and PUT of a changed one.
# Each row gives both servers' rates and p99, and taskd's rate as a
# multiple of Radicale's (the ratio holds on a shared machine where
# absolute figures move by ±15%).
#
#   bash bench/caldav.sh                  # 5 s per scenario, 1 thread, 4 connections
#   DURATION=10s CONNECTIONS=8 bash bench/caldav.sh
#
# Needs wrk (Debian: apt-get install wrk) and python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-4}
RADICALE_VERSION=3.9.0
TASKS=1000
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

venv=target/bench-venv/radicale
if ! "$venv/bin/python" -c "from importlib.metadata import version; import sys; sys.exit(version('radicale') != '$RADICALE_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "radicale==$RADICALE_VERSION"
fi

. bench/taskd.sh
pid=
radicale=
trap 'kill $pid $radicale 2>/dev/null || true' EXIT
start_taskd BCRYPT_COST=4
read -r email app_password < <(python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def call(path, body=None):
    request = urllib.request.Request(base + "/api/v1" + path, None if body is None else json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(request))
print(call("/auth/me")["email"], call("/auth/tokens", {"name": "bench", "scopes": ["caldav"]})["token"])
PY
)
user_id=$(curl -fsS "$base/api/v1/auth/me" -H "Authorization: Bearer $token" | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
# A calendar of its own for the 1,000 tasks (the default list holds the 100 seeded ones).
taskd_calendar="/dav/calendars/$user_id/bench/"
curl -fsS -u "$email:$app_password" -X MKCALENDAR "$base$taskd_calendar" > /dev/null

radicale_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/radicale" --server-hosts "127.0.0.1:$radicale_port" --storage-filesystem-folder "$work/radicale" \
  --auth-type none --logging-level warning > "$work/radicale.log" 2>&1 &
radicale=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null -X OPTIONS "http://127.0.0.1:$radicale_port/" 2>/dev/null && break
  sleep 0.1
done
radicale_base="http://127.0.0.1:$radicale_port"
radicale_calendar="/bench/tasks/"
# Radicale makes the principal's collection at the first request.
curl -fsS -u "bench:x" -X PROPFIND -H "Depth: 0" "$radicale_base/bench/" > /dev/null
curl -fsS -u "bench:x" -X MKCALENDAR "$radicale_base$radicale_calendar" > /dev/null

echo "seeding $TASKS tasks into each server…" >&2
"$venv/bin/python" bench/caldav_seed.py seed "$base" "$taskd_calendar" "$email" "$app_password" "$TASKS"
"$venv/bin/python" bench/caldav_seed.py seed "$radicale_base" "$radicale_calendar" bench x "$TASKS"

# A wrk script sending one XML request: $1 file, $2 method, $3 Depth (or
# none), $4 body.
xml_script() {
  {
    echo "wrk.method = \"$2\""
    [ -n "$3" ] && echo "wrk.headers[\"Depth\"] = \"$3\""
    echo 'wrk.headers["Content-Type"] = "application/xml"'
    echo "wrk.body = '$4'"
  } > "$1"
}

# The wrk scripts, per server: $1 scripts' folder, $2 calendar path, $3 sync token.
scripts() {
  local dir=$1 calendar=$2 token=$3
  mkdir -p "$dir"
  local hrefs=""
  for n in $(seq 1 10 1000); do hrefs+="<d:href>${calendar}task-$n.ics</d:href>"; done
  xml_script "$dir/propfind.lua" PROPFIND 1 \
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
  xml_script "$dir/multiget.lua" REPORT 1 \
    "<c:calendar-multiget xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:prop><d:getetag/><c:calendar-data/></d:prop>$hrefs</c:calendar-multiget>"
  xml_script "$dir/sync.lua" REPORT "" \
    "<d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>$token</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
  cat > "$dir/put-new.lua" <<'LUA'
-- Each request a new task, named and UID'd by thread and count.
local n = 0
local id = tostring(math.random(1, 1e9))
wrk.headers["Content-Type"] = "text/calendar"
request = function()
  n = n + 1
  local uid = "new-" .. id .. "-" .. n
  return wrk.format("PUT", CALENDAR .. uid .. ".ics", nil,
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//taskd bench//EN\r\nBEGIN:VTODO\r\nUID:" .. uid ..
    "\r\nDTSTAMP:20261201T090000Z\r\nSUMMARY:New task " .. n .. "\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
end
LUA
  cat > "$dir/put-changed.lua" <<'LUA'
-- Each request rewrites one of tasks 101..200 with a new summary.
local n = 0
wrk.headers["Content-Type"] = "text/calendar"
request = function()
  n = n + 1
  local k = 101 + n % 100
  return wrk.format("PUT", CALENDAR .. "task-" .. k .. ".ics", nil,
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//taskd bench//EN\r\nBEGIN:VTODO\r\nUID:bench-" .. k ..
    "\r\nDTSTAMP:20261201T090000Z\r\nSUMMARY:Task " .. k .. " edit " .. n .. "\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
end
LUA
  sed -i "1i CALENDAR = \"$calendar\"" "$dir/put-new.lua" "$dir/put-changed.lua"
}
# Tokens 10 changes old.
taskd_token=$("$venv/bin/python" bench/caldav_seed.py token "$base" "$taskd_calendar" "$email" "$app_password")
radicale_token=$("$venv/bin/python" bench/caldav_seed.py token "$radicale_base" "$radicale_calendar" bench x)
"$venv/bin/python" bench/caldav_seed.py change "$base" "$taskd_calendar" "$email" "$app_password" 10
"$venv/bin/python" bench/caldav_seed.py change "$radicale_base" "$radicale_calendar" bench x 10
scripts "$work/taskd" "$taskd_calendar" "$taskd_token"
scripts "$work/radicale" "$radicale_calendar" "$radicale_token"

# One scenario on one server: "rate p99".
one() {
  local url=$1 auth=$2 script=$3 out
  out=$(wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Basic $auth" -s "$script" "$url")
  if echo "$out" | grep -q "Non-2xx"; then echo "bench: non-2xx answers from $url ($script)" >&2; echo "$out" >&2; exit 1; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}')"
}
taskd_auth=$(printf '%s' "$email:$app_password" | base64 -w0)
radicale_auth=$(printf '%s' "bench:x" | base64 -w0)

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), Radicale $RADICALE_VERSION, $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo
echo "| scenario | taskd requests/s | taskd p99 | Radicale requests/s | Radicale p99 | taskd ÷ Radicale |"
echo "|---|---|---|---|---|---|"
for scenario in "propfind:PROPFIND Depth 1, $TASKS tasks" "multiget:calendar-multiget of 100" \
  "sync:sync-collection, 10 changes" "put-new:PUT a new task" "put-changed:PUT a changed task"; do
  key=${scenario%%:*}
  read -r t_rate t_p99 < <(one "$base$taskd_calendar" "$taskd_auth" "$work/taskd/$key.lua")
  read -r r_rate r_p99 < <(one "$radicale_base$radicale_calendar" "$radicale_auth" "$work/radicale/$key.lua")
  ratio=$(python3 -c "print(f'{$t_rate / $r_rate:.1f}×')")
  echo "| ${scenario#*:} | $t_rate | $t_p99 | $r_rate | $r_p99 | $ratio |"
done
