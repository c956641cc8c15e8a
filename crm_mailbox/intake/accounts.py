"""Which Email Accounts our intake receives for; every other account keeps Frappe's own pull."""

from __future__ import annotations

import frappe


def owned_accounts() -> list[str]:
	"""Names of the accounts our intake receives for: opted in, incoming over IMAP, password login."""
	return frappe.get_all(
		"Email Account",
		filters={
			"crm_own_intake": 1,
			"enable_incoming": 1,
			"use_imap": 1,
			"awaiting_password": 0,
			"auth_method": ("!=", "OAuth"),
		},
		pluck="name",
		order_by="name asc",
	)


def owns(name_or_doc) -> bool:
	"""True when our intake, not Frappe's pull, receives this account's mail.

	POP3 and OAuth accounts stay Frappe's: our IMAP session logs in with a password only.
	"""
	doc = name_or_doc
	if isinstance(name_or_doc, str):
		doc = frappe.db.get_value(
			"Email Account",
			name_or_doc,
			["crm_own_intake", "enable_incoming", "use_imap", "awaiting_password", "auth_method"],
			as_dict=True,
		)
		if doc is None:
			return False
	return bool(
		doc.get("crm_own_intake")
		and doc.get("enable_incoming")
		and doc.get("use_imap")
		and not doc.get("awaiting_password")
		and doc.get("auth_method") != "OAuth"
	)
