"""The actions a routing rule can take, each usable for real or as a dry run.

Every action is one function `(ctx, row) -> Outcome`. The dry run goes through the same code and
stops at the write, so it predicts what the live run does. Actions that make a record first look
for one already made from the same email (by any rule, or by hand): re-running never makes a
second Lead, Opportunity, Task or Issue for one email.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import frappe
from frappe import _

from crm_mailbox.mailflow.precedence import REMOVED
from crm_mailbox.mailflow.rules import RuleResult

from . import records

DONE, SKIPPED, FAILED = "Done", "Skipped", "Failed"


@dataclass
class Outcome:
	status: str
	note: str
	reference: tuple[str, str] | None = None


@dataclass
class Context:
	"""One email going through the rules: what earlier actions decided or made."""

	comm: frappe._dict | object
	facts: object
	thread: str | None
	dry_run: bool
	user: str
	rule: RuleResult | None = None
	priority: str = ""
	owner: str | None = None
	made: dict[str, tuple[str, str]] = field(default_factory=dict)
	created: set[str] = field(default_factory=set)  # doctypes made (or, dry, to be made) in this run

	@property
	def rule_title(self) -> str:
		return frappe.db.get_value("Mailbox Routing Rule", self.rule.name, "rule_name") or self.rule.name

	def origin(self) -> records.Origin:
		detail = _("rule {0}").format(self.rule_title)
		if self.rule.explanation:
			detail += " (" + self.rule.explanation + ")"
		return records.Origin(records.RULE, detail, self.user)


def would(ctx: Context, doctype: str, note: str) -> Outcome:
	"""Dry run: the record this action would make (no name yet)."""
	return record_made(ctx, doctype, "", note)


def record_made(ctx: Context, doctype: str, name: str, note: str) -> Outcome:
	"""Remember the record this run made (or, with no name, would make) so no later action repeats it."""
	ctx.made[doctype] = (doctype, name)
	ctx.created.add(doctype)
	return Outcome(DONE, note, (doctype, name))


def already_made(ctx: Context, doctype: str) -> Outcome | None:
	if doctype in ctx.made:
		name = ctx.made[doctype][1]
		if name:
			return Outcome(
				SKIPPED,
				_("{0} {1} was already made from this email").format(_(doctype), name),
				ctx.made[doctype],
			)
		return Outcome(SKIPPED, _("a {0} is made from this email by an earlier action").format(_(doctype)))
	return None


# ---------------------------------------------------------------------------------------------


def assign_owner(ctx: Context, row) -> Outcome:
	from crm_mailbox.threads import ownership

	if not ctx.thread:
		return Outcome(SKIPPED, _("the email has no thread (the mailbox is not a Shared or CRM mailbox)"))
	current = frappe.db.get_value(ownership.THREAD, ctx.thread, "thread_owner")
	users = row.user_list()
	if current and current in users:
		# the mailbox's own strategy already gave the thread to one of the rule's users: keep them
		# (picking again would skip the next person in the round)
		ctx.owner = current
		return Outcome(
			SKIPPED, _("already owned by {0}, one of the rule's users").format(current), ("User", current)
		)
	owner = ownership.pick_owner(ctx.comm.email_account, users or None, row.strategy or None)
	if not owner:
		return Outcome(SKIPPED, _("nobody to assign: no enabled user for this strategy"))
	if owner == current:
		ctx.owner = owner
		return Outcome(SKIPPED, _("already owned by {0}").format(owner), ("User", owner))
	ctx.owner = owner
	how = row.strategy or _("the mailbox's strategy")
	if not ctx.dry_run:
		ownership.assign_thread(ctx.thread, owner, reason=_("Routing rule {0}").format(ctx.rule_title))
	return Outcome(DONE, _("thread owner: {0} ({1})").format(owner, how), ("User", owner))


def create_lead(ctx: Context, row) -> Outcome:
	made = already_made(ctx, "Lead")
	if made:
		return made
	existing = records.sender_lead(ctx.comm)
	if existing:
		ctx.made["Lead"] = ("Lead", existing)
		return Outcome(SKIPPED, _("the sender is already Lead {0}").format(existing), ("Lead", existing))
	# a Contact alone is no reason: Frappe makes one for every new sender (store.names_a_party)
	known = [link for link in records.sender_links(ctx.comm.name) if link.doctype not in ("Contact", "Lead")]
	if known:
		return Outcome(
			SKIPPED, _("the sender is already known: {0} {1}").format(_(known[0].doctype), known[0].name)
		)
	if ctx.comm.get("crm_is_automated"):
		return Outcome(SKIPPED, _("automated mail never makes a Lead"))
	if records.sender_is_ours(ctx.comm):
		return Outcome(SKIPPED, _("the sender is one of our own addresses: no Lead"))
	if not ctx.comm.sender:
		return Outcome(SKIPPED, _("the email has no sender address"))
	values = records.lead_values(ctx.comm)
	who = ", ".join(
		v for v in (values.get("lead_name") or values.get("first_name"), values.get("company_name")) if v
	)
	note = _("Lead for {0}").format(f"{who} <{ctx.comm.sender}>" if who else ctx.comm.sender)
	if ctx.dry_run:
		return would(ctx, "Lead", note)
	lead = records.create_lead(ctx.comm, ctx.origin(), ignore_permissions=True)
	return record_made(ctx, "Lead", lead.name, note)


def create_opportunity(ctx: Context, row) -> Outcome:
	made = already_made(ctx, "Opportunity")
	if made:
		return made
	open_one = records.open_opportunity_of(ctx.comm.name)
	if open_one:
		return Outcome(
			SKIPPED,
			_("the email is linked to the open Opportunity {0}").format(open_one),
			("Opportunity", open_one),
		)
	if "Lead" in ctx.created:
		party = ctx.made["Lead"]
		shown_party = _("the new Lead")
	else:
		party = records.party_of(ctx.comm.name) or ctx.made.get("Lead")
		shown_party = f"{_(party[0])} {party[1]}" if party else ""
	if not party:
		return Outcome(SKIPPED, _("no Lead or Customer to make it for (add create_lead before it)"))
	defaults = records.mailbox_defaults(ctx.comm.email_account)
	shown = ", ".join(f"{k}: {v}" for k, v in defaults.items() if k != "company")
	note = _("Opportunity for {0}").format(shown_party)
	if shown:
		note += f" ({shown})"
	if ctx.dry_run:
		return would(ctx, "Opportunity", note)
	title = records.work_title(ctx.comm.subject, row.title or "") if row.title else None
	opportunity = records.create_opportunity(
		ctx.comm, party, ctx.origin(), values={"title": title}, ignore_permissions=True
	)
	return record_made(ctx, "Opportunity", opportunity.name, note)


def _assignee(ctx: Context, row) -> str:
	"""Who does the work: the owner a rule just chose, the rule's user, else the thread's owner."""
	users = row.user_list()
	if ctx.owner or users:
		return ctx.owner or users[0]
	if ctx.thread:
		return frappe.db.get_value("Mailbox Thread", ctx.thread, "thread_owner") or ""
	return ""


def create_task(ctx: Context, row) -> Outcome:
	made = already_made(ctx, "Task")
	if made:
		return made
	title = records.work_title(ctx.comm.subject, row.title or "")
	assignee = _assignee(ctx, row)
	priority = ctx.priority or row.priority or "Medium"
	note = _("Task '{0}' ({1} priority)").format(title, priority)
	if assignee:
		note += ", " + _("assigned to {0}").format(assignee)
	if ctx.dry_run:
		return would(ctx, "Task", note)
	brief = records.TaskBrief(title=title, assignee=assignee, priority=priority)
	task = records.create_task(ctx.comm, brief, ctx.origin(), ignore_permissions=True)
	return record_made(ctx, "Task", task.name, note)


def create_issue(ctx: Context, row) -> Outcome:
	made = already_made(ctx, "Issue")
	if made:
		return made
	title = records.work_title(ctx.comm.subject, row.title or "")
	assignee = _assignee(ctx, row)
	priority = ctx.priority or row.priority or ""
	note = _("Issue '{0}'").format(title)
	if priority:
		note += " " + _("({0} priority)").format(priority)
	if assignee:
		note += ", " + _("assigned to {0}").format(assignee)
	if ctx.dry_run:
		return would(ctx, "Issue", note)
	issue = records.create_issue(
		ctx.comm, ctx.origin(), title=title, priority=priority, assignee=assignee, ignore_permissions=True
	)
	return record_made(ctx, "Issue", issue.name, note)


def set_priority(ctx: Context, row) -> Outcome:
	"""The priority of the Task and Issue the rules make for this email, and of its thread."""
	ctx.priority = row.priority
	if ctx.thread and frappe.get_meta("Mailbox Thread").has_field("priority"):
		if not ctx.dry_run:
			frappe.db.set_value("Mailbox Thread", ctx.thread, "priority", row.priority)
		return Outcome(
			DONE,
			_("priority {0} for the Task and Issue made by the rules and the thread").format(row.priority),
		)
	return Outcome(DONE, _("priority {0} for the Task and Issue made by the rules").format(row.priority))


def add_tag(ctx: Context, row) -> Outcome:
	from frappe.desk.doctype.tag.tag import DocTags

	tag = row.tag.strip()
	tags = (frappe.db.get_value("Communication", ctx.comm.name, "_user_tags") or "").split(",")
	if tag in tags:
		return Outcome(SKIPPED, _("the email is already tagged {0}").format(tag))
	if not ctx.dry_run:
		DocTags("Communication").add(ctx.comm.name, tag)
	return Outcome(DONE, _("tag {0} on the email").format(tag))


def link_to(ctx: Context, row) -> Outcome:
	target = (row.link_doctype, row.link_name)
	if not frappe.db.exists(*target):
		# the record was deleted after the rule was written; deleting it is allowed (integrations/deletion.py)
		return Outcome(SKIPPED, _("{0} {1} no longer exists; not linked").format(_(target[0]), target[1]))
	current = {link.key: link for link in records.store.stored_links(ctx.comm.name)}.get(target)
	if current and current.status == records.LINKED:
		return Outcome(SKIPPED, _("already linked to {0} {1}").format(_(target[0]), target[1]), target)
	if current and current.status == REMOVED:
		return Outcome(SKIPPED, _("a user removed the link to {0} {1}; not linked again").format(*target))
	if not ctx.dry_run:
		origin = ctx.origin()
		records.link_email(ctx.comm.name, *target, origin)
	return Outcome(DONE, _("link to {0} {1}").format(_(target[0]), target[1]), target)


def mark_ignored(ctx: Context, row) -> Outcome:
	from crm_mailbox.threads import ownership

	if not ctx.thread:
		return Outcome(SKIPPED, _("the email has no thread (the mailbox is not a Shared or CRM mailbox)"))
	if not ctx.dry_run:
		ownership.set_work_status(ctx.thread, ownership.IGNORED)
	return Outcome(DONE, _("thread marked Ignored"))


ACTIONS: dict[str, Callable[[Context, object], Outcome]] = {
	"assign_owner": assign_owner,
	"create_lead": create_lead,
	"create_opportunity": create_opportunity,
	"create_task": create_task,
	"create_issue": create_issue,
	"set_priority": set_priority,
	"add_tag": add_tag,
	"link_to": link_to,
	"mark_ignored": mark_ignored,
}

# Decisions that later actions of the same email use run first, whatever their place in the rule.
RUN_FIRST = ("set_priority", "assign_owner", "create_lead", "link_to")


def ordered(rows: list) -> list:
	rank = {action: i for i, action in enumerate(RUN_FIRST)}
	return sorted(rows, key=lambda row: (rank.get(row.action, len(rank)), row.idx or 0))
