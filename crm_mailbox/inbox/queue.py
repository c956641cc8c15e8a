"""The inbox queue: a page of the threads of the user's mailboxes, with each thread's last message.

Every read goes through frappe.get_list, so the Mailbox Thread and Communication permission rules
(crm_mailbox.permissions.mailbox) decide what a user sees. A page costs four queries whatever its
length: the threads, their last emails, the owners' names and the user's seen marks.

Paging is by keyset on (modified, name), newest first: a cursor, not an offset, so a page stays fast
deep in a large table (index work_status, modified) and a thread updated meanwhile is not shown twice.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from crm_mailbox.inbox import bodies
from crm_mailbox.threads import ownership as own

THREAD = own.THREAD
MAX_PAGE = 100

# filter name -> label; the filters themselves are in thread_filters
FILTERS = {
	"mine": "Mine",
	"unassigned": "Unassigned",
	"waiting_on_us": "Waiting on us",
	"overdue": "Overdue",
	"waiting_on_customer": "Waiting on customer",
	"done": "Done",
	"open": "All open",
}
FIELDS = [
	"name",
	"subject",
	"email_account",
	"sender",
	"thread_owner",
	"work_status",
	"due_at",
	"is_overdue",
	"last_incoming_at",
	"last_outgoing_at",
	"message_count",
	"first_communication",
	"modified",
]


def thread_filters(name: str, mailbox: str | None, user: str) -> list[list]:
	"""The list filters of one queue tab (the team list's threads; "mine" is the user's own)."""
	if name not in FILTERS:
		frappe.throw(_("Unknown inbox filter {0}").format(frappe.bold(name)), title=_("Inbox"))
	now = now_datetime()
	filters: dict[str, list] = {
		"mine": [["thread_owner", "=", user], ["work_status", "in", own.WAITING_ON_US_STATUSES]],
		"unassigned": [
			["thread_owner", "is", "not set"],
			["work_status", "in", own.OPEN_STATUSES],
			["in_team_list", "=", 1],
		],
		"waiting_on_us": [["work_status", "in", own.WAITING_ON_US_STATUSES], ["in_team_list", "=", 1]],
		"overdue": [
			["work_status", "in", own.WAITING_ON_US_STATUSES],
			["in_team_list", "=", 1],
			["due_at", "<", now],
		],
		"waiting_on_customer": [["work_status", "=", own.WAITING_ON_CUSTOMER], ["in_team_list", "=", 1]],
		"done": [["work_status", "=", own.DONE]],
		"open": [["work_status", "in", own.OPEN_STATUSES], ["in_team_list", "=", 1]],
	}[name]
	if mailbox:
		filters.append(["email_account", "=", mailbox])
	return [[THREAD, *f] for f in filters]


def encode_cursor(row) -> str:
	return f"{get_datetime(row.modified).isoformat()}|{row.name}"


def decode_cursor(cursor: str) -> tuple:
	modified, _sep, name = (cursor or "").partition("|")
	try:
		return get_datetime(modified), name
	except Exception:
		frappe.throw(_("Invalid inbox cursor"), title=_("Inbox"))


def page(filter_name: str, mailbox: str | None, after: str | None, start: int, page_length: int) -> dict:
	"""One page of the queue and the cursor of the next (None at the end)."""
	user = frappe.session.user
	page_length = max(1, min(int(page_length or 20), MAX_PAGE))
	filters = thread_filters(filter_name, mailbox, user)
	or_filters = None
	if after:
		# keyset: (modified, name) before the cursor's, in the order below
		modified, name = decode_cursor(after)
		filters.append([THREAD, "modified", "<=", modified])
		or_filters = [[THREAD, "modified", "<", modified], [THREAD, "name", "<", name]]
		start = 0
	rows = frappe.get_list(
		THREAD,
		filters=filters,
		or_filters=or_filters,
		fields=FIELDS,
		order_by="`tabMailbox Thread`.`modified` desc, `tabMailbox Thread`.`name` desc",
		limit_start=max(0, int(start or 0)),
		limit_page_length=page_length + 1,
	)
	more = len(rows) > page_length
	rows = rows[:page_length]
	last = last_messages(rows)
	names = owner_names([r.thread_owner for r in rows if r.thread_owner])
	seen = seen_marks([r.name for r in rows], user)
	now = now_datetime()
	threads = [describe(row, last.get(row.name), names, seen.get(row.name), now) for row in rows]
	return {"threads": threads, "next": encode_cursor(rows[-1]) if more and rows else None}


def last_time(row):
	times = [get_datetime(t) for t in (row.last_incoming_at, row.last_outgoing_at) if t]
	return max(times) if times else None


EMAIL_FIELDS = [
	"name",
	"crm_thread",
	"sender",
	"sender_full_name",
	"communication_date",
	"sent_or_received",
	# the snippet needs only the start of a body: do not carry whole newsletters
	"substring(content, 1, 20000) as content_head",
]


def last_messages(rows) -> dict[str, frappe._dict]:
	"""The latest email of each thread, by the thread's last incoming/outgoing time: one query.

	A thread whose last time matches no email (a date edited, only automated mail since) shows its
	first email instead: one more query, for those threads only.
	"""
	wanted = {row.name: last_time(row) for row in rows}
	times = sorted({t for t in wanted.values() if t})
	found: dict[str, frappe._dict] = {}
	if times:
		emails = frappe.get_list(
			"Communication",
			filters=[
				["Communication", "crm_thread", "in", list(wanted)],
				["Communication", "communication_date", "in", times],
			],
			fields=EMAIL_FIELDS,
			order_by="communication_date desc",
			limit_page_length=len(rows) * 3,
		)
		for email in emails:
			at = wanted.get(email.crm_thread)
			if at and get_datetime(email.communication_date) == at and email.crm_thread not in found:
				found[email.crm_thread] = email
	first = {
		row.first_communication: row.name for row in rows if row.name not in found and row.first_communication
	}
	if first:
		for email in frappe.get_list(
			"Communication", filters={"name": ("in", list(first))}, fields=EMAIL_FIELDS
		):
			found[first[email.name]] = email
	party = parties(list(found.values()))
	for email in found.values():
		email.party = party.get(email.name)
	return found


def parties(emails) -> dict[str, dict]:
	"""The Customer (else Lead) each email is linked to, from the app's link rows: one query."""
	if not emails:
		return {}
	# the emails came from frappe.get_list: their links are theirs to read (as api.links.get_email_links)
	rows = frappe.get_all(
		"Mailbox Email Link",
		filters={
			"communication": ("in", [e.name for e in emails]),
			"status": "Linked",
			"link_doctype": ("in", ("Customer", "Lead")),
		},
		fields=["communication", "link_doctype", "link_name"],
		order_by="creation asc",
	)
	found: dict[str, dict] = {}
	for row in rows:
		current = found.get(row.communication)
		if current is None or (current["doctype"] == "Lead" and row.link_doctype == "Customer"):
			found[row.communication] = {"doctype": row.link_doctype, "name": row.link_name}
	return found


