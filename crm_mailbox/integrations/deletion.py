"""Deleting core records never trips over crm_mailbox's bookkeeping.

The app's rows about an email or a record (links and their reasons, rule runs, thread bookkeeping) are
listed in `ignore_links_on_delete` (hooks.py), so Frappe's link check never refuses a delete because of
them; these `on_trash` handlers then remove or repair them, inside the same transaction as the delete.
Whoever deletes (a person in the desk, Frappe's own code, another app, a data-erasure request), the
record goes and nothing of ours points at it afterwards.
"""

from __future__ import annotations

import frappe

LINK = "Mailbox Email Link"
RULE_RUN = "Mailbox Rule Run"
THREAD = "Mailbox Thread"
RULE = "Mailbox Routing Rule"
SEEN = "Mailbox Thread Seen"
INTAKE_MESSAGE = "Mailbox Intake Message"
INTAKE_FOLDER = "Mailbox Intake Folder"

# Our own bookkeeping: deleting one of these needs no clean-up of links.
OWN_DOCTYPES = frozenset(
	{LINK, RULE_RUN, RULE, SEEN, "Mailbox Rule Run Action", INTAKE_MESSAGE, INTAKE_FOLDER}
)


def on_trash(doc, method=None):
	"""doc_events["*"]["on_trash"]: forget every link of ours that points at the deleted record."""
	if doc.doctype in OWN_DOCTYPES or frappe.flags.in_uninstall or frappe.flags.in_install:
		return
	if doc.doctype == THREAD:
		clear_thread_of_emails([doc.name])
		frappe.db.delete(SEEN, {"thread": doc.name})
		return
	if doc.doctype == "Communication":
		forget_email(doc)
	elif doc.doctype == "Email Account":
		forget_mailbox(doc.name)
	elif doc.doctype == "User":
		forget_user(doc.name)
	# Any record can be linked by hand ("Link to..."), so this is one indexed delete for every doctype.
	frappe.db.delete(LINK, {"link_doctype": doc.doctype, "link_name": doc.name})


def forget_email(doc) -> None:
	"""The email's links, rule runs and its place in its thread; a thread left empty goes too."""
	frappe.db.delete(LINK, {"communication": doc.name})
	delete_rule_runs({"communication": doc.name})
	# the intake's ledger keeps the row, so the message is not received again, without the link
	frappe.db.set_value(
		INTAKE_MESSAGE, {"communication": doc.name}, "communication", None, update_modified=False
	)
	thread = doc.get("crm_thread") or frappe.db.get_value(THREAD, {"first_communication": doc.name})
	if thread:
		leave_thread(thread, doc.name)


def leave_thread(thread: str, communication: str) -> None:
	others = frappe.get_all(
		"Communication",
		filters={"crm_thread": thread, "name": ("!=", communication)},
		pluck="name",
		order_by="communication_date asc, creation asc",
	)
	if not others:
		# delete_doc also removes the thread's ToDos, shares and comments (Frappe's dynamic links)
		frappe.delete_doc(THREAD, thread, ignore_permissions=True, force=True, delete_permanently=True)
		return
	# bookkeeping, not history a person reads: the count of messages and the thread's first email
	frappe.db.set_value(
		THREAD,
		thread,
		{"message_count": len(others), "first_communication": others[0]},
		update_modified=False,
	)


def forget_mailbox(email_account: str) -> None:
	"""A deleted mailbox takes its rules, rule runs and threads with it; its emails stay, as in Frappe."""
	for rule in frappe.get_all(RULE, filters={"email_account": email_account}, pluck="name"):
		frappe.delete_doc(RULE, rule, ignore_permissions=True, force=True, delete_permanently=True)
	delete_rule_runs({"email_account": email_account})
	frappe.db.delete(INTAKE_MESSAGE, {"email_account": email_account})
	frappe.db.delete(INTAKE_FOLDER, {"email_account": email_account})
	for thread in frappe.get_all(THREAD, filters={"email_account": email_account}, pluck="name"):
		frappe.delete_doc(THREAD, thread, ignore_permissions=True, force=True, delete_permanently=True)


def clear_thread_of_emails(threads: list[str]) -> None:
	"""A deleted thread's emails stay and belong to no thread (a later reply starts a new one)."""
	communication = frappe.qb.DocType("Communication")
	(
		frappe.qb.update(communication)
		.set(communication.crm_thread, None)
		.set(communication.crm_thread_owner, None)
		.where(communication.crm_thread.isin(threads))
	).run()


def forget_user(user: str) -> None:
	"""A deleted user is no mailbox member, owns no thread and has read none: the threads become unassigned.

	A user named as a mailbox's owner still cannot be deleted (Frappe offers to disable them): the
	mailbox needs a new owner first, a choice only a person can make.
	"""
	members = frappe.get_all("Mailbox Member", filters={"user": user}, pluck="parent", distinct=True)
	frappe.db.delete("Mailbox Member", {"user": user})
	frappe.db.delete(SEEN, {"user": user})
	if members:
		from crm_mailbox.mailboxes import settings

		settings.clear_cache()
	# bookkeeping: the user is gone, so there is no one to record a handover for
	frappe.db.set_value(THREAD, {"thread_owner": user}, "thread_owner", None, update_modified=False)
	frappe.db.set_value(
		"Communication", {"crm_thread_owner": user}, "crm_thread_owner", None, update_modified=False
	)


def delete_rule_runs(filters: dict) -> None:
	runs = frappe.get_all(RULE_RUN, filters=filters, pluck="name")
	if runs:
		frappe.db.delete("Mailbox Rule Run Action", {"parenttype": RULE_RUN, "parent": ("in", runs)})
		frappe.db.delete(RULE_RUN, {"name": ("in", runs)})
