"""What taskd's `format: password` means, for schemathesis.

A password is at least 8 characters and at most 72 bytes in UTF-8 (bcrypt's
limit), without NUL (bcrypt would stop reading at it). JSON Schema's maxLength counts characters, so the schema can only say
`maxLength: 72`; this strategy generates passwords that also fit in 72 bytes,
as the schema's description states.
"""

from hypothesis import strategies as st

import schemathesis

MAX_BYTES = 72


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= MAX_BYTES


def _no_nul(text: str) -> bool:
    return "\x00" not in text


schemathesis.openapi.format(
    "password",
    st.one_of(
        # Any characters: 18 of them fit even at 4 bytes each.
        st.text(min_size=8, max_size=MAX_BYTES // 4),
        # ASCII up to the full 72.
        st.text(alphabet=st.characters(max_codepoint=0x7F), min_size=8, max_size=MAX_BYTES),
        # Mixed text near the limit.
        st.text(min_size=8, max_size=MAX_BYTES).filter(_fits),
    ).filter(_no_nul),
)


# Planning fields. Their rules need more than JSON Schema's keywords say
# exactly (real calendar days, IANA zone names, tags compared ignoring case),
# so the document names a format for each and these strategies generate
# values that follow the rules the descriptions state.

import datetime
import string
import unicodedata
import uuid

FIRST_DAY = datetime.date(2, 1, 1)
LAST_DAY = datetime.date(9998, 12, 31)
DAYS = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)

schemathesis.openapi.format("date", DAYS.map(lambda day: f"{day.year:04d}-{day.month:02d}-{day.day:02d}"))


def _instant(parts):
    day, hour, minute, second, fraction, offset = parts
    text = f"{day.year:04d}-{day.month:02d}-{day.day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if fraction:
        text += "." + fraction
    return text + offset


OFFSETS = st.one_of(
    st.just("Z"),
    st.builds(
        lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
)
schemathesis.openapi.format(
    "date-time",
    st.tuples(
        DAYS,
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
        st.text(alphabet=string.digits, max_size=9),
        OFFSETS,
    ).map(_instant),
)

TAG_CHARACTERS = string.ascii_lowercase + string.digits + "-_.:/" + "éßж"
schemathesis.openapi.format("tag", st.text(alphabet=TAG_CHARACTERS, min_size=1, max_size=64))

schemathesis.openapi.format(
    "iana-time-zone",
    st.sampled_from(["UTC", "Europe/Paris", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]),
)

schemathesis.openapi.format(
    "search",
    st.lists(st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10), min_size=1, max_size=16)
    .map(" ".join),
)

SORT_KEYS = ["id", "created_at", "updated_at", "due", "priority", "title"]
schemathesis.openapi.format(
    "task-sort",
    st.lists(st.sampled_from(SORT_KEYS), min_size=1, max_size=6, unique=True).flatmap(
        lambda keys: st.tuples(*[st.sampled_from(["", "-"]) for _ in keys]).map(
            lambda signs: ",".join(sign + key for sign, key in zip(signs, keys))
        )
    ),
)


