"""Routing rules on the Frappe side: facts of an email, which rules match, what they do, and the log.

Data path: Communication after_insert -> (after commit) job `run_for_email` -> facts -> the
Frappe-free `mailflow.rules.evaluate` -> actions -> one "Mailbox Rule Run" per matched rule.

- Rules run for incoming email that starts a thread, after the email's links are recorded.
- Idempotent: an action row that is Done for the email is never run again, and records are
  made at most once per email (see routing/actions.py).
- `preview` runs the same code as a dry run and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.utils import now_datetime

from crm_mailbox.linking import store
from crm_mailbox.linking.resolver import own_addresses
from crm_mailbox.mailflow import rule_vocabulary
from crm_mailbox.mailflow import rules as engine
from crm_mailbox.mailflow.addresses import domain_of, parse_address_list
from crm_mailbox.mailflow.freemail import company_domain
from crm_mailbox.mailflow.plaintext import inert
from crm_mailbox.mailflow.precedence import THREAD

from . import actions, records

RULE = "Mailbox Routing Rule"
RUN = "Mailbox Rule Run"
RUN_ACTION = "Mailbox Rule Run Action"


# ---------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------


def facts_of(comm) -> engine.EmailFacts:
	# Frappe also links the contacts of every participant (our own colleagues in Cc among them):
	# those say nothing about who wrote the email.
	links = store.decided(records.linked(comm.name))
	sender_links = records.sender_links(comm.name)
	return engine.EmailFacts(
		sender=comm.sender or "",
		sender_domain=comm.get("crm_sender_domain") or "",
		recipients=[a.address for a in parse_address_list(comm.recipients, comm.cc)],
		subject=comm.subject or "",
		body_text=records.email_text(comm),
		attachment_names=[f.file_name for f in records.email_attachments(comm.name)],
		# a Contact alone does not make the sender known: Frappe makes one for every new sender
		sender_known=store.names_a_party(sender_links) or is_colleague(comm.sender),
		linked_party_types={link.doctype for link in links},
		is_automated=bool(comm.get("crm_is_automated")),
		mailbox=comm.email_account or "",
	)


def is_colleague(sender: str | None) -> bool:
	"""Mail from one of us (a user of this site, or our own company domain) never comes from a stranger."""
	if not sender:
		return False
	if frappe.db.exists("User", {"name": sender, "enabled": 1}):
		return True
	return domain_of(sender) in own_company_domains()


def own_company_domains() -> set[str]:
	"""The domains of this site's mailboxes, free-mail domains left out (a gmail.com mailbox owns nothing)."""
	return {company_domain(key) for key in own_addresses()} - {""}


def rules_for(email_account: str) -> list[engine.Rule]:
	names = frappe.get_all(
		RULE,
		filters={"email_account": email_account, "enabled": 1},
		order_by="sequence asc, creation asc",
		pluck="name",
	)
	return [frappe.get_doc(RULE, name).as_rule() for name in names]


# ---------------------------------------------------------------------------------------------
# Which emails the rules run for
# ---------------------------------------------------------------------------------------------


def is_incoming_email(comm) -> bool:
	return (
		comm.communication_type == "Communication"
		and comm.communication_medium == "Email"
		and comm.sent_or_received == "Received"
		and bool(comm.email_account)
	)


def thread_of(comm) -> str | None:
	if not frappe.get_meta("Communication").has_field("crm_thread"):
		return None  # threads are not installed on this site yet
	from crm_mailbox.threads.ownership import thread_of as find_thread

	return find_thread(comm.name)


def why_not(comm, thread: str | None) -> str:
	"""Why the rules do not run for this email ("" when they do)."""
	if not is_incoming_email(comm):
		return _("not an incoming email of a mailbox")
	if thread:
		first = frappe.db.get_value("Mailbox Thread", thread, "first_communication")
		if first and first != comm.name:
			return _("a later email of thread {0}: rules run for the first email of a thread").format(thread)
		return ""
	if comm.in_reply_to or records.linked_with_reason(comm.name, THREAD):
		return _("a reply in an existing conversation: rules run for the first email of a thread")
	return ""


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


@dataclass
class Step:
	rule: str
	action: str
	action_row: str
	outcome: actions.Outcome


