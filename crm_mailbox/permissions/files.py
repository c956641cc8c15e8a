"""Attachments of mail a user may not read: hidden from the File list, refused when opened or downloaded.

Frappe lists every private file attached to a DocType the user can read (Communication, for any
Inbox User), so without this the names and sizes of another mailbox's attachments show in the File
list. Frappe ANDs this condition onto its own; its has_permission already asks the email for private
files, and this hook adds the same answer for public ones (the File record, not the public URL).
"""

from __future__ import annotations

import frappe

from crm_mailbox.permissions.mailbox import denied_accounts, escaped_list


def file_query(user: str | None = None, doctype: str | None = None) -> str:
	denied = denied_accounts(user or frappe.session.user)
	if not denied:
		return ""
	return (
		"(ifnull(`tabFile`.`attached_to_doctype`, '') != 'Communication' "
		"or `tabFile`.`attached_to_name` not in (select `name` from `tabCommunication` "
		f"where `email_account` in ({escaped_list(denied)})))"
	)


def file_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if doc.get("attached_to_doctype") != "Communication" or not doc.get("attached_to_name"):
		return None
	if not denied_accounts(user):
		return None
	if not frappe.db.exists("Communication", doc.attached_to_name):
		return None  # Frappe's own hook refuses attachments of a deleted email
	if frappe.has_permission("Communication", "read", doc=doc.attached_to_name, user=user):
		return None
	return False
