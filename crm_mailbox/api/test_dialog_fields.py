"""Bench suite: a refusal about one dialog field names that field in the answer (crm_field).

public/js/email_work.js shows the message beside the named field; these are the fields it names.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import create, threads
from crm_mailbox.api.dialog_fields import FIELD_KEY
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

MAILBOX = "CRM Mailbox Test Dialog Fields"


class TestDialogFields(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		cls.box = mt.team_mailbox(
			cls.people, name=MAILBOX, crm_owner_strategy="Fixed user", crm_fixed_owner=cls.people.proc1
		)
		mt.fresh_settings()
		raw = t.build_email(t.unique_address("buyer"), to=cls.box.email_id, subject="Quote for 40 units")
		(mail,) = t.receive(cls.box, raw)
		cls.mail = mail.name
		cls.thread = ownership.thread_of(mail.name)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.delete_doc("Communication", cls.mail, force=True, ignore_permissions=True)
		if cls.thread and frappe.db.exists(ownership.THREAD, cls.thread):
			frappe.delete_doc(ownership.THREAD, cls.thread, force=True, ignore_permissions=True)
		# Frappe's receive committed the email: take it away for the next run
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.local.response = frappe._dict()

	def refused_field(self, call, *args, **kwargs) -> str | None:
		frappe.local.response = frappe._dict()
		with self.assertRaises((frappe.ValidationError, frappe.PermissionError)):
			call(*args, **kwargs)
		return frappe.local.response.get(FIELD_KEY)

	def task(self, **values):
		return self.refused_field(create.create_task, self.mail, **{"priority": "High", **values})

	def test_task_refusals_name_their_field(self):
		self.assertEqual(self.task(title=""), "title")
		self.assertEqual(self.task(title="Re: Quote for 40 units"), "title")
		self.assertEqual(self.task(title="Send the quote", priority=""), "deadline")
		self.assertEqual(self.task(title="Send the quote", assignee="nobody@nowhere.example"), "assignee")
		self.assertEqual(self.task(title="Send the quote", project="No Such Project"), "project")

	def test_assigning_a_non_processor_names_the_owner_field(self):
		self.assertEqual(self.refused_field(threads.assign, self.thread, self.people.outsider), "user")
		self.assertEqual(
			frappe.db.get_value(ownership.THREAD, self.thread, "thread_owner"), self.people.proc1
		)

	def test_an_empty_note_names_the_note_field(self):
		self.assertEqual(self.refused_field(threads.add_note, self.mail, "  "), "note")

	def test_a_refusal_about_no_field_names_none(self):
		frappe.set_user(self.people.outsider)
		self.assertIsNone(self.task(title="Send the quote"))
