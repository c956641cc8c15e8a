"""One raw message into one Communication, through Frappe's own InboundMail, or kept with the reason.

`Receiver` is the drain handler for one mailbox folder: poison check (repair what blocks Frappe),
InboundMail.process() inside integrations.inbound.receiving (our hooks read the raw message from
there), the ledger row in the same transaction, commit, then Frappe's own follow-ups (auto reply,
notifications) as EmailAccount.receive does them. A message that fails is rolled back and kept in
the ledger, raw, with the reason in words; the batch goes on.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from email import message_from_bytes
from email.policy import compat32

import frappe
from frappe import _
from frappe.email.receive import InboundMail, SentEmailInInboxError

from crm_mailbox.integrations.inbound import receiving
from crm_mailbox.mailflow.intake import poison
from crm_mailbox.mailflow.intake.imap_session import Fetched
from crm_mailbox.mailflow.intake.ledger import message_key
from crm_mailbox.mailflow.intake.puller import Failed, Outcome, Taken
from crm_mailbox.mailflow.plaintext import plain_text

from .ledger_store import FAILED_STATUS, MAX_REASON, RETRIED, SKIPPED, TAKEN_STATUS, DocTypeLedger

SEEN_FLAG = b"\\Seen"
# For mail that names no sender anywhere (no usable From, Sender, Reply-To or Return-Path): the
# reserved .invalid domain (RFC 2606) is never a real party, and no Contact is made for it.
UNKNOWN_SENDER = "unknown-sender@sender.invalid"


class MailboxInboundMail(InboundMail):
	"""Frappe's InboundMail, except that a message counts as known only in its own mailbox.

	Frappe looks a Message-ID up site-wide, so the same email sent to two of our mailboxes would
	appear in only one; here it appears in both, and still never twice in one.
	"""

	def is_exist_in_system(self):
		if not self.message_id:
			return None
		name = frappe.db.get_value(
			"Communication",
			{"message_id": self.message_id, "email_account": self.email_account.name},
			"name",
			order_by="creation desc",
		)
		return frappe.get_doc("Communication", name) if name else None

	def save_attachments_in_doc(self, doc):
		"""Frappe's, except that an attachment Frappe refuses (an image it cannot read, a name it
		rejects) is left out with a note instead of losing the whole email."""
		from frappe.core.doctype.file.exceptions import MaxFileSizeReachedError

		saved, self.refused_attachments = [], []
		for attachment in self.attachments:
			frappe.db.savepoint("crm_mailbox_attachment")
			try:
				file = frappe.get_doc(
					{
						"doctype": "File",
						"file_name": attachment["fname"],
						"attached_to_doctype": doc.doctype,
						"attached_to_name": doc.name,
						"is_private": 1,
						"content": attachment["fcontent"],
					}
				)
				file.save()
			except (MaxFileSizeReachedError, frappe.FileAlreadyAttachedException, frappe.DuplicateEntryError):
				frappe.db.rollback(save_point="crm_mailbox_attachment")  # as Frappe: skipped quietly
				continue
			except Exception as e:
				frappe.db.rollback(save_point="crm_mailbox_attachment")
				self.refused_attachments.append(
					f"{plain_text(attachment.get('fname'), max_length=100)!r} ({type(e).__name__})"
				)
				continue
			saved.append(file)
			if attachment["fname"] in self.cid_map:
				self.cid_map[file.name] = self.cid_map[attachment["fname"]]
		return saved


class Receiver:
	"""The drain handler for one folder of one Email Account (see puller.drain)."""

	def __init__(
		self,
		account,
		folder_row,
		store: DocTypeLedger,
		uidvalidity: int,
		on_message: Callable[[], None] | None = None,
	):
		"""`on_message`: called before each message (the one-shot pull renews its lease there)."""
		self.account = account
		self.on_message = on_message
		self.append_to = folder_row.get("append_to") if folder_row else None
		self.store = store
		self.uidvalidity = uidvalidity
		self.unread_only = account.email_sync_option == "UNSEEN"

	def __call__(self, message: Fetched) -> Outcome:
		key = message_key(message.raw)
		subject, sender = summary(message.raw)

		def keep(status, **fields):
			self.store.add(
				self.uidvalidity, message.uid, key, status, subject=subject, sender=sender, **fields
			)
			# each message is its own transaction (EmailAccount.receive too)
			frappe.db.commit()  # nosemgrep

		if self.unread_only and SEEN_FLAG in message.flags:
			# as Frappe's pull: a mailbox set to take unread mail leaves mail read on the server
			keep(SKIPPED, reason=_("Already read on the server; this mailbox takes unread mail only."))
			return Taken("")
		if self.on_message is not None:
			self.on_message()
		try:
			communication, mail = self.receive_once_more_after_deadlock(message)
		except SentEmailInInboxError:
			frappe.db.rollback()
			keep(SKIPPED, reason=_("Sent from this mailbox's own address (not a reply)."))
			return Taken("")
		except Exception as e:
			frappe.db.rollback()
			reason = failure_reason(message.raw, e)
			log_failure(self.account.name, reason)
			keep(FAILED_STATUS, reason=reason, raw=base64.b64encode(message.raw).decode())
			return Failed(reason)
		keep(TAKEN_STATUS, communication=communication.name)
		follow_up(self.account, communication, mail)
		return Taken(communication.name)

	def receive_once_more_after_deadlock(self, message: Fetched):
		"""`receive`, tried a second time when MariaDB chose it as a deadlock's victim: pulls of
		several mailboxes at once can lock each other in Frappe's own Communication save, and a
		deadlock is over once the other transaction ended."""
		for attempt in (1, 2):
			try:
				return receive(
					self.account,
					message.raw,
					message.uid,
					SEEN_FLAG in message.flags,
					self.append_to,
					truncated=message.truncated,
				)
			except frappe.QueryDeadlockError:
				if attempt == 2:
					raise
				frappe.db.rollback()


def receive(account, raw: bytes, uid: int, seen: bool, append_to=None, truncated: bool = False):
	"""Make the Communication (not committed); returns (communication, InboundMail). Raises on failure."""
	verdict = poison.classify(raw)
	notes = []
	if verdict.blocking:
		repaired = poison.repair(raw, fallback_sender=UNKNOWN_SENDER)
		if repaired.changes:
			raw = repaired.raw
			notes.append(_("Repaired before receiving: {0}.").format("; ".join(repaired.changes)))
			verdict = poison.classify(raw)
		if verdict.blocking:
			raise UnreadableMessage(verdict.reason)
	if truncated:
		notes.append(
			_(
				"Larger than the mailbox's attachment limit: only its headers were taken; the whole message is on the server."
			)
		)
	mail = MailboxInboundMail(raw, account, uid=uid, seen_status=int(seen), append_to=append_to)
	with receiving(mail):
		communication = mail.process()
	if communication is None:
		raise UnreadableMessage(_("Frappe made no Communication of it."))
	if getattr(mail, "refused_attachments", None):
		notes.append(
			_("Attachments Frappe refused, left out: {0}.").format(", ".join(mail.refused_attachments))
		)
	if notes and mail.flags.is_new_communication:
		from crm_mailbox.integrations.communication import mark_for_review

		mark_for_review(communication, " ".join(notes))
	return communication, mail


def follow_up(account, communication, mail) -> None:
	"""Frappe's own steps after a received email is committed (EmailAccount.receive): auto reply and
	notifications. Their failure does not undo the email."""
	if not mail.flags.is_new_communication:
		return
	try:
		if account.enable_auto_reply:
			account.send_auto_reply(communication, mail)
		communication.send_email(is_inbound_mail_communcation=True)
		# as EmailAccount.receive, after the email itself is committed
		frappe.db.commit()  # nosemgrep
	except Exception:
		frappe.db.rollback()
		frappe.log_error(
			title="crm_mailbox: notifying about a received email failed",
			reference_doctype="Communication",
			reference_name=communication.name,
		)


class UnreadableMessage(Exception):
	"""The message cannot become a Communication even after repair."""


def failure_reason(raw: bytes, error: BaseException) -> str:
	"""Why a message was kept instead of received, in words, with what the poison check saw."""
	if isinstance(error, UnreadableMessage):
		text = str(error)
	else:
		text = f"{type(error).__name__}: {plain_text(str(error), max_length=400)}"
	verdict = poison.classify(raw)
	if verdict.problems and verdict.reason not in text:
		text = f"{text} (the message: {verdict.reason})"
	return plain_text(text, max_length=MAX_REASON)  # it quotes the message: inert text


def log_failure(account: str, reason: str) -> None:
	frappe.log_error(
		title="crm_mailbox: a received email was kept for Retry",
		message=f"{reason}\n\n{frappe.get_traceback()}",
		reference_doctype="Email Account",
		reference_name=account,
	)


def summary(raw: bytes) -> tuple[str, str]:
	"""Subject and sender as inert, bounded text for the ledger's list; never raises."""
	try:
		head = poison.split_head(raw)[0]
		message = message_from_bytes(head + b"\n\n", policy=compat32)
		subject = poison._decoded(message.get("Subject") or "")
		sender = poison._decoded(message.get("From") or message.get("Sender") or "")
	except Exception:
		return "", ""
	return plain_text(subject), plain_text(sender)


def retry(row) -> str | None:
	"""Receive a kept message again; the Communication's name on success, else None with the new reason.

	Runs in the caller's request (no commit here): a failure rolls back to a savepoint.
	"""
	if row.status != FAILED_STATUS or not row.raw:
		frappe.throw(_("Only a failed message whose raw content is kept can be retried."))
	raw = base64.b64decode(row.raw)
	account = frappe.get_doc("Email Account", row.email_account)
	folder_row = next((f for f in account.get("imap_folder") or [] if f.folder_name == row.folder), None)
	frappe.db.savepoint("crm_mailbox_retry")
	try:
		communication, mail = receive(
			account, raw, row.uid, False, folder_row.append_to if folder_row else None
		)
	except Exception as e:
		frappe.db.rollback(save_point="crm_mailbox_retry")
		row.db_set("reason", failure_reason(raw, e), update_modified=False)
		return None
	row.db_set({"status": RETRIED, "communication": communication.name, "raw": None, "reason": None})
	if mail.flags.is_new_communication:
		communication.send_email(is_inbound_mail_communcation=True)
	return communication.name
