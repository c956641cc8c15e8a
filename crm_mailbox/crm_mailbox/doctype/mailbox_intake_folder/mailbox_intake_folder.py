# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class MailboxIntakeFolder(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		backlog: DF.Int
		email_account: DF.Link
		error_notified: DF.Check
		error_since: DF.Datetime | None
		folder: DF.Data
		heartbeat_at: DF.Datetime | None
		holder: DF.Data | None
		last_error: DF.SmallText | None
		last_pull_at: DF.Datetime | None
		last_success_at: DF.Datetime | None
		last_uid: DF.Int
		mode: DF.Data | None
		server_messages: DF.Int
		uidvalidity: DF.Data | None
	# end: auto-generated types
	pass


def on_doctype_update():
	frappe.db.add_unique("Mailbox Intake Folder", ["email_account", "folder"], "unique_account_folder")
