"""The app's Number Cards and Dashboard Chart (workspace CRM Mailbox): their custom methods.

Each card counts what the inbox page's tab of the same name lists, for the session user, and opens
that tab when clicked. A card or the chart may be filtered to one mailbox ("mailbox" filter).
"""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate, nowdate

from crm_mailbox.inbox import activity, counts
from crm_mailbox.threads import ownership as own


def card(key: str, filters) -> dict:
	frappe.has_permission(own.THREAD, "read", throw=True)
	mailbox = mailbox_filter(filters)
	value = counts.work_counts(mailbox, frappe.session.user)["total"][key]
	return {
		"value": value,
		"fieldtype": "Int",
		"route": ["mailbox-inbox"],
		"route_options": {"filter": key, "mailbox": mailbox or ""},
	}


def mailbox_filter(filters) -> str | None:
	"""The "mailbox" of a card's or chart's filters: a dict, or Frappe's [doctype, field, op, value] rows."""
	filters = frappe.parse_json(filters) if isinstance(filters, str) else filters
	if isinstance(filters, dict):
		return filters.get("mailbox") or None
	for row in filters or []:
		if isinstance(row, list | tuple) and len(row) >= 3 and row[-3] in ("mailbox", "email_account"):
			return row[-1] or None
	return None


@frappe.whitelist()
def my_open_threads(filters: str | dict | list | None = None) -> dict:
	"""Number Card: the user's own New and Waiting on us threads."""
	return card("mine", filters)


@frappe.whitelist()
def overdue_threads(filters: str | dict | list | None = None) -> dict:
	"""Number Card: threads waiting on us past their reply deadline."""
	return card("overdue", filters)


@frappe.whitelist()
def unassigned_threads(filters: str | dict | list | None = None) -> dict:
	"""Number Card: open threads of the team list without an owner."""
	return card("unassigned", filters)


@frappe.whitelist()
def waiting_on_customer(filters: str | dict | list | None = None) -> dict:
	"""Number Card: threads answered and waiting for the customer."""
	return card("waiting_on_customer", filters)


@frappe.whitelist()
def mail_per_day(
	chart_name: str | None = None,
	filters: str | dict | list | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	timespan: str | None = None,
	time_interval: str | None = None,
	heatmap_year: str | None = None,
	refresh: int | None = None,
) -> dict:
	"""Dashboard Chart: received, replied and overdue per day, in the mailboxes the user reads.

	Never cached (Frappe's cache_source keeps one answer per chart for every user).
	"""
	frappe.has_permission(own.THREAD, "read", throw=True)
	to_date = getdate(to_date or nowdate())
	from_date = getdate(from_date) if from_date else add_days(to_date, -days_of(timespan) + 1)
	return activity.mail_per_day(mailbox_filter(filters), from_date, to_date, frappe.session.user)


def days_of(timespan: str | None) -> int:
	return {"Last Week": 7, "Last Month": 30, "Last Quarter": 91, "Last Year": 365}.get(timespan or "", 14)
