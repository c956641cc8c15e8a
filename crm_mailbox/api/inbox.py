"""Whitelisted endpoints of the inbox page: the queue, the work counts, a thread's conversation, seen marks.

Actions on a thread (assign, Done, Ignore, notes, Create, Link to...) use the app's existing endpoints
(api.threads, api.create, api.links); `conversation` says which of them the user may take.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from crm_mailbox.api.create import CREATABLE
from crm_mailbox.inbox import conversation as talk
from crm_mailbox.inbox import counts as work
from crm_mailbox.inbox import queue as threads
from crm_mailbox.inbox import replying as composing
from crm_mailbox.inbox import seen
from crm_mailbox.mailboxes.settings import get_mailbox
from crm_mailbox.threads import ownership as own


@frappe.whitelist()
def queue(
	filter: str = "mine",
	mailbox: str | None = None,
	start: int = 0,
	page_length: int = 20,
	after: str | None = None,
) -> dict:
	"""A page of the threads of the mailboxes the user may read, latest activity first; `next` pages on."""
	frappe.has_permission(own.THREAD, "read", throw=True)
	if mailbox:
		check_member(mailbox)
	return threads.page(filter, mailbox, after, cint(start), cint(page_length))


@frappe.whitelist()
def counts(mailbox: str | None = None) -> dict:
	"""My open threads (New + Waiting on us), overdue, unassigned, waiting on customer; per mailbox."""
	frappe.has_permission(own.THREAD, "read", throw=True)
	if mailbox:
		check_member(mailbox)
	return work.work_counts(mailbox, frappe.session.user)


@frappe.whitelist()
def conversation(thread: str, show_images: bool | int = 0) -> dict:
	"""Every message of the thread in order, bodies sanitised, with its links, state and allowed actions."""
	doc = frappe.get_doc(own.THREAD, thread)
	doc.check_permission("read")
	items = talk.messages(doc, bool(cint(show_images)))
	emails = [item for item in items if item["kind"] == "email"]
	last = emails[-1] if emails else None
	state = threads.describe_thread(doc)
	can = permitted_actions(doc, last)
	return {
		"thread": state,
		"messages": items,
		"links": talk.side_panel(doc)["links"],
		"reply_to": reply_target(doc, emails),
		"can": can,
		"replying": composing.others(doc.name, frappe.session.user),
		# whom Assign offers: those who may own the thread (the server refuses anyone else)
		"owners": possible_owners(doc) if can.get("assign") else [],
	}


def possible_owners(doc) -> list[str]:
	"""The mailbox's owner and processors: the users its threads may be assigned to."""
	box = get_mailbox(doc.email_account)
	if not box:
		return []
	return list(dict.fromkeys(([box.owner] if box.owner else []) + box.processors()))


@frappe.whitelist(methods=["POST"])
def mark_seen(thread: str) -> None:
	"""The user has read the thread up to now: it is no longer unread for them."""
	frappe.get_doc(own.THREAD, thread).check_permission("read")
	seen.mark(thread, frappe.session.user)


@frappe.whitelist(methods=["POST"])
def replying(thread: str, active: bool | int = 1) -> None:
	"""The user opened (or closed) the reply composer on the thread: its other readers see a notice."""
	doc = frappe.get_doc(own.THREAD, thread)
	doc.check_permission("read")
	frappe.has_permission("Communication", "create", throw=True)
	composing.announce(doc, frappe.session.user, bool(cint(active)))


def check_member(mailbox: str) -> None:
	"""Only a mailbox the user may read can filter the queue (its name is no secret, its mail is)."""
	from crm_mailbox.permissions.mailbox import may_read_mailbox

	if not may_read_mailbox(mailbox, frappe.session.user):
		frappe.throw(
			_("You are not a member of mailbox {0}").format(frappe.bold(mailbox)), frappe.PermissionError
		)


def reply_target(doc, emails: list[dict]) -> dict | None:
	"""The last email from someone else (else the last one): what Reply answers, thread kept."""
	if not emails:
		return None
	incoming = [e for e in emails if e["direction"] == "Received"]
	target = (incoming or emails)[-1]
	return {
		"name": target["name"],
		"sender": target["sender"],
		"recipients": target["recipients"],
		"cc": target["cc"],
		"bcc": "",
		"communication_date": target["at"],
		# the composer quotes this as HTML: give it the sanitised body, never the raw one
		"content": target["html"],
		"subject": doc.subject or "",
		"email_account": doc.email_account,
		# the composer's From: the thread's own mailbox, where the user may send from it
		"mailbox_address": frappe.db.get_value("Email Account", doc.email_account, "email_id")
		if doc.email_account
		else None,
	}


def permitted_actions(doc, last: dict | None) -> dict[str, bool]:
	"""What this user may do on the thread: the page offers only these."""
	write = bool(frappe.has_permission(own.THREAD, "write", doc=doc))
	box = get_mailbox(doc.email_account)
	roles = frappe.get_roles()
	processor = bool(box and box.may_process(frappe.session.user, roles)) or "System Manager" in roles
	has_email = bool(last)
	can = {
		"reply": has_email and bool(frappe.has_permission("Communication", "create")),
		"assign": write and processor,
		"done": write,
		"ignore": write and processor,
		"note": has_email,
		"link": has_email,
	}
	for doctype in CREATABLE:
		can[f"create_{frappe.scrub(doctype)}"] = has_email and bool(frappe.has_permission(doctype, "create"))
	return can
