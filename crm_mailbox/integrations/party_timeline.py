"""additional_timeline_content for Customer and Lead: the work made from their emails.

A Task (or Issue, Project) made from a customer's email is linked to that email, not to the customer:
ERPNext's Task has no customer field, so the customer's timeline showed the email and never the work
it became. Each record made from an email linked to the party is shown beside it, to users who may
see that email on the timeline (the mailbox's Share Linked Mail rule) and read the record.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, get_url_to_form

from crm_mailbox.permissions.timeline import hidden_emails

PARTIES = ("Customer", "Lead")
# what routing.records.link_back writes as the detail of a record made from an email
MADE_DETAIL = "Made from this email:"
# the party's own records (a Lead or Contact made for the sender) are not work done for it
NOT_WORK = ("Customer", "Lead", "Contact")
MAX_ITEMS = 50


def made_from_mail(doctype: str, docname: str) -> list[dict]:
	"""Timeline items: records made from emails linked to this Customer or Lead, newest first."""
	if doctype not in PARTIES:
		return []
	link = frappe.qb.DocType("Mailbox Email Link")
	party = frappe.qb.DocType("Mailbox Email Link").as_("party")
	rows = (
		frappe.qb.from_(link)
		.join(party)
		.on(party.communication == link.communication)
		.select(link.communication, link.link_doctype, link.link_name, link.creation)
		.where(party.link_doctype == doctype)
		.where(party.link_name == docname)
		.where(party.status == "Linked")
		.where(link.status == "Linked")
		.where(link.detail.like(f"{MADE_DETAIL}%"))
		.where(link.link_doctype.notin(NOT_WORK))
		.orderby(link.creation, order=frappe.qb.desc)
		.limit(MAX_ITEMS)
	).run(as_dict=True)
	hidden = hidden_emails(list({row.communication for row in rows}))
	items = []
	for row in rows:
		if row.communication in hidden or not frappe.db.exists(row.link_doctype, row.link_name):
			continue
		if not frappe.has_permission(row.link_doctype, "read", doc=row.link_name):
			continue
		items.append({"icon": "es-line-todo", "creation": row.creation, "content": item_html(row)})
	return items


def item_html(row) -> str:
	"""One line: the record (name and title) and the email it was made from; every value escaped once."""
	record = frappe.get_doc(row.link_doctype, row.link_name)
	title = record.get_title() or ""
	subject = frappe.db.get_value("Communication", row.communication, "subject") or _("(no subject)")
	label = f"{_(row.link_doctype)} {row.link_name}"
	if title and title != row.link_name:
		label += f": {title}"
	record_link = anchor(get_url_to_form(row.link_doctype, row.link_name), label)
	email_link = anchor(get_url_to_form("Communication", row.communication), subject)
	return _("{0} made from the email {1}").format(record_link, email_link)


def anchor(url: str, text: str) -> str:
	return f'<a href="{escape_html(url)}">{escape_html(text)}</a>'
