"""Whitelisted endpoints of the "Connect Your Mailbox" dialog (mailboxes/own_mailbox.py decides)."""

from __future__ import annotations

import frappe
from frappe.rate_limiter import rate_limit

from crm_mailbox.mailboxes import own_mailbox
from crm_mailbox.mailflow import server_settings

DNS_SECONDS = 3.0


@frappe.whitelist()
def get_connect_context() -> dict:
	"""Whether I may connect a mailbox, my Personal mailboxes, and the site's OAuth sign-in apps."""
	reason = own_mailbox.refusal()
	return {
		"may_connect": not reason,
		"reason": reason,
		"mailboxes": own_mailbox.mailboxes_of(frappe.session.user) if not reason else [],
		"oauth_apps": own_mailbox.mail_connected_apps() if not reason else [],
		"link_parties": own_mailbox.LINK_PARTIES,
	}


@frappe.whitelist()
@rate_limit(limit=60, seconds=60)  # each call asks DNS: not a resolver for anyone's scans
def suggest_settings(email_id: str) -> dict:
	"""The IMAP and SMTP servers for this address: provider, DNS SRV records or MX hosting."""
	own_mailbox.check_may_connect()
	return server_settings.suggest((email_id or "")[:254], server_settings.dns_lookup(DNS_SECONDS)).as_dict()


@frappe.whitelist(methods=["POST"])
def save_mailbox(values: dict | str, connect: bool | int | str = 0) -> dict:
	"""Create or change my Personal mailbox; connect=1 also turns on pulling its mail."""
	name = own_mailbox.save(frappe.parse_json(values) or {}, bool(frappe.utils.cint(connect)))
	return {"name": name}


@frappe.whitelist(methods=["POST"])
def test_mailbox(email_account: str) -> dict:
	"""Start Test Connection of my own mailbox; poll crm_mailbox.api.mailboxes.connection_test_status."""
	return {"test_id": own_mailbox.test(email_account)}


@frappe.whitelist(methods=["POST"])
def set_mailbox_enabled(email_account: str, enabled: bool | int | str) -> dict:
	"""Pause or resume pulling my own mailbox."""
	own_mailbox.set_enabled(email_account, bool(frappe.utils.cint(enabled)))
	return {"name": email_account, "enabled": bool(frappe.utils.cint(enabled))}


@frappe.whitelist(methods=["POST"])
def authorize_mailbox(email_account: str) -> dict:
	"""The OAuth sign-in address for my mailbox's Connected App; back to the workspace afterwards."""
	url = own_mailbox.authorize_url(email_account, frappe.utils.get_url("/app/crm-mailbox"))
	return {"url": url}
