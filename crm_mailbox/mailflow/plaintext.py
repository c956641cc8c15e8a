"""Email text made safe to store in fields the desk shows: plain text that no HTML renderer turns into markup.

Every value taken from an email (subject, display name, attachment name) is hostile. Frappe's desk
draws some fields as HTML without escaping them (a read-only Data field goes through
``frappe.format`` into ``.html()``, the timeline and the form sidebar build their HTML by string
concatenation, an assignment or notification entry shows its text as HTML), while other places
escape (list views, the report grid, ``frappe.utils.escape_html`` in our own dialogs).

The decision, made once, here:

- Store plain text, never HTML entities. A stored ``&lt;`` would show as ``&lt;`` wherever Frappe
  escapes (the double escaping users saw in the thread list and in Task titles).
- Make markup inert instead: a ``<`` that would open a tag, an end tag or a comment (followed by a
  letter, ``/``, ``!`` or ``?``, the only starts the HTML parser accepts) becomes ``‹`` (U+2039), so
  ``<b id=x>`` is stored as ``‹b id=x>``: read as text everywhere, markup nowhere. A ``<`` before a
  space or digit (``a < b``, ``<3``), ``>`` and ``&`` stay, since they cannot start markup. Because no
  tag remains, Frappe's own save-time sanitiser (bleach, which escapes ``&`` as ``&amp;``) leaves the
  value alone too.
- Control characters and line breaks become spaces in one-line values; lengths are bounded.
- File names lose everything Frappe or a URL refuses or that can break out of an attribute
  (slashes, ``\\ : * ? | % #``, quotes, angle brackets, control characters) and keep their extension.

HTML built by the app (ToDo descriptions, notifications, Comments) escapes with
``frappe.utils.escape_html`` at the point text meets HTML; desk JavaScript does the same. Nothing
escapes twice, because nothing stored is escaped.
"""

from __future__ import annotations

import html
import re
import unicodedata

INERT_LT = "\u2039"
TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
SPACES = re.compile(r"\s+")
# characters a file name may not carry: path separators, URL specials, Windows-reserved, markup, quotes
FILE_NAME_REFUSED = re.compile(
	r"[/\\:*?|%#<>\"'`\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,16}$")


def inert(text: str) -> str:
	"""Text whose `<` can no longer open markup; everything else unchanged (line breaks kept)."""
	return TAG_OPENER.sub(INERT_LT, text or "")


def plain_text(value: str | None, max_length: int | None = 140) -> str:
	"""One line of inert text: control characters and runs of whitespace become one space, bounded."""
	text = unicodedata.normalize("NFC", str(value or ""))
	text = SPACES.sub(" ", CONTROL.sub(" ", text)).strip()
	text = inert(text)
	if max_length and len(text) > max_length:
		text = text[: max_length - 1].rstrip() + "\u2026"
	return text


def from_sanitised_html(value: str | None, max_length: int | None = None) -> str:
	"""Repair a value Frappe's save-time sanitiser stored as HTML (it only touches values with a tag).

	Such a value holds tags and entities (``<b id="x">A</b> &amp; B``); it reads as plain inert text again
	(``‹b id="x">A‹/b> & B``). A value without a tag opener was never sanitised and is returned as it is.
	"""
	text = value or ""
	if not TAG_OPENER.search(text):
		return text
	return plain_text(html.unescape(text), max_length=max_length)


def safe_file_name(name: str, max_length: int = 140) -> str:
	"""A file name Frappe accepts and no page can turn into markup, extension kept, at most max_length."""
	text = unicodedata.normalize("NFC", str(name or ""))
	text = FILE_NAME_REFUSED.sub("_", text)
	# no leading dot (hidden files, "..") and no trailing dot or space (refused by Windows)
	text = SPACES.sub(" ", text).strip().lstrip("._").rstrip(". ")
	if not text:
		return "attachment"
	if len(text) > max_length:
		match = EXTENSION.search(text)
		extension = match.group(0) if match else ""
		stem = text[: len(text) - len(extension)] if extension else text
		stem = stem[: max(1, max_length - len(extension))].rstrip(" ._") or "attachment"
		text = (stem + extension)[:max_length]
	return text
