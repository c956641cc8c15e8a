"""One pull of one mailbox: every IMAP folder drained in batches that commit as they go.

`pull_account` is the one-shot pull (scheduler fallback, bench command): it holds the mailbox's
lease (lease.py) for its whole length. `drain_folder` is one folder with an open session, for a
caller that already holds the lease (the long-running runner).

Frappe's own bookkeeping is kept as Frappe's pull keeps it (IMAP Folder uidvalidity/uidnext,
Communication.uid = the IMAP UID), so turning our intake off hands the mailbox back to Frappe's
pull, which resumes after the highest Communication.uid, with nothing lost or doubled.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable

import frappe
from frappe.utils import cint

from crm_mailbox.mailflow.intake.errors import IntakeError, LoginError, NetworkError
from crm_mailbox.mailflow.intake.imap_session import DEFAULT_MAX_MESSAGE_BYTES, Account, ImapSession
from crm_mailbox.mailflow.intake.ledger import plan
from crm_mailbox.mailflow.intake.puller import DEFAULT_BATCH_SIZE, DrainReport, drain

from . import lease, state
from .handler import Receiver
from .ledger_store import FOLDER, DocTypeLedger

DEFAULT_FOLDER = "INBOX"


class LeaseLost(Exception):
	"""Another process took the mailbox over (our lease expired); stop without recording more."""


def account_session(account_doc, folder: str) -> ImapSession:
	"""An (unopened) IMAP session for one folder, with the Email Account's own settings."""
	security = (
		"ssl" if cint(account_doc.use_ssl) else "starttls" if cint(account_doc.use_starttls) else "plain"
	)
	limit_mb = cint(account_doc.get("attachment_limit"))
	# attachments travel base64-encoded (4/3 larger), plus the text and headers
	max_bytes = int(limit_mb * 1024 * 1024 * 4 / 3) + 256 * 1024 if limit_mb else DEFAULT_MAX_MESSAGE_BYTES
	return ImapSession(
		Account(
			host=account_doc.email_server,
			port=cint(account_doc.incoming_port) or (993 if security == "ssl" else 143),
			security=security,
			user=account_doc.get("login_id") or account_doc.email_id,
			password=account_doc.get_password(raise_exception=False) or "",
			folder=folder,
			ssl_context=ssl.create_default_context() if security != "plain" else None,
			timeout=float(frappe.conf.get("pop_timeout") or 30),
			max_message_bytes=max_bytes,
			idle=bool(cint(account_doc.get("crm_use_idle"))),
		)
	)


def folders_of(account_doc) -> list:
	"""The account's IMAP Folder rows; INBOX when it lists none (as Frappe does)."""
	rows = list(account_doc.get("imap_folder") or [])
	return rows or [frappe._dict(folder_name=DEFAULT_FOLDER, append_to=None)]


def drain_folder(
	account_doc,
	folder_row,
	session: ImapSession,
	deadline: float | None = None,
	batch_size: int = DEFAULT_BATCH_SIZE,
	on_batch: Callable[[DrainReport], None] | None = None,
	on_message: Callable[[], None] | None = None,
) -> DrainReport:
	"""Take every new message of one folder (the session opened on it). The caller holds the lease."""
	folder = folder_row.folder_name
	server = session.state or session.open()
	state.folder_row(account_doc.name, folder)
	store = DocTypeLedger(account_doc.name, folder)
	cursor = store.cursor()
	if cursor.uidvalidity is None:
		seed(account_doc, store, server.uidvalidity, server.uidnext)
	elif plan(cursor, server.uidvalidity).rescan:
		forget_frappe_uids(account_doc.name)
	keep_frappe_folder_state(account_doc.name, folder, server.uidvalidity, server.uidnext)
	# the cursor and Frappe's folder state hold before any message
	frappe.db.commit()  # nosemgrep
	return drain(
		session,
		store,
		Receiver(account_doc, folder_row, store, server.uidvalidity, on_message),
		batch_size=batch_size,
		mark_seen=account_doc.email_sync_option == "UNSEEN",
		deadline=deadline,
		on_batch=on_batch,
	)


def seed(account_doc, store: DocTypeLedger, uidvalidity: int, uidnext: int) -> None:
	"""Where a folder's first pull starts, as Frappe's pull would go on from here.

	Taken over from Frappe's pull (its IMAP Folder holds this UIDVALIDITY): after the highest
	Communication.uid, as Frappe's next pull would. Never pulled: the last "Initial Sync Count"
	messages, as Frappe's first pull. Either way a message already received is matched by its
	Message-ID (DocTypeLedger.find), never taken twice.
	"""
	known = frappe.db.get_value(
		"IMAP Folder",
		{"parent": account_doc.name, "parenttype": "Email Account", "folder_name": store.folder},
		"uidvalidity",
	)
	highest = highest_communication_uid(account_doc.name) if str(known or "") == str(uidvalidity) else 0
	if highest > 0:
		start = highest
	else:
		start = max(0, uidnext - 1 - cint(account_doc.initial_sync_count or 100))
	frappe.db.set_value(
		FOLDER,
		{"email_account": account_doc.name, "folder": store.folder},
		{"uidvalidity": str(uidvalidity), "last_uid": start},
		update_modified=False,
	)


