"""Overdue replies: tell the owner when a thread waits on us past its due time, then the warned members.

Stage 1 (due_at passed): the thread's owner. Stage 2 (escalate_at passed, twice the deadline): the
mailbox's members marked "warn when overdue". Each stage is claimed under a row lock before anyone is
told, so a thread is never notified twice for the same stage, even by two overlapping runs.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, format_datetime, get_url_to_form, now_datetime

from crm_mailbox.mailboxes.settings import all_mailboxes, get_mailbox
from crm_mailbox.threads import ownership as own

OWNER_NOTIFIED, OTHERS_WARNED = 1, 2


def enqueue_overdue_checks() -> None:
	"""Scheduler: one job per Shared or CRM mailbox that has a reply deadline."""
	for name, box in all_mailboxes().items():
		if box.is_team and box.deadline_hours > 0:
			frappe.enqueue(
				"crm_mailbox.threads.overdue.check_mailbox",
				queue="short",
				job_id=f"crm_mailbox:overdue:{name}",
				deduplicate=True,
				now=frappe.flags.in_test,
				email_account=name,
			)


def check_mailbox(email_account: str) -> dict[str, int]:
	"""Notify for every overdue thread of this mailbox; how many were notified per stage."""
	now = now_datetime()
	counts = {"owner": 0, "warned": 0}
	for stage, field, key in ((OWNER_NOTIFIED, "due_at", "owner"), (OTHERS_WARNED, "escalate_at", "warned")):
		for thread in due_threads(email_account, field, stage, now):
			frappe.db.savepoint("crm_mailbox_overdue")
			try:
				if claim(thread, stage):
					notify(thread, stage)
					counts[key] += 1
			except Exception:
				frappe.db.rollback(save_point="crm_mailbox_overdue")
				frappe.log_error(
					title="crm_mailbox: overdue notification failed",
					reference_doctype=own.THREAD,
					reference_name=thread,
				)
	if counts["owner"] or counts["warned"]:
		frappe.logger("crm_mailbox").info(
			"overdue threads of %s: %s owners notified, %s warned",
			email_account,
			counts["owner"],
			counts["warned"],
		)
	return counts


def due_threads(email_account: str, field: str, stage: int, now) -> list[str]:
	return frappe.get_all(
		own.THREAD,
		filters={
			"email_account": email_account,
			"work_status": ("in", own.WAITING_ON_US_STATUSES),
			"in_team_list": 1,
			field: ("<=", now),
			"overdue_stage": ("<", stage),
		},
		pluck="name",
		order_by=f"{field} asc",
		limit=500,
	)


def claim(thread: str, stage: int) -> bool:
	"""Move the thread to this stage unless someone already did; True when this run notifies."""
	current = frappe.db.get_value(own.THREAD, thread, "overdue_stage", for_update=True)
	if current is None or current >= stage:
		return False
	frappe.db.set_value(own.THREAD, thread, {"overdue_stage": stage, "is_overdue": 1}, update_modified=False)
	return True


def notify(thread: str, stage: int) -> None:
	doc = frappe.get_doc(own.THREAD, thread)
	box = get_mailbox(doc.email_account)
	if stage == OWNER_NOTIFIED:
		users = [doc.thread_owner] if doc.thread_owner else (box.processors() if box else [])
		subject = _("Reply overdue: {0}").format(doc.subject or doc.name)
		message = _("A reply to {0} in {1} was due at {2}.").format(
			doc.sender or _("the customer"), doc.email_account, format_datetime(doc.due_at)
		)
	else:
		users = box.warned() if box else []
		subject = _("Still no reply: {0}").format(doc.subject or doc.name)
		message = _("A reply to {0} in {1} was due at {2}; the owner, {3}, has been told.").format(
			doc.sender or _("the customer"),
			doc.email_account,
			format_datetime(doc.due_at),
			doc.thread_owner or _("nobody"),
		)
	users = [u for u in dict.fromkeys(users) if u]
	if not users:
		return
	for user in users:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": own.THREAD,
				"document_name": doc.name,
				# both are drawn as HTML in the notifications dropdown; the email below escapes its own
				"subject": escape_html(subject),
				"email_content": escape_html(message),
			}
		).insert(ignore_permissions=True)
	recipients = [
		email for email in frappe.get_all("User", filters={"name": ("in", users)}, pluck="email") if email
	]
	if recipients:
		send_email(doc.name, recipients, subject, message)


def send_email(thread: str, recipients: list[str], subject: str, message: str) -> None:
	"""The email beside the in-app notification; without outgoing mail the notification still stands."""
	link = get_url_to_form(own.THREAD, thread)
	try:
		frappe.sendmail(
			recipients=recipients,
			subject=subject,
			message=f"<p>{escape_html(message)}</p><p><a href='{link}'>{_('Open the thread')}</a></p>",
			reference_doctype=own.THREAD,
			reference_name=thread,
		)
	except frappe.OutgoingEmailError:
		frappe.log_error(
			title="crm_mailbox: overdue email not sent", reference_doctype=own.THREAD, reference_name=thread
		)
