# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class MailboxRuleRun(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_mailbox.crm_mailbox.doctype.mailbox_rule_run_action.mailbox_rule_run_action import (
			MailboxRuleRunAction,
		)

		actions: DF.Table[MailboxRuleRunAction]
		communication: DF.Link
		email_account: DF.Link | None
		matched_because: DF.SmallText | None
		rule: DF.Link
		rule_name: DF.Data | None
		status: DF.Literal["Done", "Partly failed", "Failed"]
		thread: DF.Data | None
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_index("Mailbox Rule Run", ["communication", "rule"])
