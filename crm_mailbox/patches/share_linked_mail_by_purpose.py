"""Existing mailboxes get the "Share Linked Mail" default of their purpose: on for Shared and CRM, off for Personal.

Patches run before after_migrate creates new custom fields, so the field is created here first.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from crm_mailbox.setup.mailbox_fields import email_account_fields


def execute():
	fields = [f for f in email_account_fields() if f["fieldname"] == "crm_share_linked_mail"]
	create_custom_fields({"Email Account": fields}, ignore_validate=True)
	account = frappe.qb.DocType("Email Account")
	for purposes, value in ((("Shared", "CRM"), 1), (("Personal",), 0)):
		frappe.qb.update(account).set(account.crm_share_linked_mail, value).where(
			account.crm_purpose.isin(purposes)
		).run()
