"""Public contract for threads: which thread an email belongs to, who owns it, what state it is in.

Routing rules (and our own receive hook) call only these four functions:

- thread_of(communication) -> Mailbox Thread name or None
- assign_thread(thread, user, reason="") -> None: the user becomes the one accountable owner
- pick_owner(email_account, users=None, strategy=None) -> User or None: who should own a new thread
- set_work_status(thread, status) -> None

None of them checks the session user's permissions: they are for server code. Whitelisted
endpoints (crm_mailbox.api.threads) check permissions and then call them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_mailbox.mailboxes.settings import Mailbox, enabled_users, get_mailbox
from crm_mailbox.mailflow import owner_picking
from crm_mailbox.mailflow.plaintext import inert

THREAD = "Mailbox Thread"
NEW, WAITING_ON_US, WAITING_ON_CUSTOMER, DONE, IGNORED = (
	"New",
	"Waiting on us",
	"Waiting on customer",
	"Done",
	"Ignored",
)
WORK_STATUSES = (NEW, WAITING_ON_US, WAITING_ON_CUSTOMER, DONE, IGNORED)
OPEN_STATUSES = (NEW, WAITING_ON_US, WAITING_ON_CUSTOMER)
WAITING_ON_US_STATUSES = (NEW, WAITING_ON_US)
CLOSED_STATUSES = (DONE, IGNORED)


class ThreadOwnerError(frappe.ValidationError):
	"""The user cannot own threads: missing or disabled."""


class WorkStatusError(frappe.ValidationError):
	"""Not one of the work statuses."""


def thread_of(communication: str) -> str | None:
	"""The Mailbox Thread this email belongs to, or None (not an email of a Shared or CRM mailbox)."""
	if not communication:
		return None
	return frappe.db.get_value("Communication", communication, "crm_thread") or None


def may_own(box: Mailbox, user: str | None) -> bool:
	"""Whether the user may own the mailbox's threads: its owner or a processor (by user or role)."""
	return bool(user) and (user == box.owner or box.may_process(user, frappe.get_roles(user)))


def check_owner(email_account: str | None, user: str) -> None:
	"""Refuse an owner who is not the mailbox's owner or processor: a ToDo would show them the subject."""
	box = get_mailbox(email_account)
	if box and not may_own(box, user):
		frappe.throw(
			_("{0} is not a processor of mailbox {1}.").format(frappe.bold(user), frappe.bold(box.name)),
			ThreadOwnerError,
			title=_("Thread Owner"),
		)


def assign_thread(thread: str, user: str, reason: str = "") -> None:
	"""Make `user` the thread's one accountable owner: ToDo for them, earlier owners' ToDos cancelled."""
	if not enabled_users([user]):
		frappe.throw(
			_("{0} cannot own threads: the user does not exist or is disabled.").format(frappe.bold(user)),
			ThreadOwnerError,
			title=_("Thread Owner"),
		)
	doc = frappe.get_doc(THREAD, thread)
	if doc.thread_owner != user:
		# through the document, so Version history shows who owned it; on_owner_change does the rest
		doc.thread_owner = user
		doc.flags.assignment_reason = reason
		doc.flags.ignore_permissions = True
		doc.save()
	elif doc.work_status not in CLOSED_STATUSES:
		queue_assignment(thread, user, reason)


def on_owner_change(doc) -> None:
	"""The thread has a new owner (by assign_thread or an edit of the form): its emails and ToDos follow."""
	user = doc.thread_owner
	communication = frappe.qb.DocType("Communication")
	(
		frappe.qb.update(communication)
		.set(communication.crm_thread_owner, user)
		.where(communication.crm_thread == doc.name)
	).run()
	cancel_assignments(doc.name, keep=user)
	if user and doc.work_status not in CLOSED_STATUSES:
		queue_assignment(doc.name, user, doc.flags.assignment_reason or "")


def pick_owner(email_account: str, users: list[str] | None = None, strategy: str | None = None) -> str | None:
	"""Who should own the mailbox's next thread, by `strategy` (default: the mailbox's), among `users`.

	users: the candidates (default: the mailbox's processors). strategy: "Round robin",
	"Least open threads", "Fixed user" or "Mailbox owner". None when nobody qualifies.
	"""
	box = get_mailbox(email_account)
	strategy = strategy or (box.strategy if box else None) or owner_picking.ROUND_ROBIN
	if strategy not in owner_picking.STRATEGIES:
		frappe.throw(_("Unknown owner strategy {0}").format(frappe.bold(strategy)), title=_("Thread Owner"))
	if strategy == owner_picking.MAILBOX_OWNER:
		return first_enabled([box.owner] if box else [])
	if users is not None and box:
		# a rule saved before its users left the mailbox must not hand them its threads
		users = [user for user in users if may_own(box, user)]
	if strategy == owner_picking.FIXED_USER:
		fixed = [box.fixed_user] if box and may_own(box, box.fixed_user) else []
		return first_enabled(fixed + list(users or []))
	candidates = enabled_users(list(users)) if users is not None else (box.processors() if box else [])
	if not candidates:
		return None
	last = last_owner(email_account, candidates)
	if strategy == owner_picking.ROUND_ROBIN:
		return owner_picking.round_robin(candidates, last)
	return owner_picking.least_open(candidates, open_thread_counts(candidates), last)