@dataclass
class Report:
	"""What the rules did (or, in a dry run, would do) to one email."""

	communication: str
	subject: str
	sender: str
	skipped_because: str = ""
	matched: list[engine.RuleResult] = field(default_factory=list)
	steps: list[Step] = field(default_factory=list)


def enqueue_for_email(communication: str) -> None:
	"""Run the rules after the email is committed, in the background (at once in tests).

	On the 'long' queue: a backlog's rules are bulk work, and must never delay owner assignment
	(threads.ownership, 'short' queue).
	"""
	frappe.db.after_commit.add(
		lambda: frappe.enqueue(
			"crm_mailbox.routing.engine.run_for_email",
			queue="long",
			job_id=f"crm_mailbox:rules:{communication}",
			deduplicate=True,
			now=bool(frappe.flags.in_test),
			communication=communication,
		)
	)


def run_for_email(communication: str) -> Report | None:
	"""Job: run the mailbox's rules for one email. Failures are logged per action, never raised."""
	try:
		return process(communication, dry_run=False)
	except Exception:
		frappe.log_error(
			title="crm_mailbox: routing rules failed",
			reference_doctype="Communication",
			reference_name=communication,
		)
		return None


def process(communication: str, dry_run: bool) -> Report:
	comm = frappe.get_doc("Communication", communication)
	thread = thread_of(comm)
	report = Report(comm.name, comm.subject or "", comm.sender or "")
	report.skipped_because = why_not(comm, thread)
	if report.skipped_because:
		return report
	rules = rules_for(comm.email_account)
	if not rules:
		report.skipped_because = _("the mailbox has no enabled rules")
		return report
	facts = facts_of(comm)
	evaluated = engine.evaluate(rules, facts)
	report.matched = [r for r in evaluated if r.matched]
	for failed in (r for r in evaluated if r.error and not dry_run):
		frappe.log_error(
			title="crm_mailbox: a routing rule could not be checked",
			message=failed.error,
			reference_doctype=RULE,
			reference_name=failed.name,
		)
	ctx = actions.Context(comm=comm, facts=facts, thread=thread, dry_run=dry_run, user=frappe.session.user)
	ctx.made.update(previously_made(comm.name))
	done_rows = done_action_rows(comm.name)
	for result in report.matched:
		for row in result.actions:
			if row.action == "set_priority" and row.priority:
				ctx.priority = row.priority
	for result in report.matched:
		ctx.rule = result
		steps = [run_action(ctx, result, row, done_rows) for row in actions.ordered(result.actions)]
		report.steps.extend(steps)
		if not dry_run:
			log_run(comm, thread, result, [s for s in steps if s.action_row not in done_rows])
	return report


def run_action(ctx: actions.Context, result: engine.RuleResult, row, done_rows: dict) -> Step:
	if row.name in done_rows:
		outcome = actions.Outcome(actions.SKIPPED, _("already done: {0}").format(done_rows[row.name]))
		return Step(result.name, row.action, row.name, outcome)
	if ctx.dry_run:
		return Step(result.name, row.action, row.name, actions.ACTIONS[row.action](ctx, row))
	savepoint = "crm_mailbox_rule_action"
	frappe.db.savepoint(savepoint)
	try:
		outcome = actions.ACTIONS[row.action](ctx, row)
	except Exception as exc:
		frappe.db.rollback(save_point=savepoint)
		error_log = frappe.log_error(
			title=f"crm_mailbox: rule action {row.action} failed",
			reference_doctype="Communication",
			reference_name=ctx.comm.name,
		)
		outcome = actions.Outcome(
			actions.FAILED,
			_("{0}: {1}. Details in Error Log {2}.").format(
				type(exc).__name__, str(exc)[:200], getattr(error_log, "name", "")
			),
		)
	return Step(result.name, row.action, row.name, outcome)


def previously_made(communication: str) -> dict[str, tuple[str, str]]:
	"""Records made from this email before: by a rule's action, or by hand."""
	made: dict[str, tuple[str, str]] = {}
	for doctype in ("Lead", "Opportunity", "Task", "Issue"):
		names = records.made_from(communication, doctype)
		if names:
			made[doctype] = (doctype, names[0])
	run, row = frappe.qb.DocType(RUN), frappe.qb.DocType(RUN_ACTION)
	rows = (
		frappe.qb.from_(row)
		.join(run)
		.on(row.parent == run.name)
		.select(row.reference_doctype, row.reference_name)
		.where((run.communication == communication) & (row.status == actions.DONE))
		.where(row.reference_doctype.isin(["Lead", "Opportunity", "Task", "Issue"]))
		.orderby(row.creation, order=Order.asc)
		.run(as_dict=True)
	)
	for r in rows:
		if r.reference_name:
			made.setdefault(r.reference_doctype, (r.reference_doctype, r.reference_name))
	return made


