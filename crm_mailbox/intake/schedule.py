"""The scheduler's part of the intake, every minute: a fallback pull, and Frappe's pull for the others.

1. Fallback: an account our intake owns, that no intake process holds (none runs, or it died), is
   pulled by a one-shot job on the "long" queue (by polling, at the account's interval), so mail
   still arrives without the process, only later. The job takes the account's lease like any pull.
2. Hand-over: Frappe's own scheduled pull (`email_account.pull`, every 10 minutes) would pull our
   accounts too, racing our intake with its own dedupe and its \\Seen-before-commit. While any account
   is ours, that Scheduled Job Type is stopped and this job runs Frappe's own
   `pull_from_email_account` for every other account, at the stopped job's own rhythm (its cron and
   last execution), under Frappe's job name. With no account ours, Frappe's job runs untouched; an
   administrator who stopped it themselves is never overridden. `sync_frappe_pull` keeps the
   Scheduled Job Type in step: Email Account on_update/on_trash, after_migrate, before_uninstall.
"""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date, cint, get_datetime, now_datetime
from frappe.utils.background_jobs import get_jobs

from crm_mailbox.intake import lease
from crm_mailbox.intake.accounts import owned_accounts

FRAPPE_PULL = "frappe.email.doctype.email_account.email_account.pull"
FRAPPE_PULL_ONE = "frappe.email.doctype.email_account.email_account.pull_from_email_account"
# Who stopped Frappe's job: only a stop of ours is ever undone (a global default survives restarts).
STOPPED_BY_US = "crm_mailbox_stopped_frappe_pull"
FALLBACK_JOB = "crm_mailbox.intake.schedule.pull_without_process"
# A fallback pull ends in time for the next minute's check; what is left waits for the next one.
FALLBACK_SECONDS = 240
MIN_POLL_SECONDS = 15
DEFAULT_POLL_SECONDS = 60


def every_minute() -> None:
	"""Scheduler entry (cron * * * * *): only fans out."""
	if not intake_fields_exist():
		return
	owned = owned_accounts()
	# also heals a change that bypassed Email Account's on_update (frappe.db.set_value, an import)
	set_frappe_pull_stopped(bool(owned))
	for account in owned:
		try:
			enqueue_fallback(account)
		except Exception:
			frappe.log_error(
				title="crm_mailbox intake fallback", reference_doctype="Email Account", reference_name=account
			)
	if owned:
		run_frappe_pull_for_others(owned)


# --- 1. the fallback ---------------------------------------------------------------------------------


def enqueue_fallback(account: str) -> bool:
	"""Queue a one-shot pull of an owned account that no process holds, when its interval is up."""
	if lease.holder_of(account) or not poll_due(account):
		return False
	queue_pull(account)
	return True


def queue_pull(account: str) -> None:
	"""A one-shot pull of the account in the background, queued at most once at a time."""
	frappe.enqueue(
		FALLBACK_JOB,
		queue="long",
		job_id=f"crm_mailbox_intake_fallback::{account}",
		deduplicate=True,
		timeout=FALLBACK_SECONDS + 60,
		now=frappe.flags.in_test,
		account=account,
	)


def poll_due(account: str) -> bool:
	"""The account's polling interval has passed since its least recent folder was pulled."""
	interval = max(
		cint(frappe.db.get_value("Email Account", account, "crm_poll_seconds")) or DEFAULT_POLL_SECONDS,
		MIN_POLL_SECONDS,
	)
	pulled = frappe.get_all("Mailbox Intake Folder", filters={"email_account": account}, pluck="last_pull_at")
	if not pulled or not all(pulled):
		return True
	# a few seconds early: the scheduler's minute and the last pull's second do not line up
	return get_datetime(min(pulled)) <= add_to_date(now_datetime(), seconds=-(interval - 5))


def pull_without_process(account: str) -> dict | None:
	"""Background job: one pull of an owned account, by polling, when no intake process holds it."""
	from crm_mailbox.intake.pull import pull_account

	return pull_account(account, holder=scheduler_holder(), deadline_seconds=FALLBACK_SECONDS)


