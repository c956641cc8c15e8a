"""The ledger of one mailbox folder: which (UIDVALIDITY, UID) became which Communication, or failed why.

A UID means something only together with the folder's UIDVALIDITY. While it stays the same, the
next pull asks for UIDs above the last recorded one. When it changes (the folder was recreated or
the server rebuilt its index), every UID may now name another message: the whole folder is read
again and each message is matched by its key (Message-ID, else a hash of its bytes) against what
the ledger already holds, so nothing is lost and nothing is taken twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

TAKEN = "taken"
FAILED = "failed"
# A Message-ID is at most a few hundred characters in practice; anything longer is not one.
MAX_MESSAGE_ID = 500
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Entry:
	uidvalidity: int
	uid: int
	key: str
	status: str  # TAKEN or FAILED
	communication: str | None = None
	reason: str | None = None
	# set when this UID was not handed over because the same message was already in the ledger
	duplicate_of: tuple[int, int] | None = None


@dataclass(frozen=True)
class Cursor:
	"""Where the last pull stopped: the UIDVALIDITY it saw and the highest UID it recorded under it."""

	uidvalidity: int | None
	last_uid: int


@dataclass(frozen=True)
class Plan:
	search_after: int  # ask the server for UIDs above this
	rescan: bool  # UIDVALIDITY changed: the folder is read from the start again


def plan(cursor: Cursor, server_uidvalidity: int) -> Plan:
	"""What to ask the server for, given where the ledger stopped and the folder's UIDVALIDITY now."""
	if cursor.uidvalidity == server_uidvalidity:
		return Plan(search_after=cursor.last_uid, rescan=False)
	return Plan(search_after=0, rescan=cursor.uidvalidity is not None)


def message_key(raw: bytes) -> str:
	"""The identity used to match a message across UIDVALIDITY changes and copies in the folder.

	Its Message-ID when it has a usable one; else a hash of its bytes (the same bytes on the
	server give the same hash, so a re-read folder still matches).
	"""
	head = _HEADER_END.split(raw, maxsplit=1)[0]
	try:
		value = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n").get("Message-ID")
	except Exception:  # hostile headers: fall back to the hash
		value = None
	message_id = " ".join(str(value).split()) if value else ""
	if message_id and len(message_id) <= MAX_MESSAGE_ID and "@" in message_id and message_id.isascii():
		return "mid:" + message_id.strip("<>")
	return "sha256:" + hashlib.sha256(raw).hexdigest()


class LedgerStore(Protocol):
	"""Where one mailbox folder's ledger lives (memory in tests; a DocType on the Frappe side).

	`find(key)` should also see messages committed but not yet recorded (a worker killed between
	the two), e.g. by looking up the mailbox's Communications by Message-ID, so that no crash
	window can double a message.
	"""

	def cursor(self) -> Cursor: ...

	def recorded(self, uidvalidity: int, uid: int) -> bool: ...

	def find(self, key: str) -> Entry | None: ...

	def record_taken(
		self,
		uidvalidity: int,
		uid: int,
		key: str,
		communication: str,
		duplicate_of: tuple[int, int] | None = None,
	) -> None: ...

	def record_failed(
		self, uidvalidity: int, uid: int, key: str, reason: str, duplicate_of: tuple[int, int] | None = None
	) -> None: ...


class MemoryLedger:
	"""A LedgerStore in memory, for tests and benchmarks."""

	def __init__(self):
		self.entries: dict[tuple[int, int], Entry] = {}
		self.by_key: dict[str, Entry] = {}
		self._cursor = Cursor(None, 0)

	def cursor(self) -> Cursor:
		return self._cursor

	def recorded(self, uidvalidity: int, uid: int) -> bool:
		return (uidvalidity, uid) in self.entries

	def find(self, key: str) -> Entry | None:
		return self.by_key.get(key)

	def record_taken(self, uidvalidity, uid, key, communication, duplicate_of=None):
		self._add(Entry(uidvalidity, uid, key, TAKEN, communication=communication, duplicate_of=duplicate_of))

	def record_failed(self, uidvalidity, uid, key, reason, duplicate_of=None):
		self._add(Entry(uidvalidity, uid, key, FAILED, reason=reason, duplicate_of=duplicate_of))

	def _add(self, entry: Entry) -> None:
		if (entry.uidvalidity, entry.uid) in self.entries:
			raise ValueError(f"UID {entry.uid} (UIDVALIDITY {entry.uidvalidity}) is already recorded")
		self.entries[(entry.uidvalidity, entry.uid)] = entry
		self.by_key.setdefault(entry.key, entry)
		if self._cursor.uidvalidity != entry.uidvalidity:
			self._cursor = Cursor(entry.uidvalidity, entry.uid)
		elif entry.uid > self._cursor.last_uid:
			self._cursor = Cursor(entry.uidvalidity, entry.uid)

	def taken(self) -> list[Entry]:
		"""Entries that became a Communication of their own (not matched to an earlier one)."""
		return [e for e in self.entries.values() if e.status == TAKEN and e.duplicate_of is None]

	def failed(self) -> list[Entry]:
		return [e for e in self.entries.values() if e.status == FAILED]
