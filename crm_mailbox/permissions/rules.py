"""Who may read and change a mailbox's routing rules.

Rules name customers, amounts and people, and their actions run with the system's rights, so they
follow the mailbox: its members read them; System Managers and its processors (its owner for a
Personal mailbox) create, change, delete and preview them. A mailbox without a purpose has no
members of ours: its Email Inbox users (Frappe's own notion) read its rules, System Managers write them.
"""

from __future__ import annotations

import frappe

from crm_mailbox.mailboxes.settings import all_mailboxes, get_mailbox
from crm_mailbox.permissions.mailbox import READ_PTYPES, escaped_list, sees_every_mailbox

RULE = "Mailbox Routing Rule"


def may_read_rules(email_account: str | None, user: str) -> bool:
	if sees_every_mailbox(user):
		return True
	if not email_account:
		return False
	box = get_mailbox(email_account)
	if box is None:
		return email_account in inbox_accounts(user)
	return box.may_read(user, frappe.get_roles(user))


def may_edit_rules(email_account: str | None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return True
	box = get_mailbox(email_account)
	return bool(box and box.may_process(user, frappe.get_roles(user)))


def inbox_accounts(user: str) -> list[str]:
	"""The user's Email Inbox accounts (User Email rows), as Frappe's email list uses them."""
	return frappe.get_all("User Email", filters={"parent": user}, pluck="email_account", distinct=True)


def readable_rule_accounts(user: str) -> list[str]:
	"""The mailboxes whose rules this user reads (not for System Managers: they read all)."""
	roles = frappe.get_roles(user)
	mailboxes = all_mailboxes()
	readable = [name for name, box in mailboxes.items() if box.may_read(user, roles)]
	readable += [name for name in inbox_accounts(user) if name not in mailboxes]
	return sorted(set(readable))


def reads_any_rules(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return sees_every_mailbox(user) or bool(readable_rule_accounts(user))


def rule_query(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return ""
	readable = readable_rule_accounts(user)
	if not readable:
		return "1=0"
	return f"`tab{RULE}`.`email_account` in ({escaped_list(readable)})"


def rule_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return None
	stored = frappe.db.get_value(RULE, doc.name, "email_account") if doc.get("name") else None
	accounts = {doc.get("email_account"), stored} - {None, ""}
	if ptype in READ_PTYPES:
		allowed = all(may_read_rules(account, user) for account in accounts)
	else:
		# a rule moved between mailboxes must be the user's to change in both
		allowed = all(may_edit_rules(account, user) for account in accounts)
	return None if accounts and allowed else False
