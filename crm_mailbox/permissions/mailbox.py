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
	if ptype == "read" and shares_linked_mail(doc.get("email_account")) and readable_reference(doc, user):
		return None  # Frappe's own hook decides: the reference document's read permission
	return False


def shares_linked_mail(email_account: str | None) -> bool:
	"""The mailbox's "Share Linked Mail" option: readers of a linked record may read its mail."""
	if not email_account or not frappe.get_meta("Email Account").has_field("crm_share_linked_mail"):
		return True
	return bool(frappe.db.get_value("Email Account", email_account, "crm_share_linked_mail"))


def readable_reference(doc, user: str) -> bool:
	reference_doctype, reference_name = doc.get("reference_doctype"), doc.get("reference_name")
	if not (reference_doctype and reference_name):
		return False
	if reference_doctype == doc.doctype and reference_name == doc.name:
		return False
	return bool(frappe.has_permission(reference_doctype, "read", doc=reference_name, user=user))


# --- Mailbox Thread --------------------------------------------------------------------------------

READ_PTYPES = (None, "read", "select", "print", "email", "report", "export")


def thread_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Threads of the user's mailboxes; a thread whose mailbox lost its purpose follows its emails."""
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return ""
	conditions = []
	denied = denied_accounts(user)
	if denied:
		conditions.append(f"`tabMailbox Thread`.`email_account` not in ({escaped_list(denied)})")
	emails = readable_emails_condition(user)
	if emails:
		of_thread = (
			"exists (select 1 from `tabCommunication` where `tabCommunication`.`crm_thread` = "
			f"`tabMailbox Thread`.`name` and {emails})"
		)
		with_purpose = list(all_mailboxes())
		if with_purpose:
			of_thread = (
				f"`tabMailbox Thread`.`email_account` in ({escaped_list(with_purpose)}) or {of_thread}"
			)
		conditions.append(f"({of_thread})")
	return " and ".join(conditions)


def thread_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	"""Members read a thread; its owner, the mailbox's processors and System Managers change it."""
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return None
	# judge the thread as stored: a PUT must not make its sender the owner before it is checked
	stored = stored_thread(doc)
	box = get_mailbox(stored.email_account)
	if box is None:
		if not may_read_thread_emails(stored, user):
			return False
	elif not box.may_read(user, frappe.get_roles(user)):
		return False
	if ptype in READ_PTYPES:
		return None
	if stored.thread_owner and user == stored.thread_owner:
		return None
	if box and box.may_process(user, frappe.get_roles(user)):
		return None
	return False


def stored_thread(doc) -> frappe._dict:
	fields = ("name", "email_account", "thread_owner", "first_communication")
	if doc.get("name") and not doc.get("__islocal"):
		stored = frappe.db.get_value("Mailbox Thread", doc.name, fields, as_dict=True)
		if stored:
			return stored
	return frappe._dict({field: doc.get(field) for field in fields})


def may_read_thread_emails(thread, user: str) -> bool:
	"""Whether the user may list one of the thread's emails (its first, or any that joined it)."""
	condition = readable_emails_condition(user)
	if not condition:
		return True
	# every app's Communication list rule is an SQL fragment: qb cannot compose it
	found = frappe.db.sql(  # nosemgrep
		f"""select 1 from `tabCommunication`
		where (`tabCommunication`.`name` = %(first)s or `tabCommunication`.`crm_thread` = %(thread)s)
		and {condition} limit 1""",
		{"first": thread.first_communication or "", "thread": thread.name or ""},
	)
	return bool(found)


def may_list_email(communication: str, user: str) -> bool:
	"""Whether this email is in the user's email list (every app's list rule for Communication)."""
	condition = readable_emails_condition(user)
	if not condition:
		return True
	# every app's Communication list rule is an SQL fragment: qb cannot compose it
	found = frappe.db.sql(  # nosemgrep
		f"select 1 from `tabCommunication` where `tabCommunication`.`name` = %(name)s and {condition}",
		{"name": communication},
	)
	return bool(found)


def readable_emails_condition(user: str) -> str:
	"""Who may list which emails, as Frappe composes it for Communication: every app's rule, ANDed."""
	from frappe.model.db_query import DatabaseQuery

	return DatabaseQuery("Communication", user=user).get_permission_query_conditions()


# --- Rows about one email: Mailbox Email Link, Mailbox Rule Run ----------------------------------
# Listed and opened where the email itself is listed: Frappe's Email Inbox rule and ours, composed.
# (Not where it merely opens because its reference document is readable: these rows carry the
# mailbox's subjects and snippets, as threads do.)


def email_rows_query(table: str, user: str) -> str:
	emails = readable_emails_condition(user)
	if not emails:
		return ""
	return (
		f"`tab{table}`.`communication` in "
		f"(select `tabCommunication`.`name` from `tabCommunication` where {emails})"
	)


def email_row_permission(doc, user: str | None) -> bool | None:
	user = user or frappe.session.user
	if sees_every_mailbox(user):
		return None
	communication = doc.get("communication")
	return None if communication and may_list_email(communication, user) else False


def email_link_query(user: str | None = None, doctype: str | None = None) -> str:
	return email_rows_query("Mailbox Email Link", user or frappe.session.user)


def email_link_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	return email_row_permission(doc, user)


def rule_run_query(user: str | None = None, doctype: str | None = None) -> str:
	return email_rows_query("Mailbox Rule Run", user or frappe.session.user)


def rule_run_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	return email_row_permission(doc, user)
