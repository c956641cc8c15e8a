"""Bench suite: mailbox settings are checked with clear messages; the connection test explains failures."""

from __future__ import annotations

import json
import socket

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import mailboxes as mailboxes_api
from crm_mailbox.integrations.email_account import MailboxSettingsError
from crm_mailbox.mailboxes import testing as mt

SECRET = "Sup3r-Secret-Passw0rd"


def closed_port() -> int:
	"""A loopback port with nothing listening on it."""
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


class TestMailboxSettings(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()
		cls.disabled = mt.make_user("crm-mbx-disabled@ourco.example", enabled=0)

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()

	def new_account(self, **fields):
		return frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": f"CRM Mailbox Test {frappe.generate_hash(length=6)}",
				"email_id": t.unique_address("box", "ourco.example"),
				"enable_incoming": 1,
				"use_imap": 1,
				"email_server": "imap.ourco.example",
				"password": "x",
				"imap_folder": [{"folder_name": "INBOX"}],
				**fields,
			}
		)

	def assert_refused(self, message_part: str, **fields):
		with self.assertRaises(MailboxSettingsError) as caught:
			self.new_account(**fields).insert(ignore_permissions=True)
		self.assertIn(message_part, str(caught.exception))

	def test_personal_mailbox_needs_an_owner(self):
		self.assert_refused("needs an owner", crm_purpose="Personal")

	def test_shared_mailbox_needs_a_processor(self):
		self.assert_refused("at least one processor", crm_purpose="Shared")
		self.assert_refused(
			"at least one processor",
			crm_purpose="CRM",
			crm_members=[{"user": self.people.reader, "access": "Read"}],
		)

	def test_users_must_exist_and_be_enabled(self):
		with self.assertRaises(frappe.LinkValidationError):
			self.new_account(crm_purpose="Personal", crm_mailbox_owner="nobody-here@ourco.example").insert(
				ignore_permissions=True
			)
		self.assert_refused(
			"is disabled",
			crm_purpose="Shared",
			crm_members=[
				{"user": self.people.proc1, "access": "Process"},
				{"user": self.disabled, "access": "Read"},
			],
		)

	def test_member_row_needs_user_or_role_once(self):
		self.assert_refused(
			"either a user or a role", crm_purpose="Shared", crm_members=[{"access": "Process"}]
		)
		self.assert_refused(
			"listed twice",
			crm_purpose="Shared",
			crm_members=[
				{"user": self.people.proc1, "access": "Process"},
				{"user": self.people.proc1, "access": "Read"},
			],
		)

	def test_fixed_user_strategy_needs_the_user_and_hours_must_make_sense(self):
		members = [{"user": self.people.proc1, "access": "Process"}]
		self.assert_refused(
			"needs a Fixed Thread Owner",
			crm_purpose="Shared",
			crm_members=members,
			crm_owner_strategy="Fixed user",
		)
		self.assert_refused(
			"09:00-17:00", crm_purpose="Shared", crm_members=members, crm_working_hours="17:00-09:00"
		)

	def test_unknown_senders_default_by_purpose(self):
		members = [{"user": self.people.proc1, "access": "Process"}]
		shared = self.new_account(crm_purpose="Shared", crm_members=members).insert(ignore_permissions=True)
		crm = self.new_account(crm_purpose="CRM", crm_members=members).insert(ignore_permissions=True)
		self.assertEqual((shared.crm_archive_unknown, crm.crm_archive_unknown), (1, 0))
		shared.crm_purpose = "CRM"
		shared.save(ignore_permissions=True)
		self.assertEqual(shared.crm_archive_unknown, 0)

	def test_members_get_the_mailbox_in_their_inbox(self):
		members = [{"user": self.people.proc2, "access": "Process"}]
		account = self.new_account(crm_purpose="Shared", crm_members=members).insert(ignore_permissions=True)
		self.assertTrue(
			frappe.db.exists("User Email", {"parent": self.people.proc2, "email_account": account.name})
		)

	def test_connection_to_a_closed_port_explains_and_never_shows_the_password(self):
		port = closed_port()
		account = t.make_email_account(
			email_id="crm-mailbox-test-unreachable@ourco.example",
			name="CRM Mailbox Test Unreachable",
			email_server="127.0.0.1",
			incoming_port=port,
			use_ssl=0,
			password=SECRET,
		)
		errors_before = frappe.db.count("Error Log")
		test_id = mailboxes_api.test_connection(account.name)["test_id"]
		result = mailboxes_api.connection_test_status(test_id)["result"]
		self.assertFalse(result["ok"])
		incoming = result["incoming"]
		self.assertEqual(incoming["first_failure"], "tcp")
		failed = next(step for step in incoming["steps"] if not step["ok"])
		self.assertIn(str(port), failed["hint"] + failed["detail"])
		self.assertLess(sum(step["seconds"] for step in incoming["steps"]), 10)
		self.assertNotIn(SECRET, json.dumps(result))
		for log in frappe.get_all("Error Log", fields=["error"], order_by="creation desc", limit=5):
			self.assertNotIn(SECRET, log.error or "")
		self.assertEqual(frappe.db.count("Error Log"), errors_before)

	def test_only_email_account_managers_may_test(self):
		frappe.set_user(self.people.proc1)
		with self.assertRaises(frappe.PermissionError):
			mailboxes_api.test_connection("CRM Mailbox Test Unreachable")
