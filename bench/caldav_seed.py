"""Seeds a CalDAV calendar for bench/caldav.sh and prints what the wrk
scripts need.

  python3 caldav_seed.py seed BASE CALENDAR_PATH USER PASSWORD COUNT
      PUTs COUNT tasks named task-N.ics (UID bench-N).
  python3 caldav_seed.py token BASE CALENDAR_PATH USER PASSWORD
      prints the calendar's current sync token.
  python3 caldav_seed.py change BASE CALENDAR_PATH USER PASSWORD COUNT
      rewrites tasks 1..COUNT with a new summary.
"""

import base64
import http.client
import re
import sys
import urllib.parse

command, base, calendar, user, password = sys.argv[1:6]
where = urllib.parse.urlsplit(base)
connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
credential = base64.b64encode(f"{user}:{password}".encode()).decode()


def call(method, path, body=b"", headers=None):
    every = {"Authorization": f"Basic {credential}", **(headers or {})}
    connection.request(method, path, body=body, headers=every)
    answer = connection.getresponse()
    text = answer.read()
    if answer.status >= 300:
        raise SystemExit(f"{method} {path}: {answer.status} {text[:300]!r}")
    return text


def todo(n, summary):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//taskd bench//EN\r\nBEGIN:VTODO\r\n"
        f"UID:bench-{n}\r\nDTSTAMP:20261201T090000Z\r\nSUMMARY:{summary}\r\n"
        f"DUE;VALUE=DATE:2030{(n % 12) + 1:02d}{(n % 28) + 1:02d}\r\nPRIORITY:5\r\n"
        "CATEGORIES:bench\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    ).encode()


if command == "seed":
    for n in range(1, int(sys.argv[6]) + 1):
        call("PUT", f"{calendar}task-{n}.ics", todo(n, f"Task {n}"), {"Content-Type": "text/calendar"})
elif command == "change":
    for n in range(1, int(sys.argv[6]) + 1):
        call("PUT", f"{calendar}task-{n}.ics", todo(n, f"Task {n}, changed"), {"Content-Type": "text/calendar"})
elif command == "token":
    body = b'<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>'
    text = call("PROPFIND", calendar, body, {"Depth": "0", "Content-Type": "application/xml"}).decode()
    print(re.search(r"<[^>]*sync-token>([^<]+)<", text).group(1))
