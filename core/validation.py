"""The input rules every entry point shares — API schemas (core.api), screen forms and the
master-data import — so a date or a reference the API refuses is refused on a screen too.

- Dates: every date a person or a system types lies in DATE_MIN … DATE_MAX. Dates the portal
  computes from them (need-by = ship date − lead time, available = promised + receiving days)
  add at most the 32,767 days any day count may hold, so they stay far inside what a date can
  hold instead of overflowing into a server error.
- Plain text: references, reasons and notes are one line of visible characters. Line breaks
  split the header of an email; bidirectional overrides and zero-width characters make a
  reference look like another one ("PO-1001" reading as "PO-1010").
"""

import datetime
import re

from django.core.exceptions import ValidationError

DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2099, 12, 31)
DATE_WINDOW_MESSAGE = f"Choose a date from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}."
# The window as a pattern on the ISO date, for the OpenAPI description (2000-01-01 … 2099-12-31).
DATE_PATTERN = r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"

# The characters no reference, reason or note may hold, as (first, last) code points: control
# characters (line breaks and tabs among them), the soft hyphen, the Arabic letter mark, the
# Mongolian vowel separator, zero-width spaces/joiners and direction marks, line and paragraph
# separators, bidirectional embeddings/overrides/isolates, invisible operators, the byte order
# mark and the interlinear annotation marks.
REFUSED_RANGES = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0xAD, 0xAD),
    (0x61C, 0x61C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
)
_CLASS = "".join(
    f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in REFUSED_RANGES
)
_REFUSED = re.compile(f"[{_CLASS}]")
# The same rule as a pattern (ECMA-262 and Python alike), for the OpenAPI description.
PLAIN_TEXT_PATTERN = f"^[^{_CLASS}]*$"
PLAIN_TEXT_MESSAGE = (
    "Use one line of visible characters: line breaks, tabs, direction overrides and "
    "zero-width characters are not allowed."
)


def date_in_window(value: datetime.date | None) -> bool:
    return value is None or DATE_MIN <= value <= DATE_MAX


def plain_text(value: str) -> bool:
    return not _REFUSED.search(value or "")


def plain_lines(value: str) -> bool:
    """Several lines (an address), each of visible characters."""
    return all(plain_text(line) for line in (value or "").replace("\r\n", "\n").split("\n"))


def validate_date_in_window(value) -> None:
    """A Django validator (forms): the date lies in the window."""
    if not date_in_window(value):
        raise ValidationError(DATE_WINDOW_MESSAGE, code="date_window")


def validate_plain_text(value) -> None:
    """A Django validator (forms): one line of visible characters."""
    if not plain_text(value):
        raise ValidationError(PLAIN_TEXT_MESSAGE, code="plain_text")
