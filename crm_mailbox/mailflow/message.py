"""What the app needs from a raw email that Frappe's Communication does not keep.

Frappe's receive path stores sender, recipients, subject and body, but not the headers that tell
a thread (References) or an automated message (Auto-Submitted, List-Id, ...). These functions read
them from the raw message, tolerating damaged input: a header we cannot read is treated as absent.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message

from .addresses import parse_address
from .automated import Verdict, detect

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# Headers kept for automated-mail detection and threading.
HEADERS_OF_INTEREST = (
	"Message-ID",
	"In-Reply-To",
	"References",
	"Auto-Submitted",
	"Precedence",
	"List-Id",
	"List-Unsubscribe",
	"X-Auto-Response-Suppress",
	"X-Autoreply",
	"X-Autorespond",
	"Return-Path",
	"Content-Type",
	"From",
)


@dataclass
class MessageFacts:
	message_id: str = ""
	thread_ids: list[str] = field(default_factory=list)  # parents, nearest first
	sender: str = ""
	automated: Verdict = field(default_factory=Verdict)
	headers: dict[str, str] = field(default_factory=dict)


def parse_bytes(raw: bytes | str) -> Message:
	"""Parse a raw message leniently (compat32 never raises on bad headers)."""
	if isinstance(raw, str):
		return email.message_from_string(raw, policy=email.policy.compat32)
	return email.message_from_bytes(raw, policy=email.policy.compat32)


def repair_8bit(value: str) -> str:
	"""Undo the surrogate escapes that raw 8-bit header bytes get from the parser.

	SMTPUTF8 mail carries UTF-8 in headers (RFC 6532); old mailers send Latin-1. Python keeps
	such bytes as surrogates, which would otherwise end up in the database as garbage.
	"""
	if not any("\udc80" <= ch <= "\udcff" for ch in value):
		return value
	raw = value.encode("ascii", "surrogateescape")
	try:
		return raw.decode("utf-8")
	except UnicodeDecodeError:
		return raw.decode("latin-1")


def _raw_headers(msg: Message) -> dict[str, str]:
	"""First value of each header as stored, 8-bit bytes repaired (Header objects would turn them into "?")."""
	headers: dict[str, str] = {}
	for name, value in msg.raw_items():
		key = name.lower()
		if key not in headers and isinstance(value, str):
			headers[key] = repair_8bit(value).strip()
	return headers


def message_ids(value: str | None) -> list[str]:
	"""Message ids inside <...> in a header value, in order, without duplicates."""
	ids: list[str] = []
	for found in _MESSAGE_ID.findall(value or ""):
		if found not in ids:
			ids.append(found)
	return ids


def thread_ids(in_reply_to: str | None, references: str | None) -> list[str]:
	"""The ids of the messages this one answers: In-Reply-To first, then References newest first."""
	ids = message_ids(in_reply_to)
	for found in reversed(message_ids(references)):
		if found not in ids:
			ids.append(found)
	return ids


def facts_from_headers(headers: dict[str, str], content_type: str = "") -> MessageFacts:
	sender = parse_address(headers.get("From"))
	sender_address = sender.address if sender else ""
	ids = message_ids(headers.get("Message-ID"))
	return MessageFacts(
		message_id=ids[0] if ids else "",
		thread_ids=thread_ids(headers.get("In-Reply-To"), headers.get("References")),
		sender=sender_address,
		automated=detect(headers, sender_address, content_type or headers.get("Content-Type", "")),
		headers=headers,
	)


def facts_from_message(msg: Message) -> MessageFacts:
	try:
		raw = _raw_headers(msg)
	except Exception:
		raw = {}
	headers = {name: raw[name.lower()] for name in HEADERS_OF_INTEREST if raw.get(name.lower())}
	try:
		content_type = msg.get_content_type()
	except Exception:
		content_type = ""
	return facts_from_headers(headers, content_type)


def facts_from_raw(raw: bytes | str) -> MessageFacts:
	"""Everything we need from a raw message; never raises on malformed input."""
	try:
		return facts_from_message(parse_bytes(raw))
	except Exception:
		return MessageFacts()
