"""Frappe's form endpoints, with the mail of unshared mailboxes left off other people's timelines.

Wired through `override_whitelisted_methods`: each calls Frappe's own endpoint (every check and
every other part of the response unchanged) and then drops the emails permissions.timeline hides.
"""

from __future__ import annotations

import frappe
from frappe.desk.form import load

from crm_mailbox.permissions.timeline import filter_docinfo, visible


@frappe.whitelist()
def getdoc(doctype: str, name: str | int) -> None:
	"""Frappe's getdoc; the docinfo's emails filtered by the mailbox's sharing option."""
	load.getdoc(doctype, name)
	filter_docinfo(frappe.response.get("docinfo"))


@frappe.whitelist()
def get_docinfo(doc=None, doctype: str | None = None, name: str | int | None = None) -> None:
	"""Frappe's get_docinfo; the docinfo's emails filtered by the mailbox's sharing option."""
	load.get_docinfo(doc=doc, doctype=doctype, name=name)
	filter_docinfo(frappe.response.get("docinfo"))


@frappe.whitelist()
def get_communications(doctype: str, name: str | int, start: int = 0, limit: int = 20) -> list[dict]:
	"""Frappe's get_communications ("load more" on a timeline), without the emails hidden from the user.

	The desk asks from the number of emails it shows; those are counted after hiding, so the page
	is cut from the visible list rather than from Frappe's.
	"""
	start, limit = frappe.utils.cint(start), frappe.utils.cint(limit)
	rows = load.get_communications(doctype, name, start=0, limit=start + limit)
	return visible(rows)[start : start + limit]
