"""Bench suite, end to end: a real IMAP server (Dovecot on loopback), Frappe's own pull, our links.

The message is delivered into Dovecot's maildir and fetched by Frappe's scheduler entry
(pull_from_email_account) over IMAP; nothing in Frappe's receive path is replaced.
Needs Debian's dovecot-imapd and openssl (the bench CI installs them).
"""

from __future__ import annotations

import importlib.util
import os
import uuid

import frappe
from frappe.email.doctype.email_account.email_account import pull_from_email_account
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t

SERVERS = os.path.join(t.EML_DIR, "..", "servers.py")


def load_servers():
	spec = importlib.util.spec_from_file_location("crm_mailbox_test_servers", SERVERS)
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


class TestImapPull(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.servers = load_servers()
		cls.dovecot = cls.servers.start_dovecot()
		cls.inbox = cls.dovecot.root / "mail" / cls.dovecot.user.split("@")[0]
		name = "CRM Mailbox Test IMAP"
		if frappe.db.exists("Email Account", name):
			frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
		cls.account = t.make_email_account(
			cls.dovecot.user,
			name,
			login_id=cls.dovecot.user,
			password=cls.dovecot.password,
			email_server=cls.dovecot.host,
			incoming_port=cls.dovecot.imap_port,
			use_ssl=0,
			use_starttls=0,
			initial_sync_count=100,
		)
		# Frappe's scheduler pull commits on its own: the test's data must be committed before it
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		cls.dovecot.stop()
		frappe.delete_doc("Email Account", cls.account.name, force=True, ignore_permissions=True)
		# Frappe's scheduler pull commits on its own: the test's data must be committed before it
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def deliver(self, raw: bytes) -> str:
		"""Put a message into the INBOX as an MTA would; return its (new, unique) Message-ID."""
		message_id = f"{uuid.uuid4().hex}@imap-test.crm-mailbox.example"
		path = self.inbox / "new" / f"{uuid.uuid4().hex}.crm-test"
		path.write_bytes(t.with_message_id(raw, f"<{message_id}>"))
		return message_id

	def pulled(self, message_id: str):
		name = frappe.db.get_value("Communication", {"message_id": message_id})
		self.assertTrue(name, "the scheduler's pull did not bring the message in")
		return frappe.get_doc("Communication", name)

	def test_scheduler_pull_links_outlook_mail_to_customer_by_domain(self):
		frappe.db.delete("Customer Email Domain", {"domain": "acme-industries.com"})
		for contact in frappe.get_all(
			"Contact Email", {"email_id": "anna.mueller@acme-industries.com"}, pluck="parent"
		):
			# another customer's, from earlier runs
			frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
		customer = t.make_customer(domains=["acme-industries.com"])
		# Frappe's scheduler pull commits on its own: the test's data must be committed before it
		frappe.db.commit()  # nosemgrep

		message_id = self.deliver(t.eml("outlook_new_inquiry.eml"))
		pull_from_email_account(self.account.name)

		mail = self.pulled(message_id)
		self.assertEqual(mail.sender, "anna.mueller@acme-industries.com")
		# Frappe's Contact for Anna (Create Contacts is on, as by default) belongs to the customer
		self.assertEqual(t.links_of(mail).get(("Customer", customer.name)), "Contact party")
		self.assertIn(("Customer", customer.name), t.timeline_of(mail))

		# A second pull brings nothing twice.
		pull_from_email_account(self.account.name)
		self.assertEqual(frappe.db.count("Communication", {"message_id": message_id}), 1)

	def test_scheduler_pull_marks_bounce_automated_and_creates_no_contact(self):
		frappe.db.set_value("Email Account", self.account.name, "create_contact", 1)
		# Frappe's scheduler pull commits on its own: the test's data must be committed before it
		frappe.db.commit()  # nosemgrep
		try:
			message_id = self.deliver(t.eml("bounce_dsn.eml"))
			pull_from_email_account(self.account.name)
		finally:
			frappe.db.set_value("Email Account", self.account.name, "create_contact", 0)
			# Frappe's scheduler pull commits on its own: the test's data must be committed before it
			frappe.db.commit()  # nosemgrep
		mail = self.pulled(message_id)
		self.assertTrue(mail.crm_is_automated)
		# Frappe's pull hands our hooks no headers (integrations/inbound.py): the sender tells it;
		# the same bounce through our intake is judged by its headers too (intake/test_pull.py)
		self.assertIn("machine address", mail.crm_automated_signal)
		self.assertFalse(frappe.db.exists("Contact Email", {"email_id": "mailer-daemon@mx.ourco.example"}))