def set_work_status(thread: str, status: str) -> None:
	"""Move the thread to a work status; Done and Ignored close the owner's ToDo, reopening restores it."""
	if status not in WORK_STATUSES:
		frappe.throw(
			_("{0} is not a work status; use one of: {1}").format(
				frappe.bold(status), ", ".join(WORK_STATUSES)
			),
			WorkStatusError,
			title=_("Work Status"),
		)
	doc = frappe.get_doc(THREAD, thread)
	if doc.work_status == status:
		return
	doc.work_status = status
	doc.flags.ignore_permissions = True
	doc.save()


def before_status_change(doc) -> None:
	"""The thread's new work status restarts or stops its reply clock (checked, then kept on save)."""
	if doc.work_status not in WORK_STATUSES:
		frappe.throw(
			_("{0} is not a work status; use one of: {1}").format(
				frappe.bold(doc.work_status), ", ".join(WORK_STATUSES)
			),
			WorkStatusError,
			title=_("Work Status"),
		)
	doc.status_changed_at = now_datetime()
	if doc.work_status in WAITING_ON_US_STATUSES:
		box = get_mailbox(doc.email_account)
		doc.due_at = box.due_after(doc.status_changed_at) if box else None
		doc.escalate_at = box.due_after(doc.status_changed_at, factor=2) if box else None
	else:
		doc.due_at = doc.escalate_at = None
	doc.overdue_stage = 0
	doc.is_overdue = 0


def on_status_change(doc) -> None:
	if doc.work_status in CLOSED_STATUSES:
		close_assignments(doc.name)
	elif doc.thread_owner:
		queue_assignment(doc.name, doc.thread_owner, "")


# --- helpers ---------------------------------------------------------------------------------------


def first_enabled(users: list[str | None]) -> str | None:
	found = enabled_users([u for u in users if u])
	return found[0] if found else None


def last_owner(email_account: str, candidates: list[str]) -> str | None:
	"""Who among the candidates got the mailbox's most recently assigned thread."""
	thread = frappe.qb.DocType(THREAD)
	rows = (
		frappe.qb.from_(thread)
		.select(thread.thread_owner)
		.where((thread.email_account == email_account) & thread.thread_owner.isin(candidates))
		.orderby(thread.assigned_at, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return rows[0] if rows else None


def open_thread_counts(users: list[str]) -> dict[str, int]:
	"""Open threads per user, across all mailboxes: a person's load is their load."""
	rows = frappe.get_all(
		THREAD,
		filters={"thread_owner": ("in", users), "work_status": ("in", OPEN_STATUSES)},
		fields=["thread_owner", "count(name) as open_threads"],
		group_by="thread_owner",
	)
	return {row.thread_owner: row.open_threads for row in rows}


def queue_assignment(thread: str, user: str, reason: str) -> None:
	"""Create the owner's ToDo (and Frappe's assignment notification) after this transaction commits."""
	frappe.enqueue(
		"crm_mailbox.threads.ownership.add_assignment",
		queue="short",
		job_id=f"crm_mailbox:assign:{thread}:{user}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		thread=thread,
		user=user,
		reason=reason,
	)


def add_assignment(thread: str, user: str, reason: str = "") -> None:
	"""Job: the owner's open ToDo for this thread, unless ownership moved on or the thread closed."""
	from frappe.desk.form import assign_to

	owner, status, subject = frappe.db.get_value(THREAD, thread, ["thread_owner", "work_status", "subject"])
	if owner != user or status in CLOSED_STATUSES:
		return
	description = subject or thread
	if reason:
		description = f"{description}\n\n{reason}"
	# the ToDo's description is HTML: the subject is stored inert already, the reason may quote a name
	description = inert(description)
	try:
		assign_to.add(
			{"assign_to": [user], "doctype": THREAD, "name": thread, "description": description},
			ignore_permissions=True,
		)
	except Exception:
		frappe.log_error(
			title="crm_mailbox: assigning a thread failed", reference_doctype=THREAD, reference_name=thread
		)


def open_todos(thread: str, exclude: str | None = None) -> list[str]:
	filters = {"reference_type": THREAD, "reference_name": thread, "status": "Open"}
	if exclude:
		filters["allocated_to"] = ("!=", exclude)
	return frappe.get_all("ToDo", filters=filters, pluck="name")


def cancel_assignments(thread: str, keep: str | None = None) -> None:
	"""Earlier owners' open ToDos on this thread are cancelled: one thread, one owner."""
	for name in open_todos(thread, exclude=keep):
		set_todo_status(name, "Cancelled")


def close_assignments(thread: str) -> None:
	for name in open_todos(thread):
		set_todo_status(name, "Closed")


def set_todo_status(name: str, status: str) -> None:
	todo = frappe.get_doc("ToDo", name)
	todo.status = status
	todo.flags.ignore_permissions = True
	todo.save()
