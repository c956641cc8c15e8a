"""The inbox's work counts: my open threads, overdue, unassigned, waiting on customer; per mailbox.

Counted with frappe.get_list on Mailbox Thread, under the same permission rules as the queue
(crm_mailbox.permissions.mailbox): a non-member counts nothing. Two grouped queries, however many
mailboxes and counts: the open threads by status, team list, mailbox and owner (a few rows per
mailbox), and the overdue ones by status, team list and mailbox. Both read only the index
(work_status, in_team_list, email_account, thread_owner, due_at) and group in its order, so MariaDB
needs neither the table nor a temporary table: see benchmarks/inbox_counts.py.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from crm_mailbox.threads import ownership as own

THREAD = own.THREAD
KEYS = ("mine", "overdue", "unassigned", "waiting_on_customer")
# the covering index's column order (setup/install.py INDEXES): grouping in another order sorts
GROUP = ("work_status", "in_team_list", "email_account", "thread_owner")


def work_counts(mailbox: str | None, user: str) -> dict:
	"""The four counts in total and per mailbox the user may read (every one listed, zeros included)."""
	from crm_mailbox.inbox.queue import readable_mailboxes

	totals = dict.fromkeys(KEYS, 0)
	per_mailbox = {box: dict.fromkeys(KEYS, 0) for box in readable_mailboxes(user) if box == (mailbox or box)}

	def add(box: str, key: str, count: int) -> None:
		totals[key] += count
		per_mailbox.setdefault(box, dict.fromkeys(KEYS, 0))[key] += count

	for row in grouped(own.OPEN_STATUSES, mailbox, GROUP):
		for key in keys_of(row, user):
			add(row.email_account, key, row.count)
	overdue = [["due_at", "<", now_datetime()], ["in_team_list", "=", 1]]
	for row in grouped(own.WAITING_ON_US_STATUSES, mailbox, GROUP[:3], overdue):
		add(row.email_account, "overdue", row.count)
	return {"total": totals, "mailboxes": per_mailbox}


def keys_of(row, user: str) -> list[str]:
	"""Which counts a group of threads belongs to: the queue's filters (queue.thread_filters)."""
	keys = []
	if row.thread_owner == user and row.work_status in own.WAITING_ON_US_STATUSES:
		keys.append("mine")
	if row.in_team_list:
		if not row.thread_owner:
			keys.append("unassigned")
		if row.work_status == own.WAITING_ON_CUSTOMER:
			keys.append("waiting_on_customer")
	return keys


def grouped(statuses, mailbox: str | None, columns, extra: list | None = None) -> list:
	filters = [[THREAD, "work_status", "in", list(statuses)]]
	filters += [[THREAD, *f] for f in extra or []]
	if mailbox:
		filters.append([THREAD, "email_account", "=", mailbox])
	group_by = ", ".join(f"`tab{THREAD}`.`{c}`" for c in columns)
	return frappe.get_list(
		THREAD,
		filters=filters,
		fields=[*columns, "count(*) as count"],
		group_by=group_by,
		# the grouping's own order: Frappe's default (creation) would sort the rows again
		order_by=group_by,
	)
