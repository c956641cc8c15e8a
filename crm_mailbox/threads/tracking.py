"""Put each new email of a Shared or CRM mailbox in its thread, and move the thread's work status.

Runs in Communication after_insert, inside Frappe's receive transaction: a few indexed reads and
writes per email. The owner's ToDo and Frappe's notification are queued until after the commit.

- A reply joins its parent's thread: the parent is Frappe's `in_reply_to` (a Communication), else
  the first of the email's stored Message-IDs (In-Reply-To, References) that a threaded email has.
- An incoming email with no thread starts one in its mailbox and gets an owner by the mailbox's
  strategy. Replies keep the owner.
- Incoming (not automated) → Waiting on us, with a due time from the mailbox's reply deadline;
  sent → Waiting on customer. An Ignored thread stays ignored.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from crm_mailbox.linking import store
from crm_mailbox.mailboxes.settings import Mailbox, get_mailbox
from crm_mailbox.mailflow.addresses import parse_address_list
from crm_mailbox.mailflow.plaintext import plain_text
from crm_mailbox.threads import ownership as own

RECEIVED, SENT = "Received", "Sent"


def on_email_inserted(doc) -> str | None:
	"""Attach this email to its thread (starting one if needed); the thread's name, or None."""
	parent = parent_thread(doc)
	if parent:
		attach(doc, parent)
		return parent
	box = get_mailbox(doc.email_account)
	if box is None or not box.is_team or doc.sent_or_received != RECEIVED:
		return None
	return start_thread(doc, box)


def parent_thread(doc) -> str | None:
	"""The thread of the email this one answers; for received mail, only a thread of the same mailbox.

	Tried in order: Frappe's in_reply_to; the email replied to from the desk (a reply written on an
	email's form refers to that Communication); the stored Message-IDs (In-Reply-To, References); for a
	reply written on a document's timeline, the latest threaded email from a recipient about that document.
	"""
	if doc.in_reply_to and (found := thread_where(doc, name=doc.in_reply_to)):
		return found
	if doc.reference_doctype == "Communication" and doc.reference_name:
		if found := thread_where(doc, name=doc.reference_name):
			return found
	ids = [line.strip() for line in (doc.get("crm_thread_ids") or "").splitlines() if line.strip()]
	if ids and (found := thread_where(doc, message_ids=ids[:50])):
		return found
	if doc.sent_or_received == SENT and doc.reference_doctype and doc.reference_name:
		recipients = [a.address for a in parse_address_list(doc.recipients)]
		if recipients:
			return thread_where(
				doc, reference=(doc.reference_doctype, doc.reference_name), senders=recipients
			)
	return None


def thread_where(doc, name=None, message_ids=None, reference=None, senders=None) -> str | None:
	communication = frappe.qb.DocType("Communication")
	thread = frappe.qb.DocType(own.THREAD)
	query = (
		frappe.qb.from_(communication)
		.join(thread)
		.on(thread.name == communication.crm_thread)
		.select(communication.crm_thread)
		.where(communication.name != doc.name)
		.orderby(communication.creation, order=frappe.qb.desc)
		.limit(1)
	)
	if doc.sent_or_received == RECEIVED:
		query = query.where(thread.email_account == (doc.email_account or ""))
	if name:
		query = query.where(communication.name == name)
	if message_ids:
		query = query.where(communication.message_id.isin(message_ids))
	if reference:
		query = query.where(
			(communication.reference_doctype == reference[0])
			& (communication.reference_name == reference[1])
			& (communication.sent_or_received == RECEIVED)
		)
	if senders:
		query = query.where(communication.sender.isin(senders))
	found = query.run(pluck=True)
	return found[0] if found else None