def done_action_rows(communication: str) -> dict[str, str]:
	"""{rule action row: note} of the actions already done for this email."""
	run, row = frappe.qb.DocType(RUN), frappe.qb.DocType(RUN_ACTION)
	rows = (
		frappe.qb.from_(row)
		.join(run)
		.on(row.parent == run.name)
		.select(row.action_row, row.note)
		.where((run.communication == communication) & (row.status.isin([actions.DONE, actions.SKIPPED])))
		.run(as_dict=True)
	)
	return {r.action_row: r.note or "" for r in rows if r.action_row}


def log_run(comm, thread: str | None, result: engine.RuleResult, steps: list[Step]) -> None:
	"""One Mailbox Rule Run per email and rule; a re-run replaces the rows of failed actions."""
	name = frappe.db.get_value(RUN, {"communication": comm.name, "rule": result.name})
	first = not name
	run = frappe.new_doc(RUN) if first else frappe.get_doc(RUN, name)
	run.update(
		{
			"communication": comm.name,
			"rule": result.name,
			"email_account": comm.email_account,
			"thread": thread,
			"matched_because": inert(result.explanation)[:2000],
		}
	)
	run.actions = [row for row in run.actions if row.action_row not in {s.action_row for s in steps}]
	for step in steps:
		reference = step.outcome.reference or (None, None)
		run.append(
			"actions",
			{
				"action": step.action,
				"action_row": step.action_row,
				"status": step.outcome.status,
				"reference_doctype": reference[0] if reference[1] else None,
				"reference_name": reference[1] or None,
				# notes quote subjects and senders ("Lead for Eve <eve@...>"): inert, never escaped
				"note": inert(step.outcome.note)[:1000],
			},
		)
	statuses = {row.status for row in run.actions}
	run.status = (
		"Failed"
		if statuses == {actions.FAILED}
		else "Partly failed"
		if actions.FAILED in statuses
		else "Done"
	)
	run.flags.ignore_permissions = True
	run.save()
	if first:
		count_match(result.name)


def count_match(rule: str) -> None:
	table = frappe.qb.DocType(RULE)
	(
		frappe.qb.update(table)
		.set(table.match_count, table.match_count + 1)
		.set(table.last_matched_on, now_datetime())
		.where(table.name == rule)
	).run()


# ---------------------------------------------------------------------------------------------
# Dry run
# ---------------------------------------------------------------------------------------------


def recent_emails(email_account: str, limit: int = 20) -> list[str]:
	return frappe.get_all(
		"Communication",
		filters={
			"email_account": email_account,
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
		},
		order_by="communication_date desc, creation desc",
		limit=limit,
		pluck="name",
	)


def preview(email_account: str, limit: int = 20, progress=None) -> list[Report]:
	"""What the mailbox's rules would do to its last `limit` incoming emails; writes nothing.

	`progress` (a long_work.Progress) hears of each email done."""
	names = recent_emails(email_account, limit)
	if progress:
		progress.total = len(names)
	reports = []
	for name in names:
		reports.append(process(name, dry_run=True))
		if progress:
			progress.advance()
	return reports


def report_as_dict(report: Report) -> dict:
	return {
		"communication": report.communication,
		"subject": report.subject,
		"sender": report.sender,
		"skipped_because": report.skipped_because,
		"rules": [
			{
				"rule": result.name,
				"rule_name": frappe.db.get_value(RULE, result.name, "rule_name"),
				"matched_because": result.explanation,
				"actions": [
					{
						"action": step.action,
						"action_label": rule_vocabulary.ACTION_LABELS.get(step.action, step.action),
						"status": step.outcome.status,
						"note": step.outcome.note,
						"reference_doctype": (step.outcome.reference or ("", ""))[0],
						"reference_name": (step.outcome.reference or ("", ""))[1],
					}
					for step in report.steps
					if step.rule == result.name
				],
			}
			for result in report.matched
		],
	}
