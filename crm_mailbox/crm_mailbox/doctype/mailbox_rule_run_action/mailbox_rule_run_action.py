# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

from frappe.model.document import Document


class MailboxRuleRunAction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Data | None
		action_row: DF.Data | None
		note: DF.SmallText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		status: DF.Literal["Done", "Skipped", "Failed"]
	# end: auto-generated types

	pass
