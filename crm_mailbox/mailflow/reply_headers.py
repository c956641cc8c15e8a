"""The headers that keep a reply in its thread in the customer's mail program (RFC 5322, section 3.6.4).

A reply names the message it answers in In-Reply-To, and the whole chain in References: the answered
message's own References (here: its stored thread ids, nearest first) oldest first, then its id.
Frappe's desk replies carry neither, so mail programs start a new conversation for each answer.
"""

from __future__ import annotations

import re

# RFC 5322 allows any length in theory; mail programs cut long References, so keep the start and the end
MAX_REFERENCES = 20
_ID = re.compile(r"^[^<>\s]+@[^<>\s]+$")


def reply_headers(
	parent_message_id: str | None, parent_thread_ids: list[str] | None = None
) -> dict[str, str]:
	"""{"In-Reply-To", "References"} for a reply to the message with this id; {} without a usable id.

	`parent_thread_ids` are the ids the parent itself answered, nearest first, as stored on receipt.
	"""
	parent = clean_id(parent_message_id)
	if not parent:
		return {}
	chain: list[str] = []
	for found in reversed([clean_id(i) for i in parent_thread_ids or []]):
		if found and found != parent and found not in chain:
			chain.append(found)
	chain.append(parent)
	if len(chain) > MAX_REFERENCES:
		# the first message and the nearest ones tell the thread; the middle can go
		chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
	return {"In-Reply-To": f"<{parent}>", "References": " ".join(f"<{i}>" for i in chain)}


def clean_id(value: str | None) -> str:
	"""A bare message id (no angle brackets, no spaces), or "" when the value is not one."""
	value = (value or "").strip().strip("<>").strip()
	return value if _ID.match(value) else ""


def add_headers(message: str, headers: dict[str, str]) -> str:
	"""The MIME text with these headers added at the end of its header block; a header already there
	(any case) is kept as it is. Long values are folded as RFC 5322 asks (lines under 998 characters)."""
	if not headers:
		return message
	newline = "\r\n" if "\r\n" in message.split("\n", 1)[0] + "\n" else "\n"
	end = message.find(newline + newline)
	head, rest = (message, "") if end < 0 else (message[:end], message[end:])
	present = {line.split(":", 1)[0].strip().lower() for line in head.split(newline) if line[:1].strip()}
	lines = [
		fold(f"{name}: {value}", newline) for name, value in headers.items() if name.lower() not in present
	]
	if not lines:
		return message
	return head + newline + newline.join(lines) + rest


def fold(line: str, newline: str) -> str:
	"""Break a header line at spaces so no line passes 78 characters (where the words allow it)."""
	out, current = [], ""
	for word in line.split(" "):
		if current and len(current) + 1 + len(word) > 78:
			out.append(current)
			current = " " + word
		else:
			current = f"{current} {word}" if current else word
	out.append(current)
	return newline.join(out)
