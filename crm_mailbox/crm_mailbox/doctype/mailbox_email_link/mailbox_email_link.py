# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class MailboxEmailLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		communication: DF.Link
		detail: DF.SmallText | None
		link_doctype: DF.Link
		link_name: DF.DynamicLink
		linked_by: DF.Link | None
		reason: DF.Literal[
			"Lead address",
			"Lead contact",
			"Converted lead",
			"Contact address",
			"Contact party",
			"Customer address",
			"Customer domain",
			"Open opportunity",
			"Thread",
			"Participant",
			"Rule",
			"Manual",
		]
		status: DF.Literal["Linked", "Superseded", "Removed"]
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_index("Mailbox Email Link", ["link_doctype", "link_name"])