def highest_communication_uid(account: str) -> int:
	communication = frappe.qb.DocType("Communication")
	found = (
		frappe.qb.from_(communication)
		.select(frappe.query_builder.functions.Max(communication.uid))
		.where(communication.email_account == account)
		.where(communication.communication_medium == "Email")
		.where(communication.sent_or_received == "Received")
	).run()
	return cint(found[0][0]) if found else 0


def forget_frappe_uids(account: str) -> None:
	"""UIDVALIDITY changed: the old UIDs mean nothing now (Frappe's pull does the same). The rescan
	gives every message still there its new UID again (DocTypeLedger.record_taken)."""
	communication = frappe.qb.DocType("Communication")
	(
		frappe.qb.update(communication)
		.set(communication.uid, -1)
		.where(communication.email_account == account)
		.where(communication.communication_medium == "Email")
	).run()


def keep_frappe_folder_state(account: str, folder: str, uidvalidity: int, uidnext: int) -> None:
	"""Frappe's IMAP Folder row and Email Account.uidnext, as Frappe's pull writes them."""
	imap_folder = frappe.qb.DocType("IMAP Folder")
	(
		frappe.qb.update(imap_folder)
		.set(imap_folder.uidvalidity, str(uidvalidity))
		.set(imap_folder.uidnext, uidnext)
		.where(imap_folder.parent == account)
		.where(imap_folder.parenttype == "Email Account")
		.where(imap_folder.folder_name == folder)
	).run()
	# bookkeeping, as Frappe's pull (EmailServer.check_imap_uidvalidity)
	frappe.db.set_value("Email Account", account, "uidnext", uidnext, update_modified=False)


def pull_account(
	account_name: str,
	holder: str | None = None,
	deadline_seconds: float | None = None,
	batch_size: int = DEFAULT_BATCH_SIZE,
	mode: str = "scheduler",
	on_batch: Callable[[str, DrainReport], None] | None = None,
) -> dict:
	"""Pull every folder of the mailbox once, under its lease. Never raises for a mailbox problem:
	what failed is recorded per folder (state.record_failure) and returned."""
	holder = holder or lease.default_holder(mode)
	if not lease.acquire(account_name, holder):
		return {"account": account_name, "pulled": False, "held_by": lease.holder_of(account_name)}
	deadline = time.monotonic() + deadline_seconds if deadline_seconds else None
	lost: list[bool] = []  # set when a renewal found the lease gone (another process has the mailbox)
	result = {"account": account_name, "pulled": True, "taken": 0, "failed": 0, "duplicates": 0, "errors": {}}
	try:
		account_doc = frappe.get_doc("Email Account", account_name)
		for folder_row in folders_of(account_doc):
			folder = folder_row.folder_name
			progress: list[DrainReport] = []  # the drain's report so far, also when it stops on an error

			def before_message():
				# per message, not per batch: a batch of slow or large mail can outlast the lease
				if not lease.renew(account_name, holder):
					lost.append(True)

			def after_batch(report, folder=folder, progress=progress):
				progress[:] = [report]
				if lost or not lease.renew(account_name, holder):
					raise LeaseLost(account_name)
				if on_batch is not None:
					on_batch(folder, report)

			session = account_session(account_doc, folder)
			try:
				session.open()
				progress[:] = [
					drain_folder(
						account_doc, folder_row, session, deadline, batch_size, after_batch, before_message
					)
				]
				report = progress[0]
				backlog = len(session.uids_after(DocTypeLedger(account_name, folder).cursor().last_uid))
				state.record_success(account_name, folder, report, session.state, mode, backlog, holder)
			except LeaseLost:
				frappe.db.rollback()
				result["errors"][folder] = "another process took the mailbox over"
				break
			except Exception as e:
				frappe.db.rollback()
				if not isinstance(e, IntakeError):
					frappe.log_error(
						title="crm_mailbox: pulling a mailbox failed",
						reference_doctype="Email Account",
						reference_name=account_name,
					)
				state.record_failure(account_name, folder, e, mode, holder)
				result["errors"][folder] = state.in_words(e, folder)
				if isinstance(e, LoginError | NetworkError):
					break  # the other folders would fail the same way
			finally:
				session.close()
				for done in progress:
					result["taken"] += done.taken
					result["failed"] += done.failed
					result["duplicates"] += done.duplicates
			if deadline is not None and time.monotonic() >= deadline:
				break
	finally:
		lease.release(account_name, holder)
	return result
