# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from crm_mailbox.mailboxes.settings import get_mailbox
from crm_mailbox.mailflow import rules as engine
from crm_mailbox.threads.ownership import may_own


class InvalidRoutingRule(frappe.ValidationError):
	pass


class MailboxRoutingRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_mailbox.crm_mailbox.doctype.mailbox_rule_action.mailbox_rule_action import MailboxRuleAction
		from crm_mailbox.crm_mailbox.doctype.mailbox_rule_condition.mailbox_rule_condition import (
			MailboxRuleCondition,
		)

		actions: DF.Table[MailboxRuleAction]
		conditions: DF.Table[MailboxRuleCondition]
		description: DF.SmallText | None
		email_account: DF.Link
		enabled: DF.Check
		last_matched_on: DF.Datetime | None
		match: DF.Literal["All", "Any"]
		match_count: DF.Int
		rule_name: DF.Data
		sequence: DF.Int
		stop_after: DF.Check
	# end: auto-generated types

	def validate(self):
		problems = engine.validate_rule(self.as_rule()) + self.action_problems()
		if problems:
			frappe.throw(
				"<br>".join(frappe.utils.escape_html(p) for p in problems),
				title=_("Routing rule {0} cannot be saved").format(self.rule_name),
				exc=InvalidRoutingRule,
			)

	def as_rule(self) -> engine.Rule:
		"""This rule as the Frappe-free engine sees it; actions are the child rows themselves."""
		return engine.Rule(
			name=self.name,
			match=(self.match or "").lower(),
			conditions=[engine.Condition(c.field, c.operator, c.value or "") for c in self.conditions],
			actions=list(self.actions),
			stop_after=bool(self.stop_after),
			enabled=bool(self.enabled),
		)

	def action_problems(self) -> list[str]:
		problems = []
		if not self.actions:
			problems.append(_("The rule has no actions; add at least one."))
		box = get_mailbox(self.email_account)
		for row in self.actions:
			problems.extend(
				_("Action {0} ({1}): {2}").format(row.idx, row.action, problem)
				for problem in _problems(row, box)
			)
		return problems


def _problems(row, box) -> list[str]:
	problems = []
	users = row.user_list()
	for user in users:
		if not frappe.db.get_value("User", {"name": user, "enabled": 1}):
			problems.append(_("{0} is not an enabled user.").format(user))
		elif box and not may_own(box, user):
			# owners and assignees get the email's subject in a ToDo: only the mailbox's people
			problems.append(_("{0} is not a processor of mailbox {1}.").format(user, box.name))
	if row.action == "assign_owner":
		if row.strategy == "Fixed user" and len(users) != 1:
			problems.append(_("the strategy 'Fixed user' needs exactly one user."))
		elif row.strategy in ("Round robin", "Least open threads") and not users:
			problems.append(_("list the users to choose the owner from."))
	elif row.action == "set_priority" and not row.priority:
		problems.append(_("choose the priority to set."))
	elif row.action == "add_tag" and not (row.tag or "").strip():
		problems.append(_("enter the tag to add."))
	elif row.action == "link_to":
		if not (row.link_doctype and row.link_name):
			problems.append(_("choose the record to link the email to."))
		elif not frappe.db.exists(row.link_doctype, row.link_name):
			problems.append(_("{0} {1} does not exist.").format(row.link_doctype, row.link_name))
		elif not frappe.has_permission(row.link_doctype, "read", doc=row.link_name):
			# the action links with the system's rights: its author must at least see the record
			problems.append(_("you may not read {0} {1}.").format(row.link_doctype, row.link_name))
	return problems
