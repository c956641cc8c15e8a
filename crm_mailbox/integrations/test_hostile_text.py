"""Bench suite: text from hostile mail is stored as inert plain text wherever the app or its intake puts it.

The browser suite (crm_mailbox/browser) shows the desk; these check the stored values behind it, fast.
"""

from __future__ import annotations

import os
import re

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing import records
from crm_mailbox.threads import overdue

TAG = re.compile(r"<[A-Za-z/!?]")


class TestHostileTextStored(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		cls.box = mt.team_mailbox(cls.people, name="CRM Mailbox Test Hostile")
		mt.fresh_settings()

	def setUp(self):
		mt.fresh_settings()

	def receive(self, subject: str, attachment: bytes | None = None):
		sender = t.unique_address("eve")
		(mail,) = t.receive(self.box, t.hostile_email(sender, self.box.email_id, subject, attachment))
		return mail

	def files_of(self, mail) -> list[frappe._dict]:
		return frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Communication", "attached_to_name": mail.name},
			fields=["name", "file_name", "file_url", "is_private"],
		)

	def test_subject_and_display_name_stored_as_inert_text(self):
		mail = self.receive(f"Quote {t.HOSTILE} & terms")
		self.assertFalse(TAG.search(mail.subject), mail.subject)
		self.assertFalse(TAG.search(mail.sender_full_name or ""), mail.sender_full_name)
		# plain text, not entities: "&" stays "&", so a page that escapes shows it once
		self.assertIn("& terms", mail.subject)
		self.assertNotIn("&amp;", mail.subject)
		self.assertIn("\u2039b id=injected>bold", mail.subject)

	def test_thread_subject_and_owner_todo_are_inert(self):
		mail = self.receive(f"Help {t.HOSTILE} & more")
		thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		subject = frappe.db.get_value("Mailbox Thread", thread, "subject")
		self.assertFalse(TAG.search(subject), subject)
		self.assertNotIn("&amp;", subject)
		for description in frappe.get_all(
			"ToDo",
			filters={"reference_type": "Mailbox Thread", "reference_name": thread},
			pluck="description",
		):
			self.assertFalse(TAG.search(description or ""), description)

	def test_attachment_name_and_url_cleaned_and_file_kept(self):
		mail = self.receive("Price list")
		(f,) = self.files_of(mail)
		for value in (f.file_name, f.file_url.rsplit("/", 1)[1]):
			self.assertFalse(set(value) & set("<>\"'"), value)
		self.assertTrue(f.file_name.endswith(".txt"))
		path = frappe.get_doc("File", f.name).get_full_path()
		self.assertTrue(os.path.exists(path), path)
		with open(path, "rb") as handle:
			self.assertIn(b"price list", handle.read())

	def test_same_hostile_attachment_twice_does_not_break_the_pull(self):
		# before: Frappe's duplicate check read the first copy's path and refused it ("cannot have /")
		content = f"the same price list {frappe.generate_hash(length=8)}".encode()
		first = self.receive("Price list", content)
		second = self.receive("Price list again", content)
		self.assertIsNotNone(second)
		self.assertEqual(len(self.files_of(second)), 1)
		self.assertEqual(self.files_of(first)[0].file_url, self.files_of(second)[0].file_url)

	def test_a_lead_made_from_hostile_mail_keeps_its_attachment_and_inert_name(self):
		mail = self.receive("New enquiry")
		lead = records.create_lead(mail, records.Origin(records.MANUAL, "test", "Administrator"))
		self.assertFalse(TAG.search(lead.lead_name or ""), lead.lead_name)
		copies = frappe.get_all(
			"File", filters={"attached_to_doctype": "Lead", "attached_to_name": lead.name}, pluck="file_name"
		)
		self.assertEqual(len(copies), 1)
		self.assertFalse(set(copies[0]) & set("<>\"'/"), copies[0])

	def test_overdue_notification_escapes_subject_and_sender(self):
		mail = self.receive(f"Late {t.HOSTILE}")
		thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		frappe.db.set_value("Mailbox Thread", thread, "sender", f"{t.HOSTILE}@x.example")
		overdue.notify(thread, overdue.OWNER_NOTIFIED)
		logs = frappe.get_all(
			"Notification Log",
			filters={
				"document_type": "Mailbox Thread",
				"document_name": thread,
				"subject": ("like", "%overdue%"),
			},
			fields=["subject", "email_content"],
		)
		self.assertTrue(logs)
		for log in logs:
			for value in (log.subject, log.email_content):
				self.assertFalse(TAG.search(value or ""), value)
		self.assertIn("&lt;b id=injected&gt;", logs[0].email_content)


class TestRepairOfStoredText(FrappeTestCase):
	"""The patch for mail stored before the fix: what Frappe's sanitiser kept reads as text again."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.box = mt.team_mailbox(mt.People(), name="CRM Mailbox Test Hostile")
		mt.fresh_settings()

	def test_sanitised_subjects_and_attachment_names_repaired(self):
		from crm_mailbox.patches import inert_email_text

		content = f"old price list {frappe.generate_hash(length=8)}".encode()
		sender = t.unique_address("eve")
		(mail,) = t.receive(self.box, t.hostile_email(sender, self.box.email_id, "Old mail", content))
		thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		(f,) = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Communication", "attached_to_name": mail.name},
			pluck="name",
		)
		# as Frappe's sanitiser stored them before the fix
		stored = 'Old <img src="x"><b id="injected">bold</b> &amp; co'
		frappe.db.set_value("Communication", mail.name, "subject", stored)
		frappe.db.set_value("Mailbox Thread", thread, "subject", stored)
		frappe.db.set_value("File", f, "file_name", '<img src="x"><b id="injected">bold<b>1.txt</b></b>')

		inert_email_text.execute()

		for value in (
			frappe.db.get_value("Communication", mail.name, "subject"),
			frappe.db.get_value("Mailbox Thread", thread, "subject"),
		):
			self.assertEqual(value, 'Old \u2039img src="x">\u2039b id="injected">bold\u2039/b> & co')
		file_name = frappe.db.get_value("File", f, "file_name")
		self.assertFalse(set(file_name) & set("/<>\"'"), file_name)
		# and the same content arrives again without Frappe refusing the old copy's name
		(again,) = t.receive(self.box, t.hostile_email(sender, self.box.email_id, "Old mail again", content))
		self.assertIsNotNone(again)
