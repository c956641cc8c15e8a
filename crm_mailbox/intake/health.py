"""Mailbox health: how each mailbox receives now, how far behind it is, and what went wrong, in words.

One dict per Email Account with incoming mail, read from the intake's own records (Mailbox Intake
Folder, Mailbox Intake Message) and the lease in Redis. The same rows feed the API (form, workspace
page) and the `crm-mailbox intake-status` bench command. Who may see which mailbox: `visible_accounts`.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate, now_datetime
from frappe.utils.scheduler import is_scheduler_disabled

from crm_mailbox.intake import lease
from crm_mailbox.intake.accounts import owns

FOLDERS = "Mailbox Intake Folder"
MESSAGES = "Mailbox Intake Message"
SCHEDULER_HOLDER = "scheduler@"


def mode_labels() -> dict[str, str]:
	return {
		"push": _("Push (IMAP IDLE)"),
		"polling": _("Polling"),
		"scheduler": _("Scheduler polling (no intake process holds it)"),
		"frappe": _("Frappe's scheduled pull"),
		"stopped": _("Not receiving: no intake process, and the scheduler is disabled"),
		"off": _("Incoming mail is off"),
	}


def visible_accounts(user: str | None = None) -> list[str]:
	"""System Managers see every mailbox with incoming mail; a mailbox owner sees their own; others none."""
	user = user or frappe.session.user
	filters = {"enable_incoming": 1}
	if "System Manager" not in frappe.get_roles(user):
		filters["crm_mailbox_owner"] = user
	return frappe.get_all("Email Account", filters=filters, pluck="name", order_by="name asc")


def may_see(account: str, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if "System Manager" in frappe.get_roles(user):
		return True
	return frappe.db.get_value("Email Account", account, "crm_mailbox_owner") == user


def account_health(account: str) -> dict:
	"""What the health view shows for one mailbox."""
	settings = (
		frappe.db.get_value("Email Account", account, ["enable_incoming", "use_imap"], as_dict=True)
		or frappe._dict()
	)
	owned = owns(account)
	folders = frappe.get_all(
		FOLDERS,
		filters={"email_account": account},
		fields=[
			"folder",
			"mode",
			"last_pull_at",
			"last_success_at",
			"backlog",
			"server_messages",
			"last_error",
			"error_since",
			"holder",
			"heartbeat_at",
		],
		order_by="folder asc",
	)
	holder = lease.holder_of(account) if owned else None
	mode = current_mode(owned, cint(settings.enable_incoming), holder, folders)
	successes = [get_datetime(f.last_success_at) for f in folders if f.last_success_at]
	# the mailbox is as current as its least current folder
	last_success = min(successes) if owned and successes and len(successes) == len(folders) else None
	errors = [f for f in folders if f.last_error]
	first_error = min(errors, key=lambda f: get_datetime(f.error_since or now_datetime())) if errors else None
	return {
		"account": account,
		"owned": owned,
		"mode": mode,
		"mode_label": mode_labels()[mode],
		"holder": holder,
		"last_success_at": last_success,
		"lag_seconds": int((now_datetime() - last_success).total_seconds()) if last_success else None,
		"backlog": sum(cint(f.backlog) for f in folders) if owned else None,
		"taken_today": taken_today(account) if owned else None,
		"poison_waiting": frappe.db.count(MESSAGES, {"email_account": account, "status": "Failed"}),
		"last_error": first_error.last_error if first_error else None,
		"error_since": first_error.error_since if first_error else None,
		"folders": folders if owned else [],
	}


def current_mode(owned: bool, incoming: bool, holder: str | None, folders: list) -> str:
	if not incoming:
		return "off"
	if not owned:
		return "frappe"
	if holder and not holder.startswith(SCHEDULER_HOLDER):
		# the process writes how it waits (IDLE or polling) on each folder it serves
		modes = {f.mode for f in folders if f.holder == holder and f.mode in ("push", "polling")}
		return "polling" if "polling" in modes or not modes else "push"
	return "stopped" if is_scheduler_disabled(verbose=False) else "scheduler"


def taken_today(account: str) -> int:
	return frappe.db.count(
		MESSAGES,
		{"email_account": account, "status": ("in", ("Taken", "Retried")), "creation": (">=", getdate())},
	)


def health_rows(user: str | None = None) -> list[dict]:
	return [account_health(account) for account in visible_accounts(user)]
