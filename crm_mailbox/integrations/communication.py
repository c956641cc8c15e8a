"""doc_events for Communication: capture header facts, link to CRM records, record why.

Runs inside Frappe's receive transaction. Nothing here may fail the pull or lose an email:
every step is guarded, logs its error, and marks the email for review instead.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.linking import resolver, store
from crm_mailbox.mailflow.addresses import domain_of
from crm_mailbox.mailflow.automated import machine_sender
from crm_mailbox.mailflow.message import facts_from_message

from .inbound import current_inbound_mail


def is_email(doc) -> bool:
	return doc.communication_type == "Communication" and doc.communication_medium == "Email"


def before_validate(doc, method=None):
	if not is_email(doc):
		return
	with guarded(doc, _("Reading the email's headers failed")):
		if doc.is_new():
			capture_message_facts(doc)
		# Every save, not only the first: Frappe's receive saves the email twice.
		keep_automated_mail_from_creating_contacts(doc)


def validate(doc, method=None):
	if not is_email(doc):
		return
	restore_email_account(doc)
	with guarded(doc, _("Automatic linking failed")):
		if doc.is_new():
			resolution = resolver.resolve_links(doc)
			store.enforce(doc, resolution.all())
			store.set_reference(doc, resolution.links)
			doc.flags.crm_links = store.with_participants(doc, resolution)
		else:
			store.enforce(doc, store.stored_links(doc.name))


def after_insert(doc, method=None):
	if not (is_email(doc) and doc.flags.crm_links is not None):
		return
	with guarded(doc, _("Recording the email's links failed"), savepoint="crm_mailbox_links"):
		store.record(doc.name, doc.flags.crm_links, new=True)


def capture_message_facts(doc):
	"""Store what only the raw message tells: automated signals and the thread's Message-IDs."""
	doc.crm_sender_domain = domain_of(doc.sender) if doc.sent_or_received == "Received" else ""
	inbound = current_inbound_mail() if doc.sent_or_received == "Received" else None
	if inbound is not None:
		facts = facts_from_message(inbound.mail)
		repair_sender(doc, facts.sender)
		doc.crm_thread_ids = "\n".join(facts.thread_ids[:50])
		verdict = facts.automated
		doc.crm_is_automated = int(verdict.is_automated)
		doc.crm_automated_signal = verdict.reason[:140]
	elif doc.sent_or_received == "Received":
		signal = machine_sender(doc.sender)
		doc.crm_is_automated = int(bool(signal))
		doc.crm_automated_signal = signal[:140]


def repair_sender(doc, sender_from_headers: str):
	"""Frappe mangles a UTF-8 (SMTPUTF8) sender address into replacement characters; take ours."""
	if sender_from_headers and doc.sender and "\ufffd" in doc.sender:
		doc.sender = sender_from_headers
		doc.crm_sender_domain = domain_of(sender_from_headers)


def keep_automated_mail_from_creating_contacts(doc):
	"""Frappe creates Contacts for unknown senders when the Email Account says so; not for machines.

	Communication.set_timeline_links reads `create_contact` through `self.email_account`. For
	automated mail we hide the account for the length of Frappe's validate and put it back in our
	validate hook, which Frappe runs right after its own.
	"""
	if doc.crm_is_automated and doc.email_account:
		doc.flags.crm_email_account = doc.email_account
		doc.email_account = None


def restore_email_account(doc):
	if doc.flags.crm_email_account:
		doc.email_account = doc.flags.crm_email_account
		doc.flags.crm_email_account = None


class guarded:
	"""Run a step; on error log it, roll back to the savepoint, and mark the email for review."""

	def __init__(self, doc, what: str, savepoint: str | None = None):
		self.doc, self.what, self.savepoint = doc, what, savepoint

	def __enter__(self):
		if self.savepoint:
			frappe.db.savepoint(self.savepoint)
		return self

	def __exit__(self, exc_type, exc, tb):
		if exc_type is None:
			return False
		if self.savepoint:
			frappe.db.rollback(save_point=self.savepoint)
		restore_email_account(self.doc)
		error_log = frappe.log_error(
			title=f"crm_mailbox: {self.what}",
			reference_doctype="Communication",
			reference_name=self.doc.name,
		)
		note = _("{0}: {1}. Details in Error Log {2}.").format(
			self.what, exc_type.__name__, getattr(error_log, "name", "")
		)
		mark_for_review(self.doc, note)
		return True  # swallow: the email must be saved


def mark_for_review(doc, note: str):
	"""Flag the email; several failing steps each add their line to the note."""
	earlier = (doc.get("crm_review_note") or "").strip()
	doc.crm_needs_review = 1
	doc.crm_review_note = (f"{earlier}\n{note}" if earlier and note not in earlier else note)[:1000]
	if not doc.is_new() and frappe.db.exists("Communication", doc.name):
		frappe.db.set_value(
			"Communication",
			doc.name,
			{"crm_needs_review": 1, "crm_review_note": doc.crm_review_note},
			update_modified=False,
		)
