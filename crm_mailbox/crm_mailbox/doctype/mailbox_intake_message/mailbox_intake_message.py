# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailboxIntakeMessage(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		communication: DF.Link | None
		duplicate_of: DF.Data | None
		email_account: DF.Link
		folder: DF.Data
		message_key: DF.Data | None
		raw: DF.LongText | None
		reason: DF.SmallText | None
		sender: DF.Data | None
		status: DF.Literal["Taken", "Skipped", "Failed", "Retried"]
		subject: DF.Data | None
		uid: DF.Int
		uidvalidity: DF.Data

	# end: auto-generated types
	@frappe.whitelist(methods=["POST"])
	def retry(self) -> str | None:
		"""Hand the kept raw message to the receive path again; the Communication's name, if it now is one."""
		# explicit, not frappe.only_for: that one lets everyone through in tests
		if "System Manager" not in frappe.get_roles():
			raise frappe.PermissionError(_("Only a System Manager may retry a kept message."))
		self.check_permission("write")
		from crm_mailbox.intake.handler import retry

		return retry(self)


def on_doctype_update():
	frappe.db.add_unique(
		"Mailbox Intake Message", ["email_account", "folder", "uidvalidity", "uid"], "unique_folder_uid"
	)
	frappe.db.add_index("Mailbox Intake Message", ["email_account", "message_key"])
