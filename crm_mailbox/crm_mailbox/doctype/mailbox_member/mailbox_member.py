# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

from frappe.model.document import Document


class MailboxMember(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		access: DF.Literal["Read", "Process"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		role: DF.Link | None
		user: DF.Link | None
		warn_when_overdue: DF.Check
	# end: auto-generated types

	pass