TAG_SYMBOLS = set("-_.:/")
ZONES = {"UTC", "Europe/Paris", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"}
SORT_NAMES = {"id", "created_at", "updated_at", "due", "priority", "title"}


def _tag(value):
    """The tag as the server stores it, or None when the server refuses it."""
    if not isinstance(value, str):
        return None
    tag = value.strip(" ").lower()
    if not 1 <= len(tag) <= 64:
        return None
    if not all(c.isascii() and (c.isalnum() or c in TAG_SYMBOLS) or (not c.isascii() and c.isalpha()) for c in tag):
        return None
    return tag


def _clean_tags(tags):
    """Valid tags only, once each. A list longer than the limit is left as
    it is: it is refused for its length whatever its items."""
    if not isinstance(tags, list) or len(tags) > 32:
        return tags
    kept, seen = [], set()
    for value in tags:
        tag = _tag(value)
        if tag is not None and tag not in seen:
            seen.add(tag)
            kept.append(tag)
    return kept


def _valid_sort(text):
    if not isinstance(text, str):
        return False
    keys = [part[1:] if part.startswith("-") else part for part in text.split(",")]
    return all(key in SORT_NAMES for key in keys) and len(set(keys)) == len(keys)


def _valid_search(text):
    if not isinstance(text, str):
        return False
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return 1 <= len(set(w.lower() for w in words)) <= 16 and len(text) <= 200


def _acceptable_password(value):
    return isinstance(value, str) and len(value) >= 8 and _fits(value) and _no_nul(value)


def _negative_body(case):
    meta = getattr(case, "meta", None)
    try:
        return any(
            str(getattr(location, "value", location)) == "body" and info.mode.is_negative
            for location, info in meta.components.items()
        )
    except AttributeError:
        return False


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """The rules the descriptions state and JSON Schema cannot (or, for
    custom formats, schemathesis does not always follow), applied to every
    case of every phase just before it is sent: tags as the server reads
    them, once each, never both added and removed; at most one of due_date
    and due_at; tags or add_tags/remove_tags, not both; a time zone from the
    IANA database; a well-formed sort and search; a fresh idempotency key.
    A cursor (of a listing or of the change feed) is opaque: only the
    server makes valid ones (the end-to-end tests follow them), so
    generated ones are dropped."""
    body = case.body
    if isinstance(body, dict) and _negative_body(case) and _acceptable_password(body.get("password")):
        # schemathesis takes any value drawn for a negated custom format to
        # violate it; one that the password rules accept is replaced by
        # another acceptable one, so the case is judged by what it sends.
        body["password"] = "fuzzed-" + uuid.uuid4().hex
    if isinstance(body, dict):
        if body.get("due_date") is not None and body.get("due_at") is not None:
            del body["due_at"]
        if "tags" in body and ("add_tags" in body or "remove_tags" in body):
            body.pop("add_tags", None)
            body.pop("remove_tags", None)
        for name in ("tags", "add_tags", "remove_tags"):
            if name in body:
                body[name] = _clean_tags(body[name])
        added, removed = body.get("add_tags"), body.get("remove_tags")
        if isinstance(added, list) and isinstance(removed, list) and len(removed) <= 32:
            body["remove_tags"] = [tag for tag in removed if tag not in added]
        if isinstance(body.get("timezone"), str) and body["timezone"] not in ZONES:
            body["timezone"] = "UTC"
        # Which lists and live tasks there are, how deep a tree goes and
        # that a subtask stays in its parent's list are the account's state,
        # which no schema can say: a list or parent is sent only to clear
        # it (the end-to-end tests place tasks in lists and trees).
        for name in ("list_id", "parent_id"):
            if body.get(name) is not None:
                del body[name]
        # A UID is unique among the account's tasks (409 for one taken): a
        # fresh one, as a client makes it, so that the fuzzer's repeated
        # values do not collide (the end-to-end tests cover duplicates).
        uid = body.get("uid")
        if (
            isinstance(uid, str)
            and 1 <= len(uid) <= 255
            and not any(unicodedata.category(c) == "Cc" for c in uid)
        ):
            body["uid"] = str(uuid.uuid4())
        # A repeat rule is RRULE grammar and, like a reminder before the
        # due, needs the task to have a due, which on a change is the
        # task's state: neither is sent (the end-to-end tests cover both,
        # refusals included).
        if body.get("repeat") is not None:
            del body["repeat"]
        if body.get("reminders"):
            del body["reminders"]
    headers = case.headers
    if headers is not None:
        # A key names one intended create: a fresh one per call. A change
        # guarded by a version the fuzzer cannot know would be refused
        # (412): it guards with "*". Replays, reused keys and stale
        # versions have end-to-end tests.
        for name in list(headers.keys()):
            if name.lower() == "idempotency-key":
                headers[name] = uuid.uuid4().hex
            elif name.lower() == "if-match":
                headers[name] = "*"
    query = case.query
    if isinstance(query, dict):
        query.pop("cursor", None)
        query.pop("since", None)
        if "tag" in query:
            tags = query["tag"] if isinstance(query["tag"], list) else [query["tag"]]
            cleaned = [tag for tag in (_tag(value) for value in tags) if tag is not None]
            if cleaned:
                query["tag"] = cleaned
            else:
                del query["tag"]
        if "sort" in query and not _valid_sort(query["sort"]):
            del query["sort"]
        if "q" in query and not _valid_search(query["q"]):
            del query["q"]
    if isinstance(body, dict) and isinstance(body.get("add_tags"), list):
        _fit_added_tags(case, body)
    if case.method.upper() == "POST" and case.operation.path.endswith("/auth/tokens"):
        _make_room_for_a_token()


def _api(method, path):
    import json
    import os
    import urllib.request

    request = urllib.request.Request(
        f"{os.environ['TASKD_FUZZ_URL']}/api/v1{path}",
        method=method,
        headers={"Authorization": f"Bearer {os.environ['TASKD_FUZZ_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def _make_room_for_a_token():
    """An account holds at most 50 API tokens: a token made past them is
    refused for the account's state, which no schema can say. The oldest
    are revoked first, so a valid body is judged by itself."""
    try:
        tokens = _api("GET", "/auth/tokens")
        for token in tokens[: max(0, len(tokens) - 49)]:
            _api("DELETE", f"/auth/tokens/{int(token['id'])}")
    except Exception:
        return


def _fit_added_tags(case, body):
    """A task holds at most 32 tags, counting those it has: tags added to a
    task the stateful phase filled before would be refused for the task's
    state, which no schema can say. Only as many new tags as fit are sent."""
    import json
    import os
    import urllib.request

    try:
        if case.method.upper() != "PATCH" or not case.operation.path.endswith("/tasks/{id}"):
            return
        task_id = (case.path_parameters or {}).get("id")
        url = f"{os.environ['TASKD_FUZZ_URL']}/api/v1/tasks/{int(task_id)}"
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {os.environ['TASKD_FUZZ_TOKEN']}"}
        )
        current = json.load(urllib.request.urlopen(request, timeout=5))["tags"]
    except Exception:
        # No such task (404 whatever the body), or not a PATCH of one.
        return
    removed = body.get("remove_tags") if isinstance(body.get("remove_tags"), list) else []
    kept = {tag for tag in current if tag not in removed}
    room = 32 - len(kept)
    fitted = []
    for tag in body["add_tags"]:
        if tag in kept or len(fitted) < room:
            fitted.append(tag)
    body["add_tags"] = fitted
