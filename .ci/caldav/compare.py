"""caldav-server-tester's reports side by side: Radicale, Radicale behind
the tasks-only front (vtodo_front.py), and taskd. Prints the table of the
features a task client relies on (scheduling, free-busy, principal search,
event- and journal-only features left out) and fails when a feature that
is full on the tasks-only Radicale is not full on taskd.

Usage: python3 compare.py RADICALE.json RADICALE_VTODO_ONLY.json TASKD.json
"""

import json
import re
import sys

LEFT_OUT = re.compile(r"event|journal|freebusy|free-busy|schedul|principal-search")
radicale, front, taskd = (json.load(open(path)) for path in sys.argv[1:4])


def support(report, feature):
    value = report.get(feature)
    if isinstance(value, dict):
        return value.get("support", "full")
    return "-" if value is None else str(value)


features = sorted(f for f in set(radicale) | set(front) | set(taskd) if not LEFT_OUT.search(f))
short = []
print("| feature | Radicale | Radicale VTODO-only | taskd |")
print("|---|---|---|---|")
for feature in features:
    row = [support(report, feature) for report in (radicale, front, taskd)]
    print(f"| `{feature}` | {' | '.join(row)} |")
    if row[1] == "full" and row[2] != "full":
        short.append(f"{feature}: {taskd.get(feature)}")
if short:
    print("\nFull on the tasks-only Radicale, not on taskd:", *short, sep="\n  ", file=sys.stderr)
    sys.exit(1)
full = sum(support(taskd, f) == "full" for f in features)
print(f"\ncaldav-server-tester: {full} of {len(features)} task features full on taskd; "
      "every one full on the tasks-only Radicale is full on taskd", file=sys.stderr)
