#!/usr/bin/env bash
# Listing at scale: a release taskd on SQLite with 100,000 tasks for one user
# and 100,000 for another, across 20 lists each, a fifth of them subtasks,
# read by wrk: the first page, a page deep in the list reached by cursor, a
# filtered and sorted page, a search, one list, top-level tasks and one
# task's subtasks.
#
#   bash bench/listing.sh                  # 10 s per scenario, 8 connections
#   DURATION=30s CONNECTIONS=8 bash bench/listing.sh
#
# Needs wrk and python3. The tasks go in through taskd's own import
# (POST /api/v1/import), so they take every path a written task takes.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
TASKS=${TASKS:-100000}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }

. bench/taskd.sh
pid=
trap 'kill $pid 2>/dev/null || true' EXIT
start_taskd

echo "seeding $TASKS tasks for each of two users…" >&2
python3 - "$base" "$token" "$TASKS" <<'PY'
import datetime, json, random, sys, urllib.parse, urllib.request
base, token, count = sys.argv[1] + "/api/v1", sys.argv[2], int(sys.argv[3])
def call(path, body, headers):
    request = urllib.request.Request(base + path, body, headers)
    return json.load(urllib.request.urlopen(request, timeout=600))
user = {"email": "other@example.com", "password": "password123"}
call("/auth/register", json.dumps(user).encode(), {"Content-Type": "application/json"})
form = urllib.parse.urlencode({"username": user["email"], "password": user["password"]}).encode()
other = call("/auth/login", form, {})["access_token"]
random.seed(7)
words = ("pay rent call bank water plants read paper book flight renew passport "
         "clean kitchen fix bike write report review budget plan trip buy milk "
         "email team update website backup laptop garden fence paint door").split()
tags = ["home", "work", "money", "errand", "health", "car", "family", "garden",
        "shopping", "travel", "admin", "reading", "music", "sport", "kids", "pets",
        "friends", "learning", "cooking", "repair"]
priorities = [None, "low", "medium", "high"]
today = datetime.date.today()
stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400)
for bearer in (token, other):
    tasks = []
    for n in range(count):
        created = start + datetime.timedelta(seconds=n * 300)
        # 20 lists; every fifth task a subtask of the task before it.
        parent = n if n % 5 == 4 else None
        completed = random.random() < 0.3
        task = {"id": n + 1, "title": " ".join(random.sample(words, 3)),
                "description": "seeded for the listing benchmark", "completed": completed,
                "priority": priorities[random.randint(0, 3)],
                "tags": sorted(random.sample(tags, random.randint(0, 3))),
                "created_at": stamp(created), "completed_at": stamp(created) if completed else None,
                "list": "List %d" % (n % 20 + 1)}
        if parent is not None:
            task["parent_id"] = parent
            task["list"] = tasks[-1]["list"]
        roll = random.random()
        if roll < 0.5:
            task["due_date"] = (today + datetime.timedelta(days=random.randint(-200, 200))).isoformat()
        elif roll < 0.6:
            at = datetime.datetime.combine(today, datetime.time(9), datetime.timezone.utc) \
                + datetime.timedelta(hours=random.randint(-4800, 4800))
            task["due_at"] = stamp(at)
        tasks.append(task)
    # An import takes at most 20 MiB: 25,000 of these tasks are about 7 MB.
    for first in range(0, count, 25000):
        document = {"format": "taskd-export", "version": 1, "tasks": tasks[first:first + 25000]}
        report = call("/import", json.dumps(document).encode(),
                      {"Content-Type": "application/json", "Authorization": "Bearer " + bearer})
        if report.get("errors"):
            sys.exit("bench: the import refused entries: %s" % report["errors"][:3])
PY

auth=(-H "Authorization: Bearer $token")
deep=$(curl -fsS -D - -o /dev/null "${auth[@]}" "$base/api/v1/tasks?limit=200&skip=$((TASKS * 9 / 10))" |
  tr -d '\r' | sed -n 's/^link: <\([^>]*\)>; rel="next".*/\1/Ip' | sed 's/limit=200/limit=20/')
[ -n "$deep" ] || { echo "bench: no next link on the deep page" >&2; exit 1; }

echo
echo "taskd $(target/release/taskd --version | cut -d' ' -f2), $(nproc) cores, $TASKS tasks for each of 2 users, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo
echo "| scenario | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "first page: /tasks?limit=20" "${auth[@]}" "$base/api/v1/tasks?limit=20"
run "deep page by cursor (90%)" "${auth[@]}" "$base$deep"
run "filtered: completed=false&tag=home&sort=due" "${auth[@]}" "$base/api/v1/tasks?completed=false&tag=home&sort=due&limit=20"
run "search: q=pass" "${auth[@]}" "$base/api/v1/tasks?q=pass&limit=20"
run "search, two words: q=bank+call" "${auth[@]}" "$base/api/v1/tasks?q=bank+call&limit=20"
list=$(curl -fsS "${auth[@]}" "$base/api/v1/lists" | python3 -c "import json,sys; print([l['id'] for l in json.load(sys.stdin) if l['name'] == 'List 7'][0])")
parent=$(curl -fsS "${auth[@]}" "$base/api/v1/tasks?parent_id=none&limit=1&skip=$((TASKS / 2 / 5 * 4))" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
run "one list of 20: list_id=N" "${auth[@]}" "$base/api/v1/tasks?list_id=$list&limit=20"
run "top-level tasks: parent_id=none" "${auth[@]}" "$base/api/v1/tasks?parent_id=none&limit=20"
run "one task's subtasks: parent_id=N" "${auth[@]}" "$base/api/v1/tasks?parent_id=$parent&limit=20"
