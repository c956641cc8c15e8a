"""doc_events for Communication: queue the mailbox's routing rules for a new incoming email.

Only queues: the rules run in a background job after Frappe's receive has committed the email
(with its links and attachments). Guarded like every receive hook: it never fails the pull.
"""

from __future__ import annotations

from frappe import _

from crm_mailbox.routing import engine

from .communication import guarded


def after_insert(doc, method=None):
	if not engine.is_incoming_email(doc):
		return
	with guarded(doc, _("Queueing the routing rules failed")):
		engine.enqueue_for_email(doc.name)
