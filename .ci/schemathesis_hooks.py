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


def _lower(tags):
    return [tag.strip().lower() if isinstance(tag, str) else tag for tag in tags]


def _unique(tags):
    seen, kept = set(), []
    for tag, key in zip(tags, _lower(tags)):
        if isinstance(key, str) and key in seen:
            continue
        seen.add(key) if isinstance(key, str) else None
        kept.append(tag)
    return kept


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Rules across fields, as the descriptions state, applied to every
    case of every phase just before it is sent: at most one of due_date and
    due_at; tags or add_tags/remove_tags, not both; no tag twice, nor both
    added and removed. And a cursor is opaque: only the server makes valid
    ones (the end-to-end tests follow them), so generated ones are dropped."""
    body = case.body
    if isinstance(body, dict):
        if body.get("due_date") is not None and body.get("due_at") is not None:
            del body["due_at"]
        if "tags" in body and ("add_tags" in body or "remove_tags" in body):
            body.pop("add_tags", None)
            body.pop("remove_tags", None)
        for name in ("tags", "add_tags", "remove_tags"):
            if isinstance(body.get(name), list):
                body[name] = _unique(body[name])
        added, removed = body.get("add_tags"), body.get("remove_tags")
        if isinstance(added, list) and isinstance(removed, list):
            taken = set(key for key in _lower(added) if isinstance(key, str))
            body["remove_tags"] = [tag for tag, key in zip(removed, _lower(removed)) if key not in taken]
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
