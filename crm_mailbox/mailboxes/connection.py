"""Run the connection diagnostics with an Email Account's own settings.

The password is read with get_password(raise_exception=False), handed to the diagnostics and to
nothing else: not returned, not logged. The diagnostics scrub it from every text they report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import frappe
from frappe import _
from frappe.utils import cint

from crm_mailbox.mailflow import diagnostics

TIMEOUT_SECONDS = 8.0


def test_account(
	email_account: str,
	timeout: float = TIMEOUT_SECONDS,
	on_step: Callable[[str, diagnostics.Step], Any] | None = None,
	budget: float | None = None,
	as_configured: bool = False,
) -> dict:
	"""{"incoming": report or None, "outgoing": report or None, "ok": bool, "notes": [...]} for the account.

	on_step("incoming" or "outgoing", step) hears of each step as it ends; after `budget` seconds no
	further step starts (both unset: as before, for the bench command). `as_configured` tests the
	servers that are filled in, enabled or not: a mailbox being connected is tested before Frappe
	starts pulling from it.
	"""
	account = frappe.get_doc("Email Account", email_account)
	incoming_on = account.enable_incoming or (as_configured and account.email_server)
	outgoing_on = account.enable_outgoing or (as_configured and account.smtp_server)
	deadline = time.monotonic() + budget if budget else None
	result: dict = {"email_account": account.name, "incoming": None, "outgoing": None, "notes": []}
	oauth = account.get("auth_method") == "OAuth"
	password = "" if oauth else (account.get_password(raise_exception=False) or "")
	username = account.login_id if account.login_id_is_different and account.login_id else account.email_id
	# No user name makes the diagnostics skip the login (OAuth tokens are not theirs to test).
	username = "" if oauth else (username or "")

	if oauth:
		result["notes"].append(
			_("This account signs in with OAuth: the test checks the connection and TLS, not the login.")
		)
	if incoming_on:
		if not account.use_imap:
			result["notes"].append(_("POP3 is not tested; only IMAP accounts are."))
		else:
			result["incoming"] = diagnostics.check_imap(
				host=account.email_server or "",
				port=incoming_port(account),
				security=incoming_security(account),
				username=username,
				password=password,
				folder=first_folder(account),
				timeout=timeout,
				on_step=partial(on_step, "incoming") if on_step else None,
				deadline=deadline,
			).as_dict()
	if outgoing_on:
		result["outgoing"] = diagnostics.check_smtp(
			host=account.smtp_server or "",
			port=outgoing_port(account),
			security=outgoing_security(account),
			# As Frappe's SMTP session: it logs in whenever a password is stored, even with "Disable
			# SMTP server authentication" ticked; the check says so (diagnostics.smtp).
			username=username,
			password=password,
			login_disabled=bool(cint(account.no_smtp_authentication)),
			timeout=timeout,
			on_step=partial(on_step, "outgoing") if on_step else None,
			deadline=deadline,
		).as_dict()
	if not (incoming_on or outgoing_on):
		result["notes"].append(_("Neither incoming nor outgoing mail is enabled: nothing to test."))
	reports = [r for r in (result["incoming"], result["outgoing"]) if r is not None]
	result["ok"] = bool(reports) and all(r["ok"] for r in reports)
	return result


def incoming_security(account) -> str:
	if cint(account.use_ssl):
		return "ssl"
	if cint(account.get("use_starttls")):
		return "starttls"
	return "none"


def incoming_port(account) -> int:
	if cint(account.incoming_port):
		return cint(account.incoming_port)
	return 993 if cint(account.use_ssl) else 143


def outgoing_security(account) -> str:
	if cint(account.get("use_ssl_for_outgoing")):
		return "ssl"
	if cint(account.use_tls):
		return "starttls"
	return "none"


def outgoing_port(account) -> int:
	if cint(account.smtp_port):
		return cint(account.smtp_port)
	security = outgoing_security(account)
	return 465 if security == "ssl" else 587 if security == "starttls" else 25


def first_folder(account) -> str:
	folders = [row.folder_name for row in account.get("imap_folder") or [] if row.folder_name]
	return folders[0] if folders else "INBOX"
