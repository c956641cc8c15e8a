"""Mail per day per mailbox: emails received, replies sent, and threads that fell overdue.

For the app's dashboard chart. Only the mailboxes the user reads as a member (every one for a System
Manager) are counted, as the thread list shows them (inbox.queue.readable_mailboxes): a
non-member counts nothing. "Overdue" is the threads still waiting on us whose reply deadline fell
on that day: a reply clears a thread's deadline, so no history of earlier misses is kept.
"""

from __future__ import annotations

from datetime import date, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Date
from frappe.utils import add_days, getdate, now_datetime

from crm_mailbox.inbox.queue import readable_mailboxes
from crm_mailbox.threads import ownership as own

MAX_DAYS = 366


def mail_per_day(mailbox: str | None, from_date: date, to_date: date, user: str) -> dict:
	"""Frappe chart data: one label per day, datasets Received, Replied and Overdue."""
	from_date, to_date = getdate(from_date), getdate(to_date)
	from_date = max(from_date, to_date - timedelta(days=MAX_DAYS - 1))
	days = [add_days(from_date, i) for i in range((to_date - from_date).days + 1)]
	boxes = [box for box in readable_mailboxes(user) if box == (mailbox or box)]
	received, replied, overdue = ({}, {}, {}) if not boxes else counts(boxes, from_date, to_date)
	return {
		"labels": [frappe.format(day, "Date") for day in days],
		"datasets": [
			{"name": _("Received"), "values": [received.get(day, 0) for day in days]},
			{"name": _("Replied"), "values": [replied.get(day, 0) for day in days]},
			{"name": _("Overdue"), "values": [overdue.get(day, 0) for day in days]},
		],
	}


def counts(boxes: list[str], from_date: date, to_date: date) -> tuple[dict, dict, dict]:
	start, end = from_date, add_days(to_date, 1)
	comm = frappe.qb.DocType("Communication")
	day = Date(comm.communication_date)
	# the mailboxes were checked above (readable_mailboxes): an internal read of their emails
	rows = (
		frappe.qb.from_(comm)
		.select(day.as_("day"), comm.sent_or_received, Count("*").as_("count"))
		.where(
			comm.email_account.isin(boxes)
			& (comm.communication_type == "Communication")
			& (comm.communication_medium == "Email")
			& (comm.communication_date >= start)
			& (comm.communication_date < end)
		)
		.groupby(day, comm.sent_or_received)
		.run(as_dict=True)
	)
	received = {getdate(r.day): r.count for r in rows if r.sent_or_received == "Received"}
	replied = {getdate(r.day): r.count for r in rows if r.sent_or_received == "Sent"}
	late = frappe.get_list(
		own.THREAD,
		filters=[
			[own.THREAD, "email_account", "in", boxes],
			[own.THREAD, "work_status", "in", list(own.WAITING_ON_US_STATUSES)],
			[own.THREAD, "in_team_list", "=", 1],
			[own.THREAD, "due_at", ">=", start],
			[own.THREAD, "due_at", "<", min(now_datetime(), frappe.utils.get_datetime(end))],
		],
		fields=["date(due_at) as day", "count(*) as count"],
		group_by="day",
		order_by="day",
	)
	overdue = {getdate(r.day): r.count for r in late}
	return received, replied, overdue
