"""Members of a mailbox, by name or by role, get it in their Email Inbox (User Email rows on User).

Frappe shows a user's email list, and lets an Inbox User read a Communication, only for the accounts
listed in that user's Email Inbox. So every member needs a row, whether named or holding a member
role: added when the mailbox is saved and when a user gains a member role. Rows are never removed
here: a former member may have had the row before, and crm_mailbox's own rules take access away.

Frappe's Communication permission also needs the Inbox User role. A role is a privilege an
administrator grants, so it is not added silently; `member_problems` names the members who lack it,
for the mailbox form.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.mailboxes.settings import PERSONAL, Mailbox, all_mailboxes, enabled_users, users_with_roles

INBOX_USER = "Inbox User"
# Frappe's Communication list lets these through without an Email Inbox row or Inbox User.
MAIL_ADMIN_ROLES = ("System Manager", "Super Email User")


def members(box: Mailbox) -> list[str]:
	"""Enabled users who belong to the mailbox: its owner, named members, users of member roles."""
	if box.purpose == PERSONAL:
		return enabled_users([box.owner] if box.owner else [])
	named = [box.owner] if box.owner else []
	named += box.reader_users + box.processor_users
	return enabled_users(named + users_with_roles(box.reader_roles + box.processor_roles))


def add_inboxes(box: Mailbox) -> None:
	"""Give every member of this mailbox an Email Inbox row for it."""
	row = inbox_row(box.name)
	listed = set(
		frappe.get_all(
			"User Email", filters={"parenttype": "User", "email_account": box.name}, pluck="parent"
		)
	)
	for user in members(box):
		if user in listed:
			continue
		user_doc = frappe.get_doc("User", user)
		user_doc.append("user_emails", row)
		try:
			user_doc.save(ignore_permissions=True)
		except Exception:
			# one user record Frappe will not save never stops the mailbox's own save
			frappe.log_error(
				title=_("Mailbox not added to an Email Inbox"), reference_doctype="User", reference_name=user
			)


def add_role_inboxes(user_doc, method=None) -> None:
	"""User validate: a user who holds a member role of a team mailbox gets it in their Email Inbox."""
	if user_doc.name in ("Administrator", "Guest") or not user_doc.enabled:
		return
	roles = {row.role for row in user_doc.get("roles") or []}
	if not roles:
		return
	listed = {row.email_account for row in user_doc.get("user_emails") or []}
	for box in all_mailboxes().values():
		if box.purpose == PERSONAL or box.name in listed:
			continue
		if roles & set(box.reader_roles + box.processor_roles):
			user_doc.append("user_emails", inbox_row(box.name))
			listed.add(box.name)


def inbox_row(email_account: str) -> dict:
	values = frappe.db.get_value(
		"Email Account", email_account, ["email_id", "awaiting_password", "enable_outgoing"], as_dict=True
	)
	return {
		"email_account": email_account,
		"email_id": values.email_id,
		"awaiting_password": values.awaiting_password or 0,
		"enable_outgoing": values.enable_outgoing or 0,
	}


def member_problems(box: Mailbox) -> list[str]:
	"""Plain-text sentences, one per member who cannot read the mailbox as things are."""
	problems = []
	users = members(box)
	for user in users:
		if can_read_mail(user):
			continue
		problems.append(
			_("{0} cannot read this mailbox: Frappe lets only users with the {1} role read email.").format(
				user, _(INBOX_USER)
			)
		)
	for role in box.reader_roles + box.processor_roles:
		if not enabled_users(users_with_roles([role])):
			problems.append(_("No enabled user has the member role {0}.").format(_(role)))
	return problems


def can_read_mail(user: str) -> bool:
	roles = set(frappe.get_roles(user))
	return user == "Administrator" or bool(roles & {INBOX_USER, *MAIL_ADMIN_ROLES})
