"""Bench suite: the intake's ledger of kept messages. Retry, bounded fields, and who may see raw mail.

Messages go through our intake's handler as after an IMAP fetch (testing.receive for an account our
intake owns). Raw mail lives only in the ledger: only System Managers read it, on every channel.
"""

from __future__ import annotations

import base64
from unittest.mock import patch

import frappe
from frappe import client
from frappe.desk import reportview
from frappe.desk.search import search_link
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.intake.handler import MailboxInboundMail

LEDGER = "Mailbox Intake Message"
FOLDER = "Mailbox Intake Folder"


class TestIntakeLedger(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.owner = t.make_user("intake-ledger-owner@ourco.example")
		cls.account = t.make_email_account(
			"ledger@ourco.example",
			"CRM Mailbox Test Intake Ledger",
			crm_purpose="Personal",
			crm_mailbox_owner=cls.owner,
		)
		cls.account.reload()
		cls.account.crm_own_intake = 1  # a Personal mailbox opts in
		cls.account.save(ignore_permissions=True)
		# the intake commits each message and rolls a failed one back: what it reads must be committed
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		frappe.set_user("Administrator")

	def kept(self, raw: bytes) -> frappe._dict:
		"""Receive `raw` while Frappe's InboundMail fails for a moment; the ledger row it leaves."""
		with patch.object(MailboxInboundMail, "process", side_effect=frappe.QueryDeadlockError("deadlock")):
			(mail,) = t.receive(self.account, raw)
		self.assertIsNone(mail)
		return frappe.get_last_doc(LEDGER, filters={"email_account": self.account.name})

	def test_a_failed_message_is_kept_raw_with_its_reason_and_retry_receives_it(self):
		raw = t.build_email(t.unique_address("retry"), subject="Retry me")
		row = self.kept(raw)
		self.assertEqual(row.status, "Failed")
		self.assertIn("QueryDeadlockError", row.reason)
		self.assertEqual(base64.b64decode(row.raw), raw)

		communication = row.retry()

		row.reload()
		self.assertEqual((row.status, row.communication, row.raw), ("Retried", communication, None))
		mail = frappe.get_doc("Communication", communication)
		self.assertEqual(
			(mail.subject, mail.email_account, mail.uid), ("Retry me", self.account.name, row.uid)
		)
		with self.assertRaises(frappe.ValidationError):
			row.retry()  # nothing left to retry

	def test_a_retry_that_fails_again_keeps_the_message_with_the_new_reason(self):
		row = self.kept(t.build_email(t.unique_address("again"), subject="Fails twice"))
		with patch.object(MailboxInboundMail, "process", side_effect=ValueError("still broken")):
			self.assertIsNone(row.retry())
		row.reload()
		self.assertEqual(row.status, "Failed")
		self.assertIn("still broken", row.reason)
		self.assertTrue(row.raw)
		self.assertFalse(frappe.db.exists("Communication", {"subject": "Fails twice"}))

	def test_hostile_subject_and_sender_are_stored_inert_and_bounded(self):
		subject = "<img src=x onerror=alert(1)>" + "S" * 5000
		raw = t.build_email(f'"<b>{"N" * 300}</b>" <{t.unique_address("long")}>', subject=subject)
		row = self.kept(raw)
		self.assertLessEqual(len(row.subject), 140)
		self.assertLessEqual(len(row.sender), 140)
		for text in (row.subject, row.sender):
			self.assertNotIn("<", text)

	def test_only_system_managers_read_or_change_kept_mail_on_any_channel(self):
		row = self.kept(t.build_email(t.unique_address("secret"), subject="Raw mail of the owner"))
		folder = frappe.db.get_value(FOLDER, {"email_account": self.account.name})
		# the mailbox's own owner, with a member's roles, is no System Manager
		frappe.set_user(self.owner)
		for doctype, name in ((LEDGER, row.name), (FOLDER, folder)):
			self.assertFalse(frappe.has_permission(doctype, "read", doc=name), doctype)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list(doctype, fields=["name"])
			with self.assertRaises(frappe.PermissionError):
				client.get_list(doctype, fields=["name"])
			with self.assertRaises(frappe.PermissionError):
				client.get(doctype, name)
			with self.assertRaises(frappe.PermissionError):
				client.set_value(doctype, name, "reason" if doctype == LEDGER else "last_error", "x")
			frappe.local.form_dict = frappe._dict(doctype=doctype, fields='["name"]')
			with self.assertRaises(frappe.PermissionError):
				reportview.get()  # the report view's endpoint
			with self.assertRaises(frappe.PermissionError):
				search_link(doctype, "")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(LEDGER, row.name).retry()

		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value(LEDGER, row.name, "status"), "Failed")
		self.assertTrue(client.get(LEDGER, row.name)["raw"])

	def test_deleting_the_email_keeps_its_ledger_row_and_deleting_the_mailbox_takes_the_ledger(self):
		(mail,) = t.receive(self.account, t.build_email(t.unique_address("deleted")))
		frappe.delete_doc("Communication", mail.name, ignore_permissions=True)
		row = frappe.db.get_value(
			LEDGER, {"uid": mail.uid, "email_account": self.account.name}, ["status", "communication"]
		)
		self.assertEqual(row, ("Taken", None))

		other = t.make_email_account(
			"ledger-gone@ourco.example",
			"CRM Mailbox Test Intake Ledger Gone",
			crm_purpose="Personal",
			crm_mailbox_owner=self.owner,
		)
		other.reload()
		other.crm_own_intake = 1
		other.save(ignore_permissions=True)
		# as in setUpClass
		frappe.db.commit()  # nosemgrep
		t.receive(other, t.build_email(t.unique_address("gone")))
		self.assertTrue(frappe.db.exists(LEDGER, {"email_account": other.name}))
		frappe.delete_doc("Email Account", other.name, ignore_permissions=True)
		self.assertFalse(frappe.db.exists(LEDGER, {"email_account": other.name}))
		self.assertFalse(frappe.db.exists(FOLDER, {"email_account": other.name}))
