"""Whitelisted endpoints about routing rules: their vocabulary, what they did to an email, and the dry run."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from crm_mailbox.mailflow import rule_vocabulary
from crm_mailbox.permissions.mailbox import may_list_email
from crm_mailbox.permissions.rules import may_edit_rules, reads_any_rules
from crm_mailbox.routing import engine

MAX_PREVIEW = 200


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
def preview_rules(email_account: str, limit: int = 20) -> list[dict]:
	"""Dry run: what the mailbox's rules would do to its last `limit` incoming emails; changes nothing."""
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
	return [
		engine.report_as_dict(report)
		for report in engine.preview(email_account, limit)
		if frappe.has_permission("Communication", "read", doc=report.communication)
	]
