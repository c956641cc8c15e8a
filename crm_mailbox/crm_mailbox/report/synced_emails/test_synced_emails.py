"""Bench suite: the Synced Emails report lists received emails with their links and reasons."""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.crm_mailbox.report.synced_emails.synced_emails import execute


class TestSyncedEmails(FrappeTestCase):
	def test_received_email_is_listed_with_its_link_and_reason(self):
		account = t.make_email_account(
			t.unique_address("report", "ourco.example"),
			name="CRM Mailbox Report " + frappe.generate_hash(length=5),
		)
		lead = t.make_lead(t.unique_address("reported"))
		(linked,) = t.receive(account, t.build_email(lead.email_id, subject="Listed with its lead"))
		(unlinked,) = t.receive(account, t.build_email(t.unique_address("nobody"), subject="Not linked"))

		_columns, rows = execute({"email_account": account.name})
		by_email = {row["communication"]: row for row in rows}
		self.assertIn(f"Lead {lead.name} (Lead address)", by_email[linked.name]["links"])
		# with Frappe's defaults the unknown sender got a Contact of their own: it is listed, it links nobody
		self.assertNotIn("Lead", by_email[unlinked.name]["links"])

		_columns, rows = execute({"email_account": account.name, "unlinked_only": 1})
		self.assertEqual([row["communication"] for row in rows], [unlinked.name])

	def test_mail_from_a_customers_contact_is_linked(self):
		account = t.make_email_account(
			t.unique_address("report", "ourco.example"),
			name="CRM Mailbox Report " + frappe.generate_hash(length=5),
		)
		customer = t.make_customer()
		contact = t.make_contact(t.unique_address("buyer"), links=[("Customer", customer.name)])
		(mail,) = t.receive(account, t.build_email(contact.email_id, subject="From a customer"))

		_columns, rows = execute({"email_account": account.name, "unlinked_only": 1})
		self.assertNotIn(mail.name, [row["communication"] for row in rows])
