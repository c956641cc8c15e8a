"""doc_events for Communication: capture header facts, link to CRM records, record why.

Runs inside Frappe's receive transaction. Nothing here may fail the pull or lose an email:
every step is guarded, logs its error, and marks the email for review instead.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.linking import contacts, resolver, store
from crm_mailbox.mailflow.addresses import domain_of
from crm_mailbox.mailflow.automated import machine_sender
from crm_mailbox.mailflow.message import facts_from_message
from crm_mailbox.mailflow.plaintext import plain_text

from .inbound import current_inbound_mail


def is_email(doc) -> bool:
	return doc.communication_type == "Communication" and doc.communication_medium == "Email"


def before_validate(doc, method=None):
	if not is_email(doc):
		return
	with guarded(doc, _("Reading the email's headers failed")):
		if doc.is_new():
			capture_message_facts(doc)
			make_received_text_inert(doc)
		# Every save, not only the first: Frappe's receive saves the email twice.
		take_over_contact_creation(doc)


def validate(doc, method=None):
	if not is_email(doc):
		return
	create_contacts = restore_email_account(doc) and doc.is_new() and not doc.get("crm_is_automated")
	bound_sender_name(doc)
	with guarded(doc, _("Creating contacts for new addresses failed")):
		if create_contacts:
			contacts.create_for_strangers(doc)
		contacts.drop_our_contacts(doc)
	with guarded(doc, _("Automatic linking failed")):
		if doc.is_new():
			resolution = resolver.resolve_links(doc)
			store.drop_doctype(doc, resolver.left_out_doctype(doc))
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
	doc.crm_sender_domain = sender_domain(doc.sender) if doc.sent_or_received == "Received" else ""
	inbound = current_inbound_mail() if doc.sent_or_received == "Received" else None
	if inbound is not None and (inbound.message_id or "") == (doc.message_id or ""):
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


def make_received_text_inert(doc):
	"""Subject and display name of received mail are stored as plain text no page turns into markup."""
	if doc.sent_or_received == "Received":
		doc.subject = plain_text(doc.subject, max_length=None)
		doc.sender_full_name = plain_text(doc.sender_full_name)


def repair_sender(doc, sender_from_headers: str):
	"""Frappe mangles a UTF-8 (SMTPUTF8) sender address into replacement characters; take ours."""
	if sender_from_headers and doc.sender and "\ufffd" in doc.sender:
		doc.sender = sender_from_headers
		doc.crm_sender_domain = sender_domain(sender_from_headers)


def bound_sender_name(doc):
	"""Frappe puts a sender without a display name, whole, into sender_full_name (Data, 140), then
	refuses its own email; its validate runs before ours, its length check after."""
	if doc.sender_full_name and len(doc.sender_full_name) > 140:
		doc.sender_full_name = doc.sender_full_name[:139] + "…"


def sender_domain(sender: str | None) -> str:
	"""The sender's domain, bounded to its column (Data, 140): a longer one is valid DNS but never a customer's."""
	return domain_of(sender)[:140]


def take_over_contact_creation(doc):
	"""Frappe's contact creation, run by us so that it spares our own addresses and automated mail.

	Communication.set_timeline_links reads `create_contact` through `self.email_account`. When the
	account creates contacts we hide it for the length of Frappe's validate and put it back in our
	validate hook, which Frappe runs right after its own; that hook creates the contacts (see
	linking.contacts), except for automated mail.
	"""
	if doc.email_account and contacts.account_creates_contacts(doc.email_account):
		doc.flags.crm_email_account = doc.email_account
		doc.email_account = None


def restore_email_account(doc) -> bool:
	"""Put back the account hidden from Frappe's validate; True when there was one."""
	if doc.flags.crm_email_account:
		doc.email_account = doc.flags.crm_email_account
		doc.flags.crm_email_account = None
		return True
	return False


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
	# Written whenever the row exists, after_insert included: there the document still counts as
	# new, and Frappe's receive reloads it from the database right after.
	if doc.name and frappe.db.exists("Communication", doc.name):
		frappe.db.set_value(
			"Communication",
			doc.name,
			{"crm_needs_review": 1, "crm_review_note": doc.crm_review_note},
			update_modified=False,
		)
