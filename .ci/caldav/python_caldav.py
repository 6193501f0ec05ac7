"""python caldav (the RFC 4791 client library) against a taskd: discovery
from the server's root URL, lists as calendars, todos created, read,
completed, searched and deleted, and what taskd keeps of them; calendars
renamed, made (MKCALENDAR) and deleted; a search by time range.

Usage: python3 python_caldav.py URL EMAIL APP_PASSWORD
"""

import datetime
import sys

import caldav

url, email, app_password = sys.argv[1:4]
client = caldav.DAVClient(url=url + "/", username=email, password=app_password)

# Discovery from the root: the principal, then the calendars (one per list).
principal = client.principal()
calendars = principal.calendars()
names = sorted(calendar.get_display_name() for calendar in calendars)
assert names == ["Errands", "Tasks"], names
calendar = next(c for c in calendars if c.get_display_name() == "Tasks")

# A todo written by the client comes back with what it wrote.
todo = calendar.save_todo(
    summary="Buy milk",
    due=datetime.date(2030, 12, 1),
    priority=1,
    categories=["shop"],
    uid="milk-1",
    location="Corner shop",
)
read_back = calendar.todo_by_uid("milk-1").icalendar_component
# Every property it wrote, with the value it wrote (but the stamp).
for name, value in todo.icalendar_component.property_items(recursive=False):
    if name in ("BEGIN", "END", "DTSTAMP"):
        continue
    kept = [v.to_ical() for n, v in read_back.property_items(recursive=False) if n == name]
    assert value.to_ical() in kept, (name, value.to_ical(), kept)
assert str(read_back["summary"]) == "Buy milk", read_back
assert str(read_back["location"]) == "Corner shop", read_back
assert read_back["due"].dt == datetime.date(2030, 12, 1), read_back["due"]
assert int(read_back["priority"]) == 1

calendar.save_todo(summary="Call the bank", uid="bank-1")
open_summaries = sorted(str(t.icalendar_component["summary"]) for t in calendar.todos())
assert open_summaries == ["Buy milk", "Call the bank"], open_summaries

# Completed: gone from the open todos, there with the completed ones.
calendar.todo_by_uid("milk-1").complete()
open_summaries = [str(t.icalendar_component["summary"]) for t in calendar.todos()]
assert open_summaries == ["Call the bank"], open_summaries
every = sorted(
    str(t.icalendar_component["summary"]) for t in calendar.todos(include_completed=True)
)
assert every == ["Buy milk", "Call the bank"], every

# A search by time range: what is due in it.
calendar.save_todo(summary="Dentist", uid="dentist-1", due=datetime.datetime(2030, 6, 10, 17, 0, tzinfo=datetime.timezone.utc))
calendar.save_todo(summary="Taxes", uid="taxes-1", due=datetime.datetime(2030, 6, 17, 9, 0, tzinfo=datetime.timezone.utc))
found = calendar.search(
    todo=True,
    start=datetime.datetime(2030, 6, 10, tzinfo=datetime.timezone.utc),
    end=datetime.datetime(2030, 6, 11, tzinfo=datetime.timezone.utc),
)
found_summaries = sorted(str(t.icalendar_component["summary"]) for t in found)
assert "Dentist" in found_summaries and "Taxes" not in found_summaries, found_summaries
for uid in ("dentist-1", "taxes-1"):
    calendar.todo_by_uid(uid).delete()

# An edit keeps what taskd does not map.
milk = calendar.todo_by_uid("milk-1")
milk.icalendar_component["summary"] = "Buy oat milk"
milk.save()
again = calendar.todo_by_uid("milk-1").icalendar_component
assert str(again["summary"]) == "Buy oat milk"
assert str(again["location"]) == "Corner shop"

# Incremental sync on sync tokens: nothing, then exactly what changed.
synced = calendar.objects_by_sync_token(load_objects=True)
assert len(list(synced)) == 2
unchanged = calendar.objects_by_sync_token(sync_token=synced.sync_token, load_objects=True)
assert len(list(unchanged)) == 0, list(unchanged)
calendar.save_todo(summary="Water the plants", uid="plants-1")
changed = calendar.objects_by_sync_token(sync_token=synced.sync_token, load_objects=True)
changed_summaries = [str(o.icalendar_component["summary"]) for o in changed]
assert changed_summaries == ["Water the plants"], changed_summaries
calendar.todo_by_uid("plants-1").delete()

# Deleted: not found any more.
calendar.todo_by_uid("bank-1").delete()
left = sorted(
    str(t.icalendar_component["summary"]) for t in calendar.todos(include_completed=True)
)
assert left == ["Buy oat milk"], left
try:
    calendar.todo_by_uid("bank-1")
except caldav.lib.error.NotFoundError:
    pass
else:
    raise AssertionError("a deleted todo is still found")

# A calendar renamed (PROPPATCH) and one deleted, its list with it.
from caldav.elements import dav

errands = next(c for c in principal.calendars() if c.get_display_name() == "Errands")
errands.set_properties([dav.DisplayName("Chores")])
names = sorted(c.get_display_name() for c in principal.calendars())
assert names == ["Chores", "Tasks"], names
errands.delete()
names = [c.get_display_name() for c in principal.calendars()]
assert names == ["Tasks"], names

# A calendar made by the client (MKCALENDAR), at the path it chose.
made = principal.make_calendar(
    name="Garden", cal_id="garden-1", supported_calendar_component_set=["VTODO"]
)
assert made.url.path.rstrip("/").endswith("/garden-1"), made.url
made.save_todo(summary="Plant tulips", uid="tulips-1")
garden = next(c for c in principal.calendars() if c.get_display_name() == "Garden")
assert garden.url.path == made.url.path, (garden.url, made.url)
assert [str(t.icalendar_component["summary"]) for t in garden.todos()] == ["Plant tulips"]
try:
    principal.make_calendar(name="Events", cal_id="events-1", supported_calendar_component_set=["VEVENT"])
except caldav.lib.error.AuthorizationError:
    pass
else:
    raise AssertionError("an events-only calendar was made")
garden.delete()
names = [c.get_display_name() for c in principal.calendars()]
assert names == ["Tasks"], names

print("python caldav: discovery, calendars, create, read, complete, search, time range, edit, sync tokens, delete, calendars renamed, made and deleted: ok")
