"""The list sidebar's "Assigned To" counts, counted only over documents the user may read.

Frappe's get_group_by_count counts ToDos for field "assigned_to" over frappe.qb.get_query: no
permission check and no permission_query_conditions. With a subject filter, an outsider could test
guesses about a mailbox's threads or emails ("Xk9%" gives a count, "Zz%" none). For our DocTypes
and Communication the count runs over frappe.get_list instead; everything else (other fields,
other DocTypes) is Frappe's own function, which already uses frappe.get_list for them.
"""

from __future__ import annotations

import frappe
from frappe.desk import listview

APP_MODULE = "CRM Mailbox"
ASSIGNED_TO = "assigned_to"


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""Frappe's sidebar group-by counts; assignments of mailbox documents only among readable ones."""
	if field != ASSIGNED_TO or not holds_mail(doctype):
		return listview.get_group_by_count(doctype, current_filters, field)
	return readable_assignment_counts(doctype, frappe.parse_json(current_filters))


def holds_mail(doctype: str) -> bool:
	return doctype == "Communication" or frappe.get_meta(doctype).module == APP_MODULE


def readable_assignment_counts(doctype: str, filters) -> list[dict]:
	"""Open and closed ToDos per System User, among the documents frappe.get_list gives this user."""
	# frappe.get_list checks read permission and applies every app's permission_query_conditions;
	# run=0 returns its SQL, used as a subquery so a large list is never loaded into Python; no
	# values are passed, so a % in a like filter stays literal as in Frappe's own run of it
	readable = frappe.get_list(doctype, filters=filters, fields=["name"], order_by="", run=0)
	# the permission-checked list's own SQL as a subquery: qb cannot take it
	return frappe.db.sql(  # nosemgrep
		f"""
		select todo.allocated_to as name, count(*) as count
		from `tabToDo` todo join `tabUser` user on user.name = todo.allocated_to
		where todo.status != 'Cancelled' and user.user_type = 'System User'
			and todo.reference_type = {frappe.db.escape(doctype)} and todo.reference_name in ({readable})
		group by todo.allocated_to
		order by count desc
		limit 50
		""",
		as_dict=True,
	)
