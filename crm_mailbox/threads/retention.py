"""Retention: processed threads (Done or Ignored) leave the team's list after the mailbox's days.

Only the thread's `in_team_list` flag changes. No email, thread, link or CRM record is deleted and
nothing moves on the IMAP server.
"""

from __future__ import annotations

import frappe
from frappe.utils import add_days, now_datetime

from crm_mailbox.mailboxes.settings import all_mailboxes
from crm_mailbox.threads import ownership as own


def enqueue_retention() -> None:
	"""Scheduler (daily): one job per Shared or CRM mailbox with a retention."""
	for name, box in all_mailboxes().items():
		if box.is_team and box.retention_days > 0:
			frappe.enqueue(
				"crm_mailbox.threads.retention.apply_retention",
				queue="long",
				job_id=f"crm_mailbox:retention:{name}",
				deduplicate=True,
				now=frappe.flags.in_test,
				email_account=name,
				days=box.retention_days,
			)


def apply_retention(email_account: str, days: int) -> int:
	"""Take this mailbox's threads processed more than `days` ago out of the team list; how many."""
	cutoff = add_days(now_datetime(), -days)
	names = frappe.get_all(
		own.THREAD,
		filters={
			"email_account": email_account,
			"work_status": ("in", own.CLOSED_STATUSES),
			"in_team_list": 1,
			"status_changed_at": ("<", cutoff),
		},
		pluck="name",
	)
	if names:
		thread = frappe.qb.DocType(own.THREAD)
		frappe.qb.update(thread).set(thread.in_team_list, 0).where(thread.name.isin(names)).run()
	frappe.logger("crm_mailbox").info(
		"retention of %s (%s days): %s processed threads left the team list, nothing deleted",
		email_account,
		days,
		len(names),
	)
	return len(names)