def owner_names(users: list[str]) -> dict[str, str]:
	if not users:
		return {}
	# a user's full name is shown across the desk (assignments, timelines): an internal read is fine
	rows = frappe.get_all("User", filters={"name": ("in", list(set(users)))}, fields=["name", "full_name"])
	return {row.name: row.full_name or row.name for row in rows}


def seen_marks(threads: list[str], user: str) -> dict[str, object]:
	if not threads:
		return {}
	rows = frappe.get_all(
		"Mailbox Thread Seen",
		filters={"user": user, "thread": ("in", threads)},
		fields=["thread", "seen_at"],
	)
	return {row.thread: row.seen_at for row in rows}


def describe(row, email, names: dict[str, str], seen_at, now) -> dict:
	at = last_time(row)
	due = get_datetime(row.due_at) if row.due_at else None
	incoming = get_datetime(row.last_incoming_at) if row.last_incoming_at else None
	return {
		"name": row.name,
		"subject": row.subject or "",
		"mailbox": row.email_account,
		"sender": (email.sender if email else row.sender) or "",
		"sender_name": bodies.snippet(email.sender_full_name, 80) if email and email.sender_full_name else "",
		"party": email.party if email else None,
		"last_message_at": at,
		"last_direction": email.sent_or_received if email else None,
		"snippet": bodies.snippet(email.content_head) if email else "",
		"owner": row.thread_owner,
		"owner_name": names.get(row.thread_owner) if row.thread_owner else None,
		"work_status": row.work_status,
		"due_at": row.due_at,
		"is_overdue": bool(
			row.is_overdue or (due and due < now and row.work_status in own.WAITING_ON_US_STATUSES)
		),
		"message_count": row.message_count,
		"unread": bool(incoming and (not seen_at or get_datetime(seen_at) < incoming)),
	}


def describe_thread(doc) -> dict:
	"""The side panel's state of one thread."""
	names = owner_names([doc.thread_owner] if doc.thread_owner else [])
	due = get_datetime(doc.due_at) if doc.due_at else None
	return {
		"name": doc.name,
		"subject": doc.subject or "",
		"mailbox": doc.email_account,
		"sender": doc.sender or "",
		"owner": doc.thread_owner,
		"owner_name": names.get(doc.thread_owner) if doc.thread_owner else None,
		"work_status": doc.work_status,
		"due_at": doc.due_at,
		"is_overdue": bool(
			doc.is_overdue or (due and due < now_datetime() and doc.work_status in own.WAITING_ON_US_STATUSES)
		),
	}


def readable_mailboxes(user: str) -> list[str]:
	"""The mailboxes with a purpose this user belongs to: the page's mailbox choice."""
	from crm_mailbox.mailboxes.settings import all_mailboxes
	from crm_mailbox.permissions.mailbox import may_read_mailbox

	return sorted(name for name in all_mailboxes() if may_read_mailbox(name, user))
