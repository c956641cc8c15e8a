"""Bench suite: who may read a mailbox's mail, by every path a user has (list, form, report, API).

Users hold only what a real member has: members get a mailbox's Email Inbox row from the app (see
test_role_membership), and only the purpose-less mailbox is given to everyone by hand, as an
administrator does for an account Frappe's own rules govern.
"""

from __future__ import annotations

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership


def add_inbox(user: str, account) -> None:
	if frappe.db.exists("User Email", {"parent": user, "email_account": account.name}):
		return
	doc = frappe.get_doc("User", user)
	doc.append("user_emails", {"email_account": account.name, "email_id": account.email_id})
	doc.save(ignore_permissions=True)


class TestMailboxPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		p = cls.people = mt.People()
		cls.team = mt.team_mailbox(p)
		cls.personal = mt.personal_mailbox(p)
		cls.plain = mt.plain_mailbox()
		mt.fresh_settings()
		users = (p.proc1, p.proc2, p.reader, p.outsider, p.me, p.sysman, p.lead_reader)
		for user in users:
			add_inbox(user, cls.plain)

		def receive(account, sender=None):
			sender = sender or t.unique_address("customer")
			(mail,) = t.receive(account, t.build_email(sender, to=account.email_id))
			return mail.name

		cls.team_mail = receive(cls.team)
		cls.personal_mail = receive(cls.personal)
		cls.plain_mail = receive(cls.plain)
		lead_address = t.unique_address("lead")
		cls.lead = t.make_lead(lead_address)
		cls.team_lead_mail = receive(cls.team, lead_address)
		cls.mails = [cls.team_mail, cls.personal_mail, cls.plain_mail, cls.team_lead_mail]

	def setUp(self):
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def listed(self, user: str) -> set[str]:
		frappe.set_user(user)
		return set(frappe.get_list("Communication", filters={"name": ("in", self.mails)}, pluck="name"))

	def may_open(self, user: str, mail: str) -> bool:
		return bool(frappe.has_permission("Communication", "read", doc=mail, user=user))

	def test_members_and_processors_see_the_shared_mailbox(self):
		expected = {self.team_mail, self.team_lead_mail, self.plain_mail}
		for user in (self.people.proc1, self.people.proc2, self.people.reader):
			self.assertEqual(self.listed(user), expected, user)
			self.assertTrue(self.may_open(user, self.team_mail), user)
			self.assertFalse(self.may_open(user, self.personal_mail), user)

	def test_non_member_sees_no_shared_mail_in_lists(self):
		self.assertEqual(self.listed(self.people.outsider), {self.plain_mail})
		self.assertFalse(self.may_open(self.people.outsider, self.team_mail))
		frappe.set_user(self.people.outsider)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Communication", self.team_mail).check_permission("read")

	def test_personal_mailbox_is_its_owners_only(self):
		self.assertEqual(self.listed(self.people.me), {self.personal_mail, self.plain_mail})
		self.assertTrue(self.may_open(self.people.me, self.personal_mail))
		for user in (self.people.proc1, self.people.outsider, self.people.reader):
			self.assertNotIn(self.personal_mail, self.listed(user))

	def test_system_manager_sees_everything(self):
		self.assertEqual(self.listed(self.people.sysman), set(self.mails))
		self.assertTrue(self.may_open(self.people.sysman, self.personal_mail))

	def test_mail_about_a_document_i_may_read_opens_as_in_frappe(self):
		# the outsider is a Sales User and may read the Lead this email is about
		self.assertTrue(self.may_open(self.people.outsider, self.team_lead_mail))
		# ... but the mailbox's list still does not show it
		self.assertNotIn(self.team_lead_mail, self.listed(self.people.outsider))
		# someone who may not read the Lead may not open it either
		self.assertFalse(self.may_open(self.people.me, self.team_lead_mail))

	def test_report_view_and_count_hide_other_mailboxes(self):
		frappe.set_user(self.people.outsider)
		form_dict = frappe.local.form_dict
		try:
			frappe.local.form_dict = frappe._dict(
				doctype="Communication",
				filters=json.dumps([["Communication", "name", "in", self.mails]]),
				fields=json.dumps(["`tabCommunication`.`name`"]),
			)
			from frappe.desk import reportview

			self.assertEqual(reportview.get_count(), 1)
			result = reportview.get()
			names = {row[0] for row in result.get("values", [])}
			self.assertEqual(names, {self.plain_mail})
		finally:
			frappe.local.form_dict = form_dict

	def test_rest_api_list_and_get_hide_other_mailboxes(self):
		from frappe import client

		frappe.set_user(self.people.outsider)
		rows = client.get_list("Communication", filters={"name": ("in", self.mails)}, fields=["name"])
		self.assertEqual({row.name for row in rows}, {self.plain_mail})
		with self.assertRaises(frappe.PermissionError):
			client.get("Communication", self.team_mail)

	def test_threads_and_link_reasons_follow_the_mailbox(self):
		thread = ownership.thread_of(self.team_mail)
		self.assertTrue(thread)

		frappe.set_user(self.people.outsider)
		self.assertEqual(frappe.get_list(ownership.THREAD, filters={"name": thread}), [])
		self.assertFalse(frappe.has_permission(ownership.THREAD, "read", doc=thread))
		self.assertEqual(
			frappe.get_list("Mailbox Email Link", filters={"communication": self.team_lead_mail}), []
		)

		frappe.set_user(self.people.reader)
		self.assertEqual(len(frappe.get_list(ownership.THREAD, filters={"name": thread})), 1)
		self.assertFalse(frappe.has_permission(ownership.THREAD, "write", doc=thread))

		frappe.set_user(self.people.proc2)
		self.assertTrue(frappe.has_permission(ownership.THREAD, "write", doc=thread))
		self.assertTrue(frappe.get_list("Mailbox Email Link", filters={"communication": self.team_lead_mail}))

	def test_former_member_loses_access(self):
		p = self.people
		mt.team_mailbox(
			p,
			crm_members=[
				{"user": p.proc1, "access": "Process"},
				{"user": p.proc2, "access": "Process"},
			],
		)
		try:
			self.assertEqual(self.listed(p.reader), {self.plain_mail})
			self.assertFalse(self.may_open(p.reader, self.team_mail))
		finally:
			frappe.set_user("Administrator")
			mt.team_mailbox(p)

	def test_membership_by_role(self):
		p = self.people
		role = "Sales User"  # the outsider has it
		mt.team_mailbox(
			p,
			crm_members=[
				{"user": p.proc1, "access": "Process"},
				{"role": role, "access": "Read"},
			],
		)
		try:
			self.assertIn(self.team_mail, self.listed(p.outsider))
		finally:
			frappe.set_user("Administrator")
			mt.team_mailbox(p)