def scheduler_holder() -> str:
	"""A lease holder that says it is the scheduler's job (health shows "scheduler polling")."""
	return lease.default_holder("scheduler")


# --- 2. Frappe's pull, for the accounts that are not ours ---------------------------------------------


def run_frappe_pull_for_others(owned: list[str]) -> int:
	"""When Frappe's stopped job would be due, pull the accounts that are not ours; how many queued."""
	job = frappe.db.get_value(
		"Scheduled Job Type", {"method": FRAPPE_PULL}, ["name", "stopped"], as_dict=True
	)
	if not job or not job.stopped or not stopped_by_us():
		return 0  # Frappe's job runs (none owned a moment ago), or an administrator stopped it
	job_type = frappe.get_doc("Scheduled Job Type", job.name)
	if not job_type.is_event_due():
		return 0
	# bookkeeping, as Frappe's scheduler does for the jobs it runs: when the next one is due
	frappe.db.set_value(
		"Scheduled Job Type", job.name, "last_execution", now_datetime(), update_modified=False
	)
	return frappe_pull(exclude=owned)


def frappe_pull(exclude: list[str]) -> int:
	"""Frappe's `email_account.pull`, minus the accounts in `exclude`: same accounts, queue, job name."""
	from frappe.integrations.doctype.connected_app.connected_app import has_token

	Account = frappe.qb.DocType("Email Account")
	query = (
		frappe.qb.from_(Account)
		.select(Account.name, Account.auth_method, Account.backend_app_flow)
		.select(Account.connected_app, Account.connected_user)
		.where(Account.enable_incoming == 1)
		.where(Account.awaiting_password == 0)
	)
	if exclude:
		query = query.where(Account.name.notin(exclude))
	queued = 0
	for account in query.run(as_dict=True):
		if (
			account.auth_method == "OAuth"
			and not account.backend_app_flow
			and not has_token(account.connected_app, account.connected_user)
		):
			continue
		job_name = f"pull_from_email_account|{account.name}"
		if job_name in get_jobs(site=frappe.local.site, key="job_name")[frappe.local.site]:
			continue
		frappe.enqueue(
			FRAPPE_PULL_ONE,
			"short",
			event="all",
			job_name=job_name,
			now=frappe.flags.in_test,
			email_account=account.name,
		)
		queued += 1
	return queued


def sync_frappe_pull(doc=None, method=None, leaving: str | None = None) -> None:
	"""Stop Frappe's scheduled pull while any account is ours; start it again when none is.

	As a doc_event of Email Account; on_trash leaves out the account being deleted.
	"""
	if not intake_fields_exist():
		return  # a site not migrated since the intake came: nothing is ours yet
	if method == "on_trash" and doc is not None:
		leaving = doc.name
	owned = [name for name in owned_accounts() if name != leaving]
	set_frappe_pull_stopped(bool(owned))


def restore_frappe_pull() -> None:
	"""before_uninstall: Frappe's pull runs again as before the app (unless an administrator stopped it)."""
	set_frappe_pull_stopped(False)


def set_frappe_pull_stopped(stop: bool) -> None:
	name = frappe.db.get_value("Scheduled Job Type", {"method": FRAPPE_PULL})
	if not name:
		return
	stopped = cint(frappe.db.get_value("Scheduled Job Type", name, "stopped"))
	if stop and not stopped:
		frappe.db.set_value("Scheduled Job Type", name, "stopped", 1)
		frappe.db.set_default(STOPPED_BY_US, "1")
	elif not stop and stopped and stopped_by_us():
		frappe.db.set_value("Scheduled Job Type", name, "stopped", 0)
	if not stop:
		frappe.db.set_default(STOPPED_BY_US, "")


def intake_fields_exist() -> bool:
	return frappe.get_meta("Email Account").has_field("crm_own_intake")


def stopped_by_us() -> bool:
	return bool(frappe.db.get_default(STOPPED_BY_US))
