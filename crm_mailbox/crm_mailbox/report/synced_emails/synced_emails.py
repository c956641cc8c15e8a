# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt
"""Received emails with their mailbox, sender, links and the reason for each, and the review flag.

Its ref_doctype is Mailbox Thread, not Communication: Frappe asks for "report" permission on the
ref_doctype, which no mail role has on Communication and every desk user has on Mailbox Thread.
The rows come from get_list("Communication") as the user, so each member sees only their mail.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, today

MAX_ROWS = 1000


def execute(filters: dict | None = None) -> tuple[list[dict], list[dict]]:
	filters = frappe._dict(filters or {})
	return columns(), rows(filters)


def columns() -> list[dict]:
	return [
		{
			"fieldname": "communication",
			"label": _("Email"),
			"fieldtype": "Link",
			"options": "Communication",
			"width": 110,
		},
		{"fieldname": "communication_date", "label": _("Received"), "fieldtype": "Datetime", "width": 150},
		{
			"fieldname": "email_account",
			"label": _("Mailbox"),
			"fieldtype": "Link",
			"options": "Email Account",
			"width": 150,
		},
		{"fieldname": "sender", "label": _("Sender"), "fieldtype": "Data", "width": 200},
		{"fieldname": "subject", "label": _("Subject"), "fieldtype": "Data", "width": 250},
		{"fieldname": "links", "label": _("Linked To (Reason)"), "fieldtype": "Data", "width": 350},
		{"fieldname": "crm_needs_review", "label": _("Needs Review"), "fieldtype": "Check", "width": 90},
		{"fieldname": "crm_review_note", "label": _("Review Note"), "fieldtype": "Data", "width": 200},
	]


def rows(filters) -> list[dict]:
	conditions = {
		"communication_type": "Communication",
		"communication_medium": "Email",
		"sent_or_received": "Received",
		"communication_date": (
			"between",
			[getdate(filters.from_date or add_days(today(), -30)), add_days(filters.to_date or today(), 1)],
		),
	}
	if filters.email_account:
		conditions["email_account"] = filters.email_account
	if cint(filters.needs_review):
		conditions["crm_needs_review"] = 1
	emails = frappe.get_list(  # the user's own permissions decide which emails are listed
		"Communication",
		filters=conditions,
		fields=[
			"name as communication",
			"communication_date",
			"email_account",
			"sender",
			"subject",
			"crm_needs_review",
			"crm_review_note",
		],
		order_by="communication_date desc",
		limit=MAX_ROWS,
	)
	links = links_by_email([e.communication for e in emails])
	result = []
	for email in emails:
		found = links.get(email.communication, [])
		email["links"] = "; ".join(text for _doctype, text in found)
		if cint(filters.unlinked_only) and any(doctype in CRM_RECORDS for doctype, _text in found):
			continue
		result.append(email)
	return result


# "Not Linked" means linked to none of these (a Task or an Issue made from the email says nothing
# about who wrote it). A Contact alone does not count: Frappe makes one for every new sender (Create
# Contacts from Incoming Emails, on by default), and a Contact of a Customer or Lead links that too.
CRM_RECORDS = ("Lead", "Customer", "Opportunity")


def links_by_email(names: list[str]) -> dict[str, list[tuple[str, str]]]:
	"""{email: [(doctype, "Doctype name (Reason)")]} of the emails' Linked rows."""
	if not names:
		return {}
	found: dict[str, list[tuple[str, str]]] = {}
	for row in frappe.get_all(  # internal read: only for emails get_list returned to this user
		"Mailbox Email Link",
		filters={"communication": ("in", names), "status": "Linked"},
		fields=["communication", "link_doctype", "link_name", "reason"],
		order_by="creation asc",
	):
		found.setdefault(row.communication, []).append(
			(row.link_doctype, f"{_(row.link_doctype)} {row.link_name} ({_(row.reason)})")
		)
	return found
