"""Frappe's "Pull Emails" button on a mailbox our intake owns pulls through the intake, never Frappe's pull."""

from __future__ import annotations

import frappe
from frappe.handler import execute_cmd
from frappe.utils import set_request

from crm_mailbox.intake import lease
from crm_mailbox.intake.dovecot_case import DovecotIntakeCase, fresh


def pull_emails(account: str) -> None:
	"""What the button sends: Frappe's own method, resolved through the apps' overrides."""
	method = "frappe.email.doctype.email_account.email_account.pull_emails"
	set_request(method="POST", path=f"/api/method/{method}")
	frappe.local.form_dict = frappe._dict(email_account=account)
	try:
		execute_cmd(method)
	finally:
		frappe.local.request = None


class TestPullEmailsButton(DovecotIntakeCase):
	def ledger_rows(self, account) -> int:
		return frappe.db.count("Mailbox Intake Message", {"email_account": account.name})

	def test_an_owned_mailbox_is_pulled_by_the_intake(self):
		account = self.mailbox("button")
		message_id = self.deliver(account)
		fresh()
		pull_emails(account.name)
		fresh()
		self.assertTrue(self.received(account, message_id))
		# taken through the intake: its ledger holds the message (Frappe's pull keeps no ledger)
		self.assertEqual(self.ledger_rows(account), 1)

	def test_a_mailbox_held_by_a_process_is_left_to_it(self):
		account = self.mailbox("button-held")
		message_id = self.deliver(account)
		fresh()
		self.assertTrue(lease.acquire(account.name, "another-process"))
		try:
			pull_emails(account.name)
		finally:
			lease.release(account.name, "another-process")
		fresh()
		self.assertFalse(self.received(account, message_id))
		self.assertEqual(self.ledger_rows(account), 0)

	def test_a_mailbox_the_intake_does_not_own_keeps_frappes_pull(self):
		account = self.mailbox("button-frappe", crm_own_intake=0)
		message_id = self.deliver(account)
		fresh()
		pull_emails(account.name)
		fresh()
		self.assertTrue(self.received(account, message_id))
		self.assertEqual(self.ledger_rows(account), 0)
