"""doc_events for Communication: queue the mailbox's routing rules for a new incoming email.

Only queues: the rules run in a background job after Frappe's receive has committed the email
(with its links and attachments). Queues only work that can do something: nothing when the
mailbox has no enabled rule, or when the email is a later one of a thread (rules run for the
first). Guarded like every receive hook: it never fails the pull.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.routing import engine

from .communication import guarded


def after_insert(doc, method=None):
	if not engine.is_incoming_email(doc):
		return
	with guarded(doc, _("Queueing the routing rules failed")):
		if rules_could_run(doc):
			engine.enqueue_for_email(doc.name)


def rules_could_run(doc) -> bool:
	"""The mailbox has an enabled rule (indexed lookup), and this email starts its thread."""
	if not frappe.db.exists(engine.RULE, {"email_account": doc.email_account, "enabled": 1}):
		return False
	thread = doc.get("crm_thread")  # set by the thread hook, which runs before this one
	return not thread or frappe.db.get_value("Mailbox Thread", thread, "first_communication") == doc.name
