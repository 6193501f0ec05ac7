"""vdirsyncer (two-way sync of each list with a folder of .ics files) and
todoman (on that folder) against a taskd: tasks made, edited and deleted
on both sides, a conflict resolved as configured, a calendar made from a
local folder, a second sync that changes nothing, and an object todoman
wrote coming back with every property it wrote.

Usage: python3 vdirsyncer_todoman.py URL EMAIL APP_PASSWORD ACCESS_TOKEN
(run with the Python of the virtual environment holding both.)
"""

import base64
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile
import urllib.request
from xml.etree import ElementTree

import icalendar

url, email, app_password, access_token = sys.argv[1:5]
bin_dir = pathlib.Path(sys.executable).parent
work = pathlib.Path(tempfile.mkdtemp(prefix="taskd-vdirsyncer-"))
calendars = work / "calendars"
calendars.mkdir()

(work / "vdirsyncer.conf").write_text(
    f"""[general]
status_path = "{work}/status/"

[pair tasks]
a = "local"
b = "taskd"
collections = ["from a", "from b"]
# The server's version wins a conflict.
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "{calendars}/"
fileext = ".ics"

[storage taskd]
type = "caldav"
url = "{url}/dav/"
username = "{email}"
password = "{app_password}"
item_types = ["VTODO"]
"""
)
(work / "todoman.py").write_text(
    f"""path = "{calendars}/*"
cache_path = "{work}/todoman-cache.sqlite3"
date_format = "%Y-%m-%d"
time_format = "%H:%M"
default_list = "Tasks"
"""
)


def run(*command, answer=""):
    done = subprocess.run(command, input=answer, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return done.stdout + done.stderr


def vdirsyncer(*args):
    # `discover` asks before making a collection on either side: yes.
    return run(str(bin_dir / "vdirsyncer"), "-c", str(work / "vdirsyncer.conf"), *args, answer="y\n" * 20)


def todo(*args):
    return run(str(bin_dir / "todo"), "-c", str(work / "todoman.py"), *args)


def todos():
    """todoman's open tasks, by summary."""
    listed = json.loads(todo("--porcelain", "list", "--status", "ANY"))
    return {entry["summary"]: entry for entry in listed}


def api(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def server_tasks():
    return {task["title"]: task for task in api("GET", "/tasks?limit=100")}


def local_state():
    """Every local file and its content."""
    return {
        str(path.relative_to(calendars)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(calendars.rglob("*.ics"))
    }


# On the server first: three tasks; then the first sync.
api("POST", "/tasks", {"title": "Server task"})
api("POST", "/tasks", {"title": "Doomed on the server"})
api("POST", "/tasks", {"title": "Doomed locally"})
vdirsyncer("discover")
vdirsyncer("sync")
local = todos()
for title in ("Server task", "Doomed on the server", "Doomed locally"):
    assert title in local, (title, sorted(local))

# Made locally: todoman writes it, vdirsyncer uploads it.
todo("new", "-l", str(local["Server task"]["list"]), "--due", "2030-12-01", "--priority", "high",
     "--location", "Home", "-c", "errands", "Local task")
local = todos()
written_path = pathlib.Path(todo("path", str(local["Local task"]["id"])).strip())
written = icalendar.Calendar.from_ical(written_path.read_bytes())
vdirsyncer("sync")
made = server_tasks()["Local task"]
assert made["due_date"] == "2030-12-01", made
assert made["priority"] == "high", made
assert made["tags"] == ["errands"], made

# Round trip: the object as taskd serves it has every property todoman
# wrote, with the value it wrote (but the stamps taskd moves).
calendar_dir = written_path.parent.name
me = api("GET", "/auth/me")
# vdirsyncer chose the object's name on the server: find it by its UID.
uid = str(written.walk("VTODO")[0]["UID"])
query = f"""<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
<c:prop-filter name="UID"><c:text-match collation="i;octet">{uid}</c:text-match></c:prop-filter>
</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""
credential = base64.b64encode(f"{email}:{app_password}".encode()).decode()
served_request = urllib.request.Request(
    f"{url}/dav/calendars/{me['id']}/{calendar_dir}/",
    data=query.encode(),
    method="REPORT",
    headers={"Authorization": f"Basic {credential}", "Depth": "1", "Content-Type": "application/xml"},
)
with urllib.request.urlopen(served_request) as answer:
    found = ElementTree.fromstring(answer.read())
[served_data] = found.iter("{urn:ietf:params:xml:ns:caldav}calendar-data")
served_text = served_data.text.encode()
served = icalendar.Calendar.from_ical(served_text)
[written_todo] = [c for c in written.walk("VTODO")]
[served_todo] = [c for c in served.walk("VTODO")]
compared = []
for name, value in written_todo.property_items(recursive=False):
    if name in ("BEGIN", "END", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE"):
        continue
    compared.append(name)
    kept = [v for n, v in served_todo.property_items(recursive=False) if n == name]
    assert kept, f"{name} was lost: {served_text.decode()}"
    assert any(v.to_ical() == value.to_ical() for v in kept), (name, value.to_ical(), [v.to_ical() for v in kept])

# Edited on both sides, each side's edit reaches the other.
api("PATCH", f"/tasks/{server_tasks()['Server task']['id']}", {"title": "Server task, edited"})
todo("edit", str(todos()["Local task"]["id"]), "--priority", "low", "--location", "Office")
vdirsyncer("sync")
assert "Server task, edited" in todos(), sorted(todos())
assert server_tasks()["Local task"]["priority"] == "low"

# The same task edited on both sides: the server wins, as configured.
api("PATCH", f"/tasks/{server_tasks()['Local task']['id']}", {"title": "Renamed on the server"})
todo("edit", str(todos()["Local task"]["id"]), "--priority", "medium")
output = vdirsyncer("sync")
assert "conflict" in output.lower(), output
local = todos()
assert "Renamed on the server" in local and "Local task" not in local, sorted(local)
assert server_tasks()["Renamed on the server"]["priority"] == "low"

# Deleted on both sides: gone from both.
api("DELETE", f"/tasks/{server_tasks()['Doomed on the server']['id']}")
todo("delete", "--yes", str(todos()["Doomed locally"]["id"]))
vdirsyncer("sync")
local = todos()
remote = server_tasks()
for title in ("Doomed on the server", "Doomed locally"):
    assert title not in local, (title, sorted(local))
    assert title not in remote, (title, sorted(remote))

# A folder made locally becomes a calendar (extended MKCOL), and its
# tasks the list's.
(calendars / "garden").mkdir()
vdirsyncer("discover")
vdirsyncer("sync")
todo("new", "-l", "garden", "Plant tulips")
vdirsyncer("sync")
lists = {entry["name"]: entry for entry in api("GET", "/lists")}
assert "garden" in lists, sorted(lists)
assert server_tasks()["Plant tulips"]["list_id"] == lists["garden"]["id"]

# A second sync changes nothing, on either side.
before = (local_state(), {t: v["version"] for t, v in server_tasks().items()})
output = vdirsyncer("sync")
after = (local_state(), {t: v["version"] for t, v in server_tasks().items()})
assert before == after, (before, after)
for verb in ("Copying", "Updating", "Deleting"):
    assert verb not in output, output

print("vdirsyncer and todoman: sync both ways, edits, a conflict (server wins), deletions, "
      "a calendar made from a folder, a quiet second sync, todoman's object kept whole "
      f"({', '.join(compared)}): ok")