def start_thread(doc, box: Mailbox) -> str:
	received_at = get_datetime(doc.communication_date or now_datetime())
	automated = bool(doc.get("crm_is_automated"))
	# Automated mail (newsletters, bounces, auto-replies) is no one's work: no owner, no ToDo,
	# unless a rule assigns it or a person writes in the thread later (attach).
	owner = None if automated else own.pick_owner(box.name)
	# Made with its owner: one write per new thread, not an insert and then a save (issue 9 §5, the
	# cost per received email). The owner is one of the mailbox's enabled processors (pick_owner).
	thread = frappe.get_doc(
		{
			"doctype": own.THREAD,
			"subject": plain_text(doc.subject or _("(no subject)"), max_length=500),
			"email_account": box.name,
			"sender": (doc.sender or "")[:140],
			"first_communication": doc.name,
			"work_status": own.NEW,
			"status_changed_at": now_datetime(),
			"in_team_list": int(belongs_in_team_list(doc, box)),
			"message_count": 1,
			"last_incoming_at": received_at,
			"due_at": None if automated else box.due_after(received_at),
			"escalate_at": None if automated else box.due_after(received_at, factor=2),
			"thread_owner": owner,
			"assigned_at": now_datetime() if owner else None,
		}
	).insert(ignore_permissions=True)

	doc.db_set({"crm_thread": thread.name, "crm_thread_owner": owner}, update_modified=False)
	if owner:
		# what on_owner_change does for a thread that changes hands, a new one needs only the ToDo;
		# the inbox hears of the thread from realtime.email_inserted
		strategy = box.strategy or "Round robin"
		own.queue_assignment(
			thread.name, owner, _("New email in {0}; owner chosen by: {1}").format(box.name, _(strategy))
		)
	elif not automated:
		frappe.logger("crm_mailbox").warning(
			"thread %s of %s has no owner: the mailbox has no enabled processor", thread.name, box.name
		)
	return thread.name


def belongs_in_team_list(doc, box: Mailbox) -> bool:
	"""Automated mail, and mail from unknown senders unless the mailbox archives those too, stays out."""
	if doc.get("crm_is_automated"):
		return False
	if box.archive_unknown:
		return True
	return is_known_sender(doc)


def is_known_sender(doc) -> bool:
	links = doc.flags.crm_links
	if links is None:
		return True  # linking did not run or failed: keep the mail visible rather than hide it
	return (doc.reference_doctype or "Contact") != "Contact" or store.names_a_party(links)


def count_message(thread: str) -> None:
	"""message_count + 1 in one statement: two emails of a thread saved at once both count."""
	table = frappe.qb.DocType(own.THREAD)
	frappe.qb.update(table).set(table.message_count, table.message_count + 1).where(
		table.name == thread
	).run()


def attach(doc, thread: str) -> None:
	"""This email joins the thread: count it, move the work status, keep the owner."""
	current = frappe.db.get_value(
		own.THREAD,
		thread,
		["name", "email_account", "thread_owner", "work_status", "due_at"],
		as_dict=True,
	)
	if not current:
		return
	at = get_datetime(doc.communication_date or now_datetime())
	count_message(thread)
	changes: dict = {}
	status = current.work_status
	if doc.sent_or_received == SENT:
		changes["last_outgoing_at"] = at
		if status != own.IGNORED:
			status = own.WAITING_ON_CUSTOMER
			changes.update(due_at=None, escalate_at=None, is_overdue=0, overdue_stage=0)
	elif not doc.get("crm_is_automated"):
		changes["last_incoming_at"] = at
		if status not in (own.IGNORED, *own.WAITING_ON_US_STATUSES):
			# The customer wrote back: the clock starts now. Already waiting on us: it keeps running.
			status = own.WAITING_ON_US
			box = get_mailbox(current.email_account)
			changes.update(
				due_at=box.due_after(at) if box else None,
				escalate_at=box.due_after(at, factor=2) if box else None,
				is_overdue=0,
				overdue_stage=0,
			)
		elif status == own.NEW:
			status = own.WAITING_ON_US
			if not current.due_at:  # a thread started by automated mail had no clock
				box = get_mailbox(current.email_account)
				changes.update(
					due_at=box.due_after(at) if box else None,
					escalate_at=box.due_after(at, factor=2) if box else None,
				)
	if status != current.work_status:
		changes.update(work_status=status, status_changed_at=now_datetime())
	if changes:
		frappe.db.set_value(own.THREAD, thread, changes)

	doc.db_set({"crm_thread": thread, "crm_thread_owner": current.thread_owner}, update_modified=False)
	if not current.thread_owner and doc.sent_or_received == RECEIVED and not doc.get("crm_is_automated"):
		# A thread started by automated mail has no owner; a person writing in it makes it work.
		box = get_mailbox(current.email_account)
		owner = own.pick_owner(box.name) if box and box.is_team else None
		if owner:
			doc.db_set("crm_thread_owner", owner, update_modified=False)
			own.assign_thread(thread, owner, _("A person wrote in a thread of automated mail"))
		return
	reopened = current.work_status in own.CLOSED_STATUSES and status not in own.CLOSED_STATUSES
	if reopened and current.thread_owner:
		own.queue_assignment(thread, current.thread_owner, _("The customer wrote again"))
