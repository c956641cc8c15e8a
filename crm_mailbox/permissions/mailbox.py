"""Who may read the mail of a Personal, Shared or CRM mailbox: permission_query_conditions and has_permission.

- Personal mailbox: its owner. Shared or CRM mailbox: its members and processors (by user or role).
- System Manager and Administrator: every mailbox. Accounts without a purpose: Frappe's rules only.
- An email whose reference document the user may read stays readable when opened, as in Frappe.

Frappe v15 ANDs the query conditions of all apps, and a has_permission hook can only deny: these
hooks return a condition that removes the mailboxes a user does not belong to, and False or None
(never True, which would skip Frappe's own Communication check).
"""

from __future__ import annotations

import frappe

from crm_mailbox.mailboxes.settings import all_mailboxes, get_mailbox

_DENIED_KEY = "crm_mailbox_denied_accounts"
UNRESTRICTED_ROLES = ("System Manager",)


def sees_every_mailbox(user: str) -> bool:
	return user == "Administrator" or any(role in UNRESTRICTED_ROLES for role in frappe.get_roles(user))


def denied_accounts(user: str) -> list[str]:
	"""The mailboxes with a purpose that this user does not belong to; cached with the settings."""
	mailboxes = all_mailboxes()
	# Keyed to the settings object: when settings.clear_cache() drops it, these answers go too.
	source, cache = getattr(frappe.local, _DENIED_KEY, (None, None))
	if source is not mailboxes:
		cache = {}
		setattr(frappe.local, _DENIED_KEY, (mailboxes, cache))
	if user not in cache:
		if sees_every_mailbox(user):
			cache[user] = []
		else:
			roles = frappe.get_roles(user)
			cache[user] = sorted(name for name, box in mailboxes.items() if not box.may_read(user, roles))
	return cache[user]


def may_read_mailbox(email_account: str | None, user: str) -> bool:
	if not email_account:
		return True
	return email_account not in denied_accounts(user)


def escaped_list(names: list[str]) -> str:
	return ", ".join(frappe.db.escape(name, percent=False) for name in names)


# --- Communication ---------------------------------------------------------------------------------


def communication_query(user: str | None = None, doctype: str | None = None) -> str:
	denied = denied_accounts(user or frappe.session.user)
	if not denied:
		return ""
	return f"ifnull(`tabCommunication`.`email_account`, '') not in ({escaped_list(denied)})"


def communication_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if may_read_mailbox(doc.get("email_account"), user):
		return None
	if ptype == "read" and readable_reference(doc, user):
		return None  # Frappe's own hook decides: the reference document's read permission
	return False


def readable_reference(doc, user: str) -> bool:
	reference_doctype, reference_name = doc.get("reference_doctype"), doc.get("reference_name")
	if not (reference_doctype and reference_name):
		return False
	if reference_doctype == doc.doctype and reference_name == doc.name:
		return False
	return bool(frappe.has_permission(reference_doctype, "read", doc=reference_name, user=user))


# --- Mailbox Thread --------------------------------------------------------------------------------


def thread_query(user: str | None = None, doctype: str | None = None) -> str:
	denied = denied_accounts(user or frappe.session.user)
	if not denied:
		return ""
	return f"`tabMailbox Thread`.`email_account` not in ({escaped_list(denied)})"


def thread_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	"""Members read a thread; its owner and the mailbox's processors change it."""
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return None
	if not may_read_mailbox(doc.get("email_account"), user):
		return False
	if ptype in (None, "read", "select", "print", "email", "report", "export"):
		return None
	box = get_mailbox(doc.get("email_account"))
	if box is None or user == doc.get("thread_owner") or box.may_process(user, frappe.get_roles(user)):
		return None
	return False


# --- Mailbox Email Link ----------------------------------------------------------------------------


def email_link_query(user: str | None = None, doctype: str | None = None) -> str:
	denied = denied_accounts(user or frappe.session.user)
	if not denied:
		return ""
	return (
		"`tabMailbox Email Link`.`communication` not in (select `name` from `tabCommunication` "
		f"where `email_account` in ({escaped_list(denied)}))"
	)


def email_link_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if not denied_accounts(user):
		return None
	account = frappe.db.get_value("Communication", doc.get("communication"), "email_account")
	return None if may_read_mailbox(account, user) else False
