#!/usr/bin/env bash
# Listing at scale: a release taskd on SQLite with 100,000 tasks for one user
# and 100,000 for another, read by wrk: the first page, a page deep in the
# list reached by cursor, a filtered and sorted page, and a search.
#
#   bash bench/listing.sh                  # 10 s per scenario, 8 connections
#   DURATION=30s CONNECTIONS=8 bash bench/listing.sh
#
# Needs wrk and python3 (its sqlite3 module writes the tasks straight into
# the database file, through the same triggers taskd's writes go through).
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
python3 - "$base" "$work/tasks.db" "$TASKS" <<'PY'
import datetime, json, random, sqlite3, sys, urllib.request
base, path, count = sys.argv[1] + "/api/v1", sys.argv[2], int(sys.argv[3])
body = json.dumps({"email": "other@example.com", "password": "password123"}).encode()
urllib.request.urlopen(urllib.request.Request(base + "/auth/register", body, {"Content-Type": "application/json"})).read()
random.seed(7)
words = ("pay rent call bank water plants read paper book flight renew passport "
         "clean kitchen fix bike write report review budget plan trip buy milk "
         "email team update website backup laptop garden fence paint door").split()
tags = ["home", "work", "money", "errand", "health", "car", "family", "garden",
        "shopping", "travel", "admin", "reading", "music", "sport", "kids", "pets",
        "friends", "learning", "cooking", "repair"]
today = datetime.date.today()
stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
db = sqlite3.connect(path, timeout=30)
users = [row[0] for row in db.execute("SELECT id FROM users ORDER BY id")]
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400)
for owner in users:
    rows = []
    for n in range(count):
        created = start + datetime.timedelta(seconds=n * 300)
        completed = random.random() < 0.3
        due_date = due_at = due_key = None
        roll = random.random()
        if roll < 0.5:
            day = today + datetime.timedelta(days=random.randint(-200, 200))
            due_date = day.isoformat()
            due_key = day.isoformat() + "T23:59:59.999999Z"
        elif roll < 0.6:
            at = datetime.datetime.combine(today, datetime.time(9), datetime.timezone.utc) \
                + datetime.timedelta(hours=random.randint(-4800, 4800))
            due_at = due_key = stamp(at)
        chosen = sorted(random.sample(tags, random.randint(0, 3)))
        title = " ".join(random.sample(words, 3))
        rows.append((title, "seeded for the listing benchmark", int(completed), owner,
                     stamp(created), stamp(created), random.randint(0, 3), due_date, due_at,
                     due_key, json.dumps(chosen), stamp(created) if completed else None))
    db.executemany(
        "INSERT INTO tasks (title, description, completed, owner_id, created_at, updated_at, "
        "priority, due_date, due_at, due_key, tags, completed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
db.execute("ANALYZE")
db.commit()
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
