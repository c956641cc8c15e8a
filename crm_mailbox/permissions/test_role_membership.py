"""Bench suite: members by role read the mailbox like named members, and the form says who cannot.

No user gets an Email Inbox row or a role from the test: only the roles a real member has, and
whatever the app gives a member.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import inboxes
from crm_mailbox.mailboxes import testing as mt

MEMBER_ROLE = "Support Team"


def inbox_accounts(user: str) -> set[str]:
	return set(
		frappe.get_all("User Email", filters={"parent": user, "parenttype": "User"}, pluck="email_account")
	)


class TestRoleMembership(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = p = mt.People()
		cls.by_role = mt.make_user("crm-mbx-role-member@ourco.example", ("Inbox User", MEMBER_ROLE))
		cls.no_inbox = mt.make_user("crm-mbx-role-no-inbox@ourco.example", (MEMBER_ROLE,))
		cls.box = mt.team_mailbox(
			p,
			name="CRM Mailbox Test By Role",
			crm_members=[
				{"user": p.proc1, "access": "Process"},
				{"role": MEMBER_ROLE, "access": "Read"},
			],
		)
		mt.fresh_settings()
		(mail,) = t.receive(cls.box, t.build_email(t.unique_address("customer"), to=cls.box.email_id))
		cls.mail = mail.name

	def setUp(self):
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_member_by_role_gets_the_mailbox_in_their_email_inbox(self):
		self.assertIn(self.box.name, inbox_accounts(self.by_role))

	def test_member_by_role_lists_and_opens_the_mail(self):
		from frappe import client

		frappe.set_user(self.by_role)
		self.assertEqual(
			frappe.get_list("Communication", filters={"name": self.mail}, pluck="name"), [self.mail]
		)
		self.assertEqual(client.get("Communication", self.mail)["name"], self.mail)

	def test_user_who_gains_the_role_later_gets_the_mailbox(self):
		late = mt.make_user(f"crm-mbx-late-{frappe.generate_hash(length=5)}@ourco.example")
		self.assertNotIn(self.box.name, inbox_accounts(late))
		frappe.get_doc("User", late).add_roles(MEMBER_ROLE)
		self.assertIn(self.box.name, inbox_accounts(late))
		mt.fresh_settings()
		frappe.set_user(late)
		self.assertEqual(
			frappe.get_list("Communication", filters={"name": self.mail}, pluck="name"), [self.mail]
		)

	def test_role_of_another_mailbox_gives_no_inbox_row(self):
		self.assertNotIn(self.box.name, inbox_accounts(self.people.outsider))

	def test_form_names_the_member_who_lacks_inbox_user(self):
		doc = frappe.get_doc("Email Account", self.box.name)
		doc.run_method("onload")
		problems = " ".join(doc.get_onload().get("crm_member_problems") or [])
		self.assertIn(self.no_inbox, problems)
		self.assertNotIn(self.by_role, problems)
		self.assertNotIn(self.people.proc1, problems)
		# ... and that member indeed cannot read the mail, whatever the app does
		frappe.set_user(self.no_inbox)
		self.assertEqual(frappe.get_list("Communication", filters={"name": self.mail}), [])

	def test_form_says_when_no_user_has_a_member_role(self):
		role = "CRM Mailbox Test Empty Role"
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert()
		box = mt.team_mailbox(
			self.people,
			name="CRM Mailbox Test Empty Role Box",
			crm_members=[{"user": self.people.proc1, "access": "Process"}, {"role": role, "access": "Read"}],
		)
		mt.fresh_settings()
		problems = inboxes.member_problems(inboxes.all_mailboxes()[box.name])
		self.assertTrue(any(role in p for p in problems), problems)
