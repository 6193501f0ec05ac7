#!/usr/bin/env bash
# Reads during a login flood: authenticated reads alone, then the same reads
# while 32 connections post logins for random emails from random addresses
# (FORWARDED_ALLOW_IPS=127.0.0.1 and a random X-Forwarded-For per request
# stand in for a botnet, which the per-email and per-address limits cannot
# stop). bcrypt at cost 12, as in production.
#
#   bash bench/login-flood.sh
#   DURATION=10s CONNECTIONS=64 bash bench/login-flood.sh
#
# Needs wrk (Debian: apt-get install wrk). wrk and taskd share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

. bench/taskd.sh
flood=
trap 'kill $pid $flood 2>/dev/null || true' EXIT
start_taskd BCRYPT_COST=12 FORWARDED_ALLOW_IPS=127.0.0.1

cat > "$work/flood.lua" <<'LUA'
-- Logins for random emails from random addresses; counts the answers.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init()
  ok, refused, busy, other = 0, 0, 0, 0
end
request = function()
  local address = math.random(1, 223) .. "." .. math.random(0, 255) .. "." ..
    math.random(0, 255) .. "." .. math.random(1, 254)
  local body = "username=flood" .. math.random(1, 1000000000) ..
    "%40example.com&password=not-the-password"
  return wrk.format("POST", "/api/v1/auth/login", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = address,
  }, body)
end
response = function(status)
  if status == 200 then ok = ok + 1
  elseif status == 401 then refused = refused + 1
  elseif status == 503 then busy = busy + 1
  else other = other + 1 end
end
done = function()
  local totals = {0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    totals[1] = totals[1] + thread:get("ok")
    totals[2] = totals[2] + thread:get("refused")
    totals[3] = totals[3] + thread:get("busy")
    totals[4] = totals[4] + thread:get("other")
  end
  io.write(string.format("login answers: 401 (checked, wrong) %d, 503 (refused at once) %d, other %d\n",
    totals[2], totals[3], totals[1] + totals[4]))
end
LUA

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), $(nproc) cores, bcrypt cost 12," \
  "wrk -t1 -c$CONNECTIONS -d$DURATION for each side"
echo
echo "| GET /api/v1/tasks/50 | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
reads "alone"
# The flood runs a little longer than the reads, so it covers them.
wrk -t1 -c"$CONNECTIONS" -d"$(( ${DURATION%s} + 2 ))s" -s "$work/flood.lua" "$base" \
  > "$work/flood.txt" 2>&1 &
flood=$!
sleep 1
reads "during the login flood"
wait "$flood" || true
flood=
echo
echo "flood: $(awk '/Requests\/sec/ {print $2}' "$work/flood.txt") answers/s;" \
  "$(grep 'login answers' "$work/flood.txt")"
