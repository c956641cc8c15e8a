"""Whitelisted endpoints for mailbox administration: test an Email Account's connection."""

import frappe

from crm_mailbox.mailboxes import connection_progress


@frappe.whitelist(methods=["POST"])
def test_connection(email_account: str) -> dict:
	"""Start checking DNS, port, TLS, login and folder (IMAP) and SMTP in the background; returns its id."""
	frappe.has_permission("Email Account", "write", doc=email_account, throw=True)
	return {"test_id": connection_progress.start(email_account)}


@frappe.whitelist()
def connection_test_status(test_id: str) -> dict:
	"""The steps of one of my connection tests so far, and its result once done."""
	return connection_progress.status(test_id)
