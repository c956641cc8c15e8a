# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class MailboxIntakeFolder(Document):
	pass


def on_doctype_update():
	frappe.db.add_unique("Mailbox Intake Folder", ["email_account", "folder"], "unique_account_folder")
