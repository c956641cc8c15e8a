"""Whose mail shows on a linked record's timeline: the mailbox's "Share Linked Mail" option.

Frappe's timeline (frappe.desk.form.load) lists every email whose reference or timeline links name
the record, with no permission hook. The app still links a Personal mailbox's mail to the Customer,
Lead or Contact it is about (Mailbox Email Link, timeline links), so the mailbox's owner finds it
there; for a mailbox that does not share its linked mail, those emails are taken out of the
timeline of everyone who may not read the mailbox (api/timeline.py wraps Frappe's endpoints).
"""

from __future__ import annotations

import frappe

from crm_mailbox.permissions.mailbox import may_read_mailbox

SHARE_FIELD = "crm_share_linked_mail"


def unshared_mailboxes() -> list[str]:
	"""Mailboxes with a purpose whose linked mail stays with those who may read the mailbox."""
	if not frappe.get_meta("Email Account").has_field(SHARE_FIELD):
		return []  # during install, before the custom field exists
	return frappe.get_all(
		"Email Account",
		filters={"crm_purpose": ("is", "set"), SHARE_FIELD: 0},
		pluck="name",
	)


def hidden_emails(names: list[str], user: str | None = None) -> set[str]:
	"""Those of these Communications the user may not see on a linked record's timeline."""
	if not names:
		return set()
	user = user or frappe.session.user
	unshared = [account for account in unshared_mailboxes() if not may_read_mailbox(account, user)]
	if not unshared:
		return set()
	return set(
		frappe.get_all(
			"Communication",
			filters={"name": ("in", names), "email_account": ("in", unshared)},
			pluck="name",
		)
	)


def visible(communications: list[dict], user: str | None = None) -> list[dict]:
	hidden = hidden_emails([c.get("name") for c in communications], user)
	return [c for c in communications if c.get("name") not in hidden]


def filter_docinfo(docinfo: dict | None) -> None:
	"""Take the emails the user may not see out of a form's docinfo, in place."""
	if not docinfo:
		return
	for key in ("communications", "automated_messages"):
		if docinfo.get(key):
			docinfo[key] = visible(docinfo[key])
