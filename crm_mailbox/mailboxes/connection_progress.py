"""Test Connection from the desk: a background job whose steps the dialog shows as each one ends.

The request only starts the job and returns an id; the job can take up to TOTAL_SECONDS plus the
network waits of one step (STEP_SECONDS each), and RQ stops it after JOB_TIMEOUT whatever happens. Each step goes to the
user who asked, as a realtime event, and into the progress kept in the cache, which the dialog also
polls (a missed event, or no realtime server, loses nothing). Nothing is written to the database.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.mailboxes.connection import TIMEOUT_SECONDS, test_account

TOTAL_SECONDS = 30.0  # no step starts after this
STEP_SECONDS = TIMEOUT_SECONDS  # each network wait
JOB_TIMEOUT = 120
KEEP_SECONDS = 15 * 60
EVENT = "crm_mailbox_connection_test"


def cache_key(test_id: str) -> str:
	return f"crm_mailbox:connection_test:{test_id}"


def start(email_account: str, as_configured: bool = False) -> str:
	"""Queue a test of this account for the session user; return its id (as_configured: connection.test_account)."""
	test_id = frappe.generate_hash(length=16)
	user = frappe.session.user
	save(test_id, {"user": user, "email_account": email_account, "steps": [], "done": False, "result": None})
	frappe.enqueue(
		"crm_mailbox.mailboxes.connection_progress.run",
		queue="short",
		timeout=JOB_TIMEOUT,
		job_id=f"crm_mailbox_connection_test::{test_id}",
		deduplicate=True,
		now=frappe.flags.in_test,
		email_account=email_account,
		test_id=test_id,
		user=user,
		as_configured=as_configured,
	)
	return test_id


def run(email_account: str, test_id: str, user: str, as_configured: bool = False) -> None:
	"""The job: test the account, telling `user` of each step as it ends."""
	state = load(test_id) or {"user": user, "email_account": email_account, "steps": []}

	def on_step(check: str, step) -> None:
		row = {"check": check, **step.as_dict()}
		state["steps"].append(row)
		save(test_id, state)
		# Sent at once, not after_commit: the job writes nothing, and the dialog shows steps as they end.
		frappe.publish_realtime(EVENT, {"test_id": test_id, "step": row}, user=user)

	try:
		result = test_account(
			email_account, STEP_SECONDS, on_step=on_step, budget=TOTAL_SECONDS, as_configured=as_configured
		)
	except Exception:
		frappe.log_error(
			title=_("Test Connection failed"), reference_doctype="Email Account", reference_name=email_account
		)
		result = {
			"email_account": email_account,
			"incoming": None,
			"outgoing": None,
			"ok": False,
			"notes": [_("The test stopped with an unexpected error; the Error Log has the details.")],
		}
	state.update(done=True, result=result)
	save(test_id, state)
	frappe.publish_realtime(EVENT, {"test_id": test_id, "done": True}, user=user)


def status(test_id: str) -> dict:
	"""The progress of one of the session user's tests: steps so far, and the result once done."""
	state = load(test_id)
	if not state:
		return {"test_id": test_id, "missing": True, "steps": [], "done": False}
	if state.get("user") != frappe.session.user:
		frappe.throw(_("This connection test is not yours."), frappe.PermissionError)
	return {"test_id": test_id, **state}


def load(test_id: str) -> dict | None:
	return frappe.cache.get_value(cache_key(test_id))


def save(test_id: str, state: dict) -> None:
	frappe.cache.set_value(cache_key(test_id), state, expires_in_sec=KEEP_SECONDS)
