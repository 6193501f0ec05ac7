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
