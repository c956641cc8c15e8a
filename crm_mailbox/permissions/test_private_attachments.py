"""Bench suite: the attachments of a mailbox's mail, by every channel (File list, form, REST, download).

Users hold only what a real member or outsider has: the outsider is an Inbox User of another
mailbox, so Frappe itself lets them read the Communication DocType (and list its files).
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import frappe
from frappe.core.doctype.file.utils import find_file_by_url
from frappe.tests.utils import FrappeTestCase
from werkzeug.exceptions import Forbidden

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt


def email_with_attachment(sender: str, to: str, file_name: str) -> bytes:
	msg = EmailMessage()
	msg["From"], msg["To"], msg["Subject"] = sender, to, "Our price list"
	msg["Date"] = email.utils.formatdate(localtime=True)
	msg["Message-ID"] = email.utils.make_msgid(domain="test.crm-mailbox.example")
	msg.set_content("Please find our price list attached.\n")
	msg.add_attachment(b"secret prices", maintype="application", subtype="octet-stream", filename=file_name)
	return msg.as_bytes()


class TestPrivateAttachments(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = p = mt.People()
		cls.team = mt.team_mailbox(p)
		cls.other = mt.team_mailbox(
			p, name="CRM Mailbox Test Other", crm_members=[{"user": p.outsider, "access": "Process"}]
		)
		mt.fresh_settings()
		name = f"prices-{frappe.generate_hash(length=6)}.bin"
		(mail,) = t.receive(
			cls.team, email_with_attachment(t.unique_address("customer"), cls.team.email_id, name)
		)
		cls.mail = mail.name
		cls.file = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Communication", "attached_to_name": mail.name},
			pluck="name",
		)[0]
		cls.file_url = frappe.db.get_value("File", cls.file, "file_url")
		assert frappe.db.get_value("File", cls.file, "is_private") == 1

	def setUp(self):
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def listed(self, user: str) -> list[str]:
		frappe.set_user(user)
		return frappe.get_list("File", filters={"name": self.file}, pluck="name")

	def test_member_lists_and_opens_the_attachment(self):
		self.assertEqual(self.listed(self.people.reader), [self.file])
		self.assertTrue(frappe.has_permission("File", "read", doc=self.file, user=self.people.reader))
		frappe.set_user(self.people.reader)
		self.assertEqual(find_file_by_url(self.file_url).name, self.file)

	def test_non_member_does_not_see_the_attachment_in_the_file_list(self):
		self.assertEqual(self.listed(self.people.outsider), [])
		from frappe.desk.reportview import get_count

		frappe.local.form_dict = frappe._dict(doctype="File", filters=[["File", "name", "=", self.file]])
		self.assertEqual(get_count(), 0)

	def test_non_member_cannot_open_or_fetch_the_attachment(self):
		from frappe import client

		self.assertFalse(frappe.has_permission("File", "read", doc=self.file, user=self.people.outsider))
		frappe.set_user(self.people.outsider)
		with self.assertRaises(frappe.PermissionError):
			client.get("File", self.file)
		self.assertEqual(client.get_list("File", filters={"name": self.file}), [])

	def test_non_member_cannot_download_the_private_url(self):
		from frappe.utils.response import download_private_file

		frappe.set_user(self.people.outsider)
		self.assertIsNone(find_file_by_url(self.file_url))
		with self.assertRaises(Forbidden):
			download_private_file(self.file_url)
