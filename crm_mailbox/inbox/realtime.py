"""Tell the members of a mailbox that its inbox changed: new mail, or a thread's owner or status.

Published to each member's own user room after the commit, never to the whole site: the event
carries only the thread's name and mailbox, and the page asks the server (permission-checked) again.
System Managers read every mailbox (permissions.mailbox), so they hear of every mailbox too.
"""

from __future__ import annotations

import frappe

from crm_mailbox.mailboxes.settings import enabled_users, get_mailbox, users_with_roles
from crm_mailbox.permissions.mailbox import UNRESTRICTED_ROLES

EVENT = "crm_mailbox_inbox"


def audience(email_account: str | None) -> list[str]:
	"""Who may read the mailbox: its owner, readers and processors, and every System Manager."""
	box = get_mailbox(email_account)
	if box is None:
		return []
	users = [box.owner, *box.reader_users, *box.processor_users]
	if box.is_team:
		users += users_with_roles(box.reader_roles + box.processor_roles)
	users += ["Administrator", *users_with_roles(list(UNRESTRICTED_ROLES))]
	return enabled_users(users)


def publish(email_account: str | None, thread: str | None) -> None:
	if not (email_account and thread):
		return
	try:
		for user in audience(email_account):
			frappe.publish_realtime(
				EVENT, {"thread": thread, "mailbox": email_account}, user=user, after_commit=True
			)
	except Exception:
		# a notice for open pages must never fail the receive path or a thread's save
		frappe.log_error(
			title="crm_mailbox: inbox realtime event failed",
			reference_doctype="Mailbox Thread",
			reference_name=thread,
		)


def email_inserted(doc, method=None) -> None:
	"""Communication after_insert, after the thread tracking: new mail in a thread."""
	if doc.get("crm_thread"):
		publish(doc.email_account, doc.crm_thread)
