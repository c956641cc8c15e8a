"""Mailbox health for the desk (the Email Account form, the Mailbox Health page), and the Pull Emails button."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import pull_emails as frappes_pull_emails

from crm_mailbox.intake import health, lease
from crm_mailbox.intake.accounts import owns
from crm_mailbox.intake.schedule import queue_pull


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


@frappe.whitelist()
def pull_emails(email_account: str) -> None:
	"""Frappe's "Pull Emails" button: a mailbox our intake owns is pulled by the intake, under its lease;
	every other mailbox by Frappe's own pull, as before."""
	if not owns(email_account):
		return frappes_pull_emails(email_account)
	frappe.has_permission("Email Account", "read", email_account, throw=True)
	if lease.holder_of(email_account):
		frappe.msgprint(
			_("crm_mailbox's intake is receiving this mailbox's mail right now; new mail arrives by itself.")
		)
		return
	# Frappe's button pulls in the request; a backlog drains in the background instead, as the same
	# job as the scheduler's fallback, so the two never queue twice
	queue_pull(email_account)
	frappe.msgprint(_("crm_mailbox's intake is pulling this mailbox in the background."))
