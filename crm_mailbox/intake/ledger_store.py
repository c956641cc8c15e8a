"""The ledger of one mailbox folder in the database ("Mailbox Intake Message"), and its cursor.

The handler writes a message's row in the same transaction as its Communication (`add`), so a
process killed anywhere leaves either both or neither: the next pull neither loses nor doubles it,
with or without a Message-ID. `record_taken`/`record_failed` (called by the engine after the
handler) then only add the rows the handler did not write: duplicates of a message already seen.
"""

from __future__ import annotations

import hashlib

import frappe

from crm_mailbox.mailflow.intake.ledger import FAILED, TAKEN, Cursor, Entry

MESSAGE = "Mailbox Intake Message"
FOLDER = "Mailbox Intake Folder"

# statuses of a ledger row
TAKEN_STATUS, SKIPPED, FAILED_STATUS, RETRIED = "Taken", "Skipped", "Failed", "Retried"
MAX_KEY = 140  # the message_key column
MAX_REASON = 1000


def stored_key(key: str) -> str:
	"""The key as its column holds it: a longer one (a long Message-ID) by its hash."""
	return key if len(key) <= MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DocTypeLedger:
	"""mailflow.intake.ledger.LedgerStore for one Email Account folder."""

	def __init__(self, account: str, folder: str):
		self.account = account
		self.folder = folder

	# --- LedgerStore ------------------------------------------------------------------------

	def cursor(self) -> Cursor:
		row = frappe.db.get_value(
			FOLDER, {"email_account": self.account, "folder": self.folder}, ["uidvalidity", "last_uid"]
		)
		if not row or not row[0]:
			return Cursor(None, 0)
		return Cursor(int(row[0]), int(row[1] or 0))

	def recorded(self, uidvalidity: int, uid: int) -> bool:
		return bool(self._row(uidvalidity, uid))

	def find(self, key: str) -> Entry | None:
		"""The first ledger row of this mailbox with this key (any folder); else a Communication of
		this mailbox with the Message-ID (received before our ledger knew it, e.g. by Frappe's pull)."""
		row = frappe.db.get_value(
			MESSAGE,
			{
				"email_account": self.account,
				"message_key": stored_key(key),
				"duplicate_of": ("is", "not set"),
			},
			["uidvalidity", "uid", "status", "communication", "reason"],
			as_dict=True,
			order_by="creation asc",
		)
		if row:
			taken = row.status != FAILED_STATUS
			return Entry(
				int(row.uidvalidity),
				int(row.uid),
				key,
				TAKEN if taken else FAILED,
				communication=row.communication or "",
				reason=row.reason,
			)
		if key.startswith("mid:"):
			communication = frappe.db.get_value(
				"Communication",
				{"email_account": self.account, "message_id": key[4:], "communication_medium": "Email"},
				"name",
				order_by="creation asc",
			)
			if communication:
				return Entry(0, 0, key, TAKEN, communication=communication)
		return None

	def record_taken(self, uidvalidity, uid, key, communication, duplicate_of=None) -> None:
		if self.recorded(uidvalidity, uid):
			return  # the handler wrote it with the Communication
		self.add(
			uidvalidity,
			uid,
			key,
			TAKEN_STATUS if communication else SKIPPED,
			communication=communication or None,
			duplicate_of=duplicate_of,
		)
		if communication and duplicate_of:
			# Frappe's pull resumes after the highest Communication.uid: keep it the message's UID now
			frappe.db.set_value("Communication", communication, "uid", uid, update_modified=False)
		# the ledger row must outlive the next message's failure
		frappe.db.commit()  # nosemgrep

	def record_failed(self, uidvalidity, uid, key, reason, duplicate_of=None) -> None:
		if self.recorded(uidvalidity, uid):
			return
		self.add(uidvalidity, uid, key, FAILED_STATUS, reason=reason, duplicate_of=duplicate_of)
		# the ledger row must outlive the next message's failure
		frappe.db.commit()  # nosemgrep

	# --- writing (no commit: the caller commits with the Communication) ------------------------

	def add(
		self,
		uidvalidity: int,
		uid: int,
		key: str,
		status: str,
		*,
		communication: str | None = None,
		reason: str | None = None,
		raw: str | None = None,
		subject: str | None = None,
		sender: str | None = None,
		duplicate_of: tuple[int, int] | None = None,
	) -> str:
		row = frappe.get_doc(
			{
				"doctype": MESSAGE,
				"email_account": self.account,
				"folder": self.folder,
				"uidvalidity": str(uidvalidity),
				"uid": uid,
				"message_key": stored_key(key),
				"status": status,
				"communication": communication,
				"reason": (reason or "")[:MAX_REASON] or None,
				"raw": raw,
				"subject": (subject or "")[:140] or None,
				"sender": (sender or "")[:140] or None,
				"duplicate_of": describe_duplicate(duplicate_of),
			}
		)
		row.db_insert()
		self.advance(uidvalidity, uid)
		return row.name

	def advance(self, uidvalidity: int, uid: int) -> None:
		"""Move the folder's cursor to this UID (UIDs are handed over in ascending order)."""
		folder = frappe.qb.DocType(FOLDER)
		(
			frappe.qb.update(folder)
			.set(folder.uidvalidity, str(uidvalidity))
			.set(folder.last_uid, uid)
			.where(folder.email_account == self.account)
			.where(folder.folder == self.folder)
			.where(
				folder.uidvalidity.isnull()
				| (folder.uidvalidity != str(uidvalidity))
				| (folder.last_uid < uid)
			)
		).run()

	def _row(self, uidvalidity: int, uid: int) -> str | None:
		return frappe.db.get_value(
			MESSAGE,
			{
				"email_account": self.account,
				"folder": self.folder,
				"uidvalidity": str(uidvalidity),
				"uid": uid,
			},
		)


def describe_duplicate(duplicate_of: tuple[int, int] | None) -> str | None:
	if not duplicate_of:
		return None
	uidvalidity, uid = duplicate_of
	if not uid:
		return "a Communication received earlier"
	return f"{uidvalidity}/{uid}"
