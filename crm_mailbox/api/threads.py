"""Whitelisted endpoints for working a mailbox thread: status, owner, internal notes, overdue counts."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_mailbox.api.dialog_fields import about_field
from crm_mailbox.threads import ownership


@frappe.whitelist(methods=["POST"])
def set_status(thread: str, status: str) -> None:
	"""Set a thread's work status (the owner marks it Done, a processor marks noise Ignored)."""
	frappe.get_doc(ownership.THREAD, thread).check_permission("write")
	ownership.set_work_status(thread, status)


@frappe.whitelist(methods=["POST"])
def assign(thread: str, user: str, reason: str = "") -> None:
	"""Make a processor of the thread's mailbox its one owner."""
	doc = frappe.get_doc(ownership.THREAD, thread)
	doc.check_permission("write")
	with about_field("user"):
		ownership.check_owner(doc.email_account, user)
		ownership.assign_thread(thread, user, reason)


@frappe.whitelist(methods=["POST"])
def add_note(communication: str, note: str) -> str:
	"""Add an internal note to an email: a comment for colleagues, never sent to the customer."""
	doc = frappe.get_doc("Communication", communication)
	doc.check_permission("read")
	with about_field("note"):
		if not (note or "").strip():
			frappe.throw(_("The note is empty."), title=_("Internal Note"))
	comment = doc.add_comment("Comment", text=frappe.utils.escape_html(note).replace("\n", "<br>"))
	return comment.name


@frappe.whitelist()
def overdue_counts() -> dict[str, int]:
	"""Threads waiting on us past their due time, per mailbox the user may read."""
	rows = frappe.get_list(
		ownership.THREAD,
		filters={
			"work_status": ("in", ownership.WAITING_ON_US_STATUSES),
			"in_team_list": 1,
			"due_at": ("<", now_datetime()),
		},
		fields=["email_account", "count(name) as overdue"],
		group_by="email_account",
		order_by="email_account asc",
	)
	return {row.email_account: row.overdue for row in rows}
