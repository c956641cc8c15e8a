"""doc_events for Communication: put each new email of a Shared or CRM mailbox in its thread.

Runs after the linking hook (the thread needs to know whether the sender is known). Guarded like
the linking hook: a failure is logged and marks the email for review; the email is always saved.
"""

from __future__ import annotations

from frappe import _

from crm_mailbox.integrations.communication import guarded, is_email
from crm_mailbox.threads import tracking


def after_insert(doc, method=None):
	if not is_email(doc):
		return
	with guarded(doc, _("Putting the email in its thread failed"), savepoint="crm_mailbox_thread"):
		tracking.on_email_inserted(doc)
