"""Where the intake stands per mailbox folder ("Mailbox Intake Folder"): last pull, last error in words.

These rows are bookkeeping (timestamps, counters, the cursor), not history a person reads, so they are
written with frappe.db.set_value. A mailbox that starts failing, or recovers, is announced through
crm_mailbox.intake.alerts (once per failure, see there).
"""

from __future__ import annotations

import importlib
import importlib.util

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_mailbox.mailflow.intake.errors import FolderError, IntakeError, LoginError, NetworkError
from crm_mailbox.mailflow.intake.imap_session import FolderState
from crm_mailbox.mailflow.intake.puller import DrainReport
from crm_mailbox.mailflow.plaintext import plain_text

FOLDER = "Mailbox Intake Folder"
MAX_ERROR = 1000


def folder_row(account: str, folder: str) -> str:
	"""The name of the account folder's state row, made when missing."""
	name = frappe.db.get_value(FOLDER, {"email_account": account, "folder": folder})
	if name:
		return name
	row = frappe.get_doc({"doctype": FOLDER, "email_account": account, "folder": folder, "last_uid": 0})
	row.insert(ignore_permissions=True)
	return row.name


def record_success(
	account: str,
	folder: str,
	report: DrainReport,
	server_state: FolderState | None,
	mode: str,
	backlog: int = 0,
	holder: str | None = None,
) -> None:
	name = folder_row(account, folder)
	was_failing = frappe.db.get_value(FOLDER, name, "error_since")
	now = now_datetime()
	frappe.db.set_value(
		FOLDER,
		name,
		{
			"mode": mode,
			"last_pull_at": now,
			"last_success_at": now,
			"server_messages": server_state.exists if server_state else 0,
			"backlog": backlog,
			"last_error": None,
			"error_since": None,
			# error_notified stays: alerts.recovered reads it (told of the failure?) and clears it
			"holder": holder,
			"heartbeat_at": now,
		},
		update_modified=False,
	)
	# the health view and other processes read it at once
	frappe.db.commit()  # nosemgrep
	if was_failing and not still_failing(account):
		announce("recovered", account)


def record_failure(
	account: str, folder: str, error: BaseException, mode: str, holder: str | None = None
) -> None:
	name = folder_row(account, folder)
	now = now_datetime()
	frappe.db.set_value(
		FOLDER,
		name,
		{
			"mode": mode,
			"last_pull_at": now,
			"last_error": in_words(error, folder),
			"error_since": frappe.db.get_value(FOLDER, name, "error_since") or now,
			"holder": holder,
			"heartbeat_at": now,
		},
		update_modified=False,
	)
	# the health view and other processes read it at once
	frappe.db.commit()  # nosemgrep
	announce("failing", account, error)


def still_failing(account: str) -> bool:
	return bool(frappe.db.exists(FOLDER, {"email_account": account, "error_since": ("is", "set")}))


def in_words(error: BaseException, folder: str) -> str:
	"""What went wrong, for an administrator: the stage first, the server's own words after."""
	detail = plain_text(getattr(error, "detail", None) or str(error) or type(error).__name__, max_length=600)
	if isinstance(error, LoginError):
		text = _("The server refused the login (user name or password): {0}").format(detail)
	elif isinstance(error, NetworkError):
		text = _("The mail server could not be reached or the connection dropped: {0}").format(detail)
	elif isinstance(error, FolderError):
		text = _("Folder {0} could not be read: {1}").format(plain_text(folder), detail)
	elif isinstance(error, IntakeError):
		text = detail
	else:
		text = _("The pull stopped on an unexpected error ({0}): {1}. Details in the Error Log.").format(
			type(error).__name__, detail
		)
	return text[:MAX_ERROR]


def announce(event: str, account: str, *args) -> None:
	"""Tell the mailbox's owner and the System Managers (crm_mailbox.intake.alerts, when present)."""
	if importlib.util.find_spec("crm_mailbox.intake.alerts") is None:
		return
	try:
		getattr(importlib.import_module("crm_mailbox.intake.alerts"), event)(account, *args)
	except Exception:
		frappe.log_error(
			title=f"crm_mailbox: intake alert ({event}) failed",
			reference_doctype="Email Account",
			reference_name=account,
		)
