"""Poison messages: what in a raw message would trip Frappe's InboundMail, and what can be repaired.

`classify(raw)` never raises: it parses defensively and lists the problems found, each with a code
and words. `repair(raw)` fixes what can be fixed without touching the body (a missing or unusable
From, raw 8-bit header bytes), keeping the original value in a header of ours, so that the message
can still become a Communication; what cannot be fixed is kept raw by the caller with the reason.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.errors import (
	CloseBoundaryNotFoundDefect,
	MultipartInvariantViolationDefect,
	StartBoundaryNotFoundDefect,
)
from email.header import Header, decode_header
from email.policy import compat32
from email.utils import formataddr, getaddresses

# Header block larger than this, or with more fields than MAX_HEADER_FIELDS, is "huge" (real mail has
# a few KB; a mail loop or a hostile sender makes megabytes).
MAX_HEADER_BYTES = 256 * 1024
MAX_HEADER_FIELDS = 1000
# Where `repair` keeps the From it replaced. Not X-Original-From: Frappe reads that one before From.
ORIGINAL_FROM_HEADER = "X-CRM-Mailbox-Original-From"
REPAIRED_HEADER = "X-CRM-Mailbox-Repaired"
ADDRESS_HEADERS = ("From", "Sender", "Reply-To", "Return-Path", "To", "Cc")
TEXT_HEADERS = ("Subject", *ADDRESS_HEADERS)
# Problems that make InboundMail fail or lose the message unless repaired first.
BLOCKING = frozenset({"empty", "no_from", "bad_from", "huge_headers", "unparseable"})

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_NAME = re.compile(r"^[!-9;-~]+:")  # RFC 5322 field name: printable, no space or colon
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_BOUNDARY_DEFECTS = (
	StartBoundaryNotFoundDefect,
	CloseBoundaryNotFoundDefect,
	MultipartInvariantViolationDefect,
)


@dataclass(frozen=True)
class Problem:
	code: str
	detail: str


@dataclass(frozen=True)
class Verdict:
	problems: tuple[Problem, ...]

	@property
	def ok(self) -> bool:
		return not self.problems

	@property
	def blocking(self) -> bool:
		"""True when InboundMail would fail on it as it is."""
		return any(p.code in BLOCKING for p in self.problems)

	@property
	def codes(self) -> tuple[str, ...]:
		return tuple(p.code for p in self.problems)

	@property
	def reason(self) -> str:
		return "; ".join(p.detail for p in self.problems)


@dataclass(frozen=True)
class Repaired:
	raw: bytes
	changes: tuple[str, ...]


def usable_address(value: str | None) -> str | None:
	"""The first syntactically usable address in a header value, else None."""
	if not value:
		return None
	for _name, address in getaddresses([str(value)]):
		if _ADDRESS.match(address or ""):
			return address
	return None


def split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
	"""(header block, separator, body); a message without a body has an empty separator and body."""
	found = _HEADER_END.search(raw)
	if not found:
		return raw, b"", b""
	return raw[: found.start()], found.group(), raw[found.end() :]


def classify(raw: bytes) -> Verdict:
	"""The problems in a raw message; an empty tuple means Frappe can take it as it is."""
	if not raw or not raw.strip():
		return Verdict((Problem("empty", "the message has zero bytes"),))
	problems: list[Problem] = []
	head, _sep, _body = split_head(raw)
	if len(head) > MAX_HEADER_BYTES:
		problems.append(Problem("huge_headers", f"headers of {len(head):,} bytes"))
	if any(byte > 127 for byte in head):
		problems.append(Problem("eight_bit_headers", "raw 8-bit bytes in the headers (not RFC 2047 encoded)"))
	try:
		message = message_from_bytes(raw, policy=compat32)
	except Exception as e:  # the parser is lenient; this is for the truly unexpected
		return Verdict((*problems, Problem("unparseable", f"cannot be parsed: {type(e).__name__}")))
	if len(message.keys()) > MAX_HEADER_FIELDS and not any(p.code == "huge_headers" for p in problems):
		problems.append(Problem("huge_headers", f"{len(message.keys()):,} header fields"))
	problems += _sender_problems(message)
	problems += _header_text_problems(message)
	problems += _structure_problems(message)
	first = {p.code: p for p in reversed(problems)}  # one problem per code, the first found
	return Verdict(tuple(p for p in problems if first[p.code] is p))


def _sender_problems(message) -> list[Problem]:
	sender = message.get("From")
	if sender is None:
		return [Problem("no_from", "no From header")]
	if not usable_address(_decoded(sender)):
		return [Problem("bad_from", f"From has no usable address: {_shorten(_decoded(sender))!r}")]
	return []


def _header_text_problems(message) -> list[Problem]:
	found: dict[str, Problem] = {}
	for name in TEXT_HEADERS:
		value = message.get(name)
		if value is None:
			continue
		try:
			parts = decode_header(str(value))
		except Exception:
			found.setdefault("undecodable_header", Problem("undecodable_header", f"{name} cannot be decoded"))
			continue
		for text, charset in parts:
			if not isinstance(text, bytes) or not charset:
				continue
			try:
				text.decode(charset)
			except LookupError:
				found.setdefault(
					"bad_charset", Problem("bad_charset", f"{name} uses unknown charset {charset!r}")
				)
			except UnicodeDecodeError:
				found.setdefault(
					"undecodable_header", Problem("undecodable_header", f"{name} is not valid {charset}")
				)
	return list(found.values())


def _structure_problems(message) -> list[Problem]:
	found: dict[str, Problem] = {}

	def add(code: str, detail: str) -> None:
		found.setdefault(code, Problem(code, detail))

	for part in message.walk():
		if any(isinstance(d, _BOUNDARY_DEFECTS) for d in getattr(part, "defects", ())):
			add("broken_boundary", "a multipart boundary is missing or never closed")
		content_type = part.get_content_type()
		if content_type == "message/rfc822":
			add("nested_message", "an email attached inside the email (message/rfc822)")
		filename = _filename(part)
		if content_type == "application/ms-tnef" or filename.lower() == "winmail.dat":
			add("tnef", "an Outlook TNEF attachment (winmail.dat)")
		if "/" in filename or "\\" in filename:
			add("bad_attachment_name", f"attachment name with a path separator: {_shorten(filename)!r}")
		charset = part.get_param("charset")
		if isinstance(charset, str) and charset:
			try:
				codecs.lookup(charset.strip("\"'"))
			except LookupError:
				add("bad_charset", f"a part uses unknown charset {_shorten(charset)!r}")
		if not part.is_multipart() and filename:
			payload = part.get_payload(decode=True)
			if not payload:
				add("zero_byte_part", f"attachment {_shorten(filename)!r} has zero bytes")
	return list(found.values())


def _filename(part) -> str:
	try:
		name = part.get_filename() or ""
	except Exception:
		return ""
	return _decoded(name) if isinstance(name, str) else ""


def _decoded(value) -> str:
	"""A header value as text, whatever its encoding; never raises."""
	try:
		pieces = []
		for text, charset in decode_header(str(value)):
			if isinstance(text, bytes):
				text = _bytes_to_text(text, charset)
			pieces.append(text)
		return "".join(pieces)
	except Exception:
		return str(value)


def _bytes_to_text(data: bytes, charset: str | None = None) -> str:
	for candidate in (charset, "utf-8"):
		if candidate:
			try:
				return data.decode(candidate)
			except (LookupError, UnicodeDecodeError):
				pass
	return data.decode("cp1252", errors="replace")


def _shorten(text: str, limit: int = 120) -> str:
	return text if len(text) <= limit else text[: limit - 1] + "…"


# --- repair -------------------------------------------------------------------------------------


def repair(raw: bytes, fallback_sender: str | None = None) -> Repaired:
	"""Fix the header problems that stop Frappe, leaving the body byte for byte as it was.

	- no or unusable From: taken from Sender, Reply-To or Return-Path (else `fallback_sender`), the
	  original value kept in ORIGINAL_FROM_HEADER;
	- raw 8-bit header bytes: decoded (UTF-8, else Windows-1252) and written as RFC 2047 words.
	"""
	head, separator, body = split_head(raw)
	if not head.strip():
		return Repaired(raw, ())
	newline = b"\r\n" if b"\r\n" in head else b"\n"
	fields = _fields(head, newline.decode())
	changes: list[str] = []
	if any(byte > 127 for byte in head):
		fields = [
			(name, _encode_8bit(name, value)) if _has_8bit(value) else (name, value) for name, value in fields
		]
		changes.append("8-bit header bytes encoded as RFC 2047")
	values = {name.lower(): value for name, value in reversed(fields)}  # first occurrence wins
	current = values.get("from")
	if not usable_address(_decoded(_unfold(current)) if current is not None else None):
		replacement = next(
			(
				address
				for name in ("sender", "reply-to", "return-path")
				if (address := usable_address(_decoded(_unfold(values.get(name, "")))))
			),
			fallback_sender,
		)
		if replacement:
			fields = [(n, v) for n, v in fields if n.lower() != "from"]
			if current is not None:
				fields.append((ORIGINAL_FROM_HEADER, current))
			fields.insert(0, ("From", " " + replacement))
			changes.append(f"From set to {replacement}" + (" (none given)" if current is None else ""))
	if not changes:
		return Repaired(raw, ())
	fields.append((REPAIRED_HEADER, " " + "; ".join(changes)))
	lines = [
		name.encode("ascii", "replace") + b":" + value.encode("ascii", "replace") for name, value in fields
	]
	return Repaired(newline.join(lines) + (separator or newline + newline) + body, tuple(changes))


def _fields(head: bytes, newline: str) -> list[tuple[str, str]]:
	"""Header fields as (name, value with its folding), decoded byte-for-byte (surrogateescape)."""
	fields: list[tuple[str, str]] = []
	for line in re.split(rb"\r?\n", head):
		text = line.decode("ascii", errors="surrogateescape")
		if text[:1] in (" ", "\t") and fields:
			name, value = fields[-1]
			fields[-1] = (name, value + newline + text)
		elif _FIELD_NAME.match(text):
			name, value = text.split(":", 1)
			fields.append((name, value))
		# a line that is neither a field nor a continuation (mbox "From " line, junk) is dropped
	return fields


def _unfold(value: str | None) -> str:
	return re.sub(r"\r?\n[ \t]", " ", value or "")


def _has_8bit(value: str) -> bool:
	return any("\udc80" <= ch <= "\udcff" for ch in value)


def _encode_8bit(name: str, value: str) -> str:
	text = _bytes_to_text(_unfold(value).encode("ascii", errors="surrogateescape").strip())
	if name.strip().title() in ADDRESS_HEADERS:  # only display names may be encoded words, never addresses
		return " " + ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([text]))
	return " " + Header(text, "utf-8").encode()
