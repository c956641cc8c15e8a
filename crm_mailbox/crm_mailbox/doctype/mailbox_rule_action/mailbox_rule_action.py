# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

from frappe.model.document import Document


class MailboxRuleAction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal[
			"assign_owner",
			"create_lead",
			"create_opportunity",
			"create_task",
			"create_issue",
			"set_priority",
			"add_tag",
			"link_to",
			"mark_ignored",
		]
		link_doctype: DF.Link | None
		link_name: DF.DynamicLink | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		priority: DF.Literal["", "Low", "Medium", "High", "Urgent"]
		strategy: DF.Literal["", "Round robin", "Least open threads", "Fixed user", "Mailbox owner"]
		tag: DF.Data | None
		title: DF.Data | None
		users: DF.SmallText | None
	# end: auto-generated types

	def user_list(self) -> list[str]:
		"""The users named in the row, one per line (commas accepted too)."""
		return [u.strip() for u in (self.users or "").replace(",", "\n").splitlines() if u.strip()]
