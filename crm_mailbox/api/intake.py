"""Mailbox health for the desk: the Email Account form and the workspace's Mailbox Health page."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.intake import health


@frappe.whitelist()
def mailbox_health(account: str | None = None) -> list[dict]:
	"""Health of one mailbox, or of every mailbox the user may see (System Manager: all; owner: own)."""
	if account is None:
		return health.health_rows()
	if not frappe.db.exists("Email Account", account) or not health.may_see(account):
		frappe.throw(
			_("Only a System Manager or the mailbox's owner may see its health."), frappe.PermissionError
		)
	return [health.account_health(account)]
