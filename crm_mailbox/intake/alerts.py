"""Tell people when a mailbox stops receiving, once, and once more when it receives again by itself.

Who: the mailbox's owner (crm_mailbox_owner) and every enabled System Manager, as a Notification Log
(the bell in the desk; an email too where the user's Notification Settings ask for one).
When: a refused login or a missing folder at once (retrying will not help until someone acts); an
unreachable server only once it has lasted NETWORK_GRACE (a short outage heals by itself). "Once" is
kept in the database (Mailbox Intake Folder.error_notified), so neither retries nor restarts repeat it.

`failing` and `recovered` are called by state.record_failure / record_success for every pull.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.desk.doctype.notification_log.notification_log import make_notification_logs
from frappe.utils import escape_html, format_datetime, get_datetime, now_datetime
from frappe.utils.user import get_users_with_role

from crm_mailbox.mailflow.intake.errors import IntakeError, LoginError, NetworkError

FOLDERS = "Mailbox Intake Folder"
NETWORK_GRACE = timedelta(minutes=5)
MAX_DETAIL = 300


def failing(account: str, error: IntakeError | Exception | str) -> bool:
	"""A pull of `account` failed: tell its people unless they were told already. True when told now."""
	stage = stage_of(error)
	since = error_since(account)
	if already_told(account):
		return False
	if stage == NetworkError.stage and since and now_datetime() - since < NETWORK_GRACE:
		return False
	subject = failure_text(account, stage, detail_of(error), since or now_datetime())
	notify(account, subject)
	set_told(account, True)
	# the notice and its "told" mark stay, whatever the pull rolls back next
	frappe.db.commit()  # nosemgrep
	return True


def recovered(account: str) -> bool:
	"""A pull of `account` succeeded: if its people were told it failed, tell them it works again."""
	if not already_told(account) or still_failing(account):
		return False
	subject = _("Mailbox {0} receives mail again. Mail that arrived meanwhile is being taken in.").format(
		bold(account)
	)
	notify(account, subject)
	set_told(account, False)
	# the notice and its "told" mark stay, whatever the pull rolls back next
	frappe.db.commit()  # nosemgrep
	return True


def stage_of(error) -> str:
	"""login, network, folder or intake: what kind of failure, from the typed error or its text."""
	if isinstance(error, IntakeError):
		return error.stage
	text = str(error)
	for stage in (LoginError.stage, NetworkError.stage, "folder"):
		if text.startswith(f"{stage}:"):
			return stage
	return "intake"


def detail_of(error) -> str:
	detail = error.detail if isinstance(error, IntakeError) else str(error)
	return detail.strip()[:MAX_DETAIL]


def failure_text(account: str, stage: str, detail: str, since) -> str:
	"""The notice, as HTML (Notification Log renders its subject): every value from outside is escaped."""
	what = {
		"login": _("the mail server refuses the login (user name or password)"),
		"network": _("the mail server cannot be reached"),
		"folder": _("a folder cannot be opened"),
	}.get(stage, _("pulling mail fails"))
	text = _("Mailbox {0} receives no mail since {1}: {2}.").format(
		bold(account), escape_html(format_datetime(since)), what
	)
	if detail:
		text += " " + _("The server said: {0}").format(escape_html(detail))
	if stage == "login":
		text += " " + _("Correct the password on the Email Account; nothing is lost meanwhile.")
	else:
		text += " " + _("It is retried by itself; nothing is lost meanwhile.")
	return text


def bold(value: str) -> str:
	return f"<b>{escape_html(value)}</b>"


def recipients(account: str) -> list[str]:
	owner = frappe.db.get_value("Email Account", account, "crm_mailbox_owner")
	people = set(get_users_with_role("System Manager"))
	if owner:
		people.add(owner)
	return sorted(people)


def notify(account: str, subject: str) -> None:
	doc = {
		"type": "Alert",
		"document_type": "Email Account",
		"document_name": account,
		"subject": subject,
		"from_user": "Administrator",
	}
	# written at once, not enqueued: the intake process may run where no worker serves the queue
	make_notification_logs(frappe._dict(doc), recipients(account))


def error_since(account: str):
	since = frappe.get_all(
		FOLDERS,
		filters={"email_account": account, "error_since": ("is", "set")},
		pluck="error_since",
		order_by="error_since asc",
		limit=1,
	)
	return get_datetime(since[0]) if since else None


def already_told(account: str) -> bool:
	return bool(frappe.db.exists(FOLDERS, {"email_account": account, "error_notified": 1}))


def still_failing(account: str) -> bool:
	"""Another folder of the mailbox still fails: one good folder is not the mailbox's recovery."""
	return bool(frappe.db.exists(FOLDERS, {"email_account": account, "error_since": ("is", "set")}))


def set_told(account: str, told: bool) -> None:
	# bookkeeping that no person reads as history, on every folder row of the mailbox (state.py
	# makes a folder's row before it records the folder's failure)
	frappe.db.set_value(FOLDERS, {"email_account": account}, "error_notified", int(told))
