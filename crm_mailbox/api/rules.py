"""Whitelisted endpoints about routing rules: their vocabulary, what they did to an email, and the dry run."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from crm_mailbox import long_work
from crm_mailbox.mailflow import rule_vocabulary
from crm_mailbox.permissions.mailbox import may_list_email
from crm_mailbox.permissions.rules import may_edit_rules, reads_any_rules
from crm_mailbox.routing import engine

MAX_PREVIEW = 5000
PREVIEW_INLINE = 100  # more emails run in the background


@frappe.whitelist(methods=["GET"])
def get_rule_vocabulary() -> dict:
	"""The fields, operators and actions a routing rule may use: stored codes with their labels."""
	if not reads_any_rules():
		frappe.throw(_("Only the members of a mailbox read its routing rules."), frappe.PermissionError)
	return rule_vocabulary.vocabulary()


@frappe.whitelist()
def get_rule_runs(communication: str) -> list[dict]:
	"""Which rules matched the email, why, and what each of their actions did."""
	frappe.get_doc("Communication", communication).check_permission("read")
	if not may_list_email(communication, frappe.session.user):
		return []  # opened through its linked record only: the runs stay with the mailbox's members
	runs = frappe.get_all(
		engine.RUN,
		filters={"communication": communication},
		fields=["name", "rule", "rule_name", "status", "matched_because", "creation"],
		order_by="creation asc",
	)
	for run in runs:
		run["actions"] = frappe.get_all(
			engine.RUN_ACTION,
			filters={"parent": run.name, "parenttype": engine.RUN},
			fields=["action", "status", "reference_doctype", "reference_name", "note"],
			order_by="idx asc",
		)
		for action in run["actions"]:
			action["action_label"] = rule_vocabulary.ACTION_LABELS.get(action.action, action.action)
	return runs


@frappe.whitelist(methods=["POST"])
def preview_rules(email_account: str, limit: int = 20) -> dict:
	"""Dry run: what the mailbox's rules would do to its last `limit` incoming emails; changes nothing.

	{"result": [...]} when it ran at once; {"job_id": ...} when it runs in the background (more than
	PREVIEW_INLINE emails), with progress for the user who asked (crm_mailbox.long_work)."""
	# the mailbox's rule editors may preview; only the emails they may read are shown
	if not may_edit_rules(email_account):
		frappe.throw(
			_("Only System Managers and the processors of mailbox {0} may preview its rules.").format(
				frappe.bold(email_account)
			),
			frappe.PermissionError,
			title=_("Routing Rules"),
		)
	limit = min(max(cint(limit), 1), MAX_PREVIEW)
	return long_work.run(
		"crm_mailbox.api.rules.readable_preview",
		_("Dry run of the rules of {0}").format(email_account),
		limit,
		PREVIEW_INLINE,
		email_account=email_account,
		limit=limit,
	)


def readable_preview(
	email_account: str, limit: int, progress: long_work.Progress | None = None
) -> list[dict]:
	"""The dry run's reports on the emails the session user may read."""
	return [
		engine.report_as_dict(report)
		for report in engine.preview(email_account, limit, progress=progress)
		if frappe.has_permission("Communication", "read", doc=report.communication)
	]
