# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

from frappe.model.document import Document


class MailboxRuleCondition(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		field: DF.Literal[
			"sender",
			"sender_domain",
			"recipient",
			"subject",
			"body",
			"subject_or_body",
			"attachment_name",
			"has_attachments",
			"sender_known",
			"linked_party_type",
			"is_automated",
			"mailbox",
		]
		operator: DF.Literal[
			"equals",
			"not_equals",
			"contains",
			"not_contains",
			"starts_with",
			"ends_with",
			"matches",
			"is_true",
			"is_false",
		]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		value: DF.SmallText | None
	# end: auto-generated types

	pass
