"""Frappe's form endpoints, with the mail of unshared mailboxes left off other people's timelines.

Wired through `override_whitelisted_methods`: each calls Frappe's own endpoint (every check and
every other part of the response unchanged) and then drops the emails permissions.timeline hides.
Every Frappe endpoint that answers with a form's docinfo (load.get_docinfo) is wrapped here, through
one wrapper: the form load, the docinfo reload, and save / submit / cancel (save.send_updated_docs).
"""

from __future__ import annotations

import functools

import frappe
from frappe.desk.form import load, save
from frappe.utils import cint

from crm_mailbox.permissions.timeline import filter_docinfo, visible

# Frappe's own paging never asks for more than this many emails of one record ("load more").
MAX_COMMUNICATIONS = 1000


def filtering_docinfo(frappe_endpoint, methods: list[str] | None = None):
	"""Frappe's endpoint, whitelisted for the same HTTP methods, with its docinfo's hidden emails dropped."""

	@functools.wraps(frappe_endpoint)  # the same signature, so Frappe passes the same arguments
	def endpoint(*args, **kwargs):
		result = frappe_endpoint(*args, **kwargs)
		filter_docinfo(frappe.response.get("docinfo"))
		return result

	return frappe.whitelist(methods=methods)(endpoint)


getdoc = filtering_docinfo(load.getdoc)
get_docinfo = filtering_docinfo(load.get_docinfo)
savedocs = filtering_docinfo(save.savedocs, methods=["POST", "PUT"])
cancel = filtering_docinfo(save.cancel, methods=["POST", "PUT"])


@frappe.whitelist()
def get_communications(doctype: str, name: str | int, start: int = 0, limit: int = 20) -> list[dict]:
	"""Frappe's get_communications ("load more" on a timeline), without the emails hidden from the user.

	The desk asks from the number of emails it shows; those are counted after hiding, so the page
	is cut from the visible list rather than from Frappe's. One request reads at most
	MAX_COMMUNICATIONS emails, however large `start` is.
	"""
	start, limit = max(cint(start), 0), max(cint(limit), 0)
	end = min(start + limit, MAX_COMMUNICATIONS)
	if start >= end:
		return []
	rows = load.get_communications(doctype, name, start=0, limit=end)
	return visible(rows)[start:end]
