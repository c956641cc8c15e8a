"""Whitelisted endpoints for mailbox administration: test an Email Account's connection."""

import frappe

from crm_mailbox.mailboxes.connection import test_account


@frappe.whitelist(methods=["POST"])
def test_connection(email_account: str) -> dict:
	"""Check DNS, port, TLS, login and folder (IMAP) and SMTP of an Email Account; each step explained."""
	frappe.has_permission("Email Account", "write", doc=email_account, throw=True)
	return test_account(email_account)
