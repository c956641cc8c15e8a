"""Bench suite: a mailbox's linked mail on the linked record's timeline (form load, docinfo, load more).

Calls go through frappe.handler.execute_cmd, the dispatch the desk's /api/method calls use, so
Frappe's own endpoints run as the browser reaches them. Users have only a real member's roles.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt

SALES = ("Inbox User", "Sales User")


def call_as(user: str, cmd: str, **args):
	"""Run a whitelisted method as the desk does; return (message, docinfo)."""
	from frappe.handler import execute_cmd
	from frappe.utils import set_request

	set_request(method="GET", path=f"/api/method/{cmd}")
	frappe.set_user(user)
	frappe.local.response = frappe._dict(docs=[])
	frappe.local.form_dict = frappe._dict(cmd=cmd, **args)
	try:
		message = execute_cmd(cmd)
		return message, frappe.local.response.get("docinfo") or {}
	finally:
		frappe.local.request = None
		frappe.set_user("Administrator")


class TestTimelineSharing(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.owner = mt.make_user("crm-mbx-tl-owner@ourco.example", SALES)
		cls.colleague = mt.make_user("crm-mbx-tl-colleague@ourco.example", SALES)
		cls.sysman = mt.make_user("crm-mbx-tl-sysman@ourco.example", ("System Manager", "Sales User"))
		cls.box = t.make_email_account(
			email_id="crm-mailbox-test-tl-personal@ourco.example",
			name="CRM Mailbox Test Timeline Personal",
			crm_purpose="Personal",
			crm_mailbox_owner=cls.owner,
		)
		domain = t.random_domain()
		cls.customer = t.make_customer(domains=[domain])
		mt.fresh_settings()
		(mail,) = t.receive(cls.box, t.build_email(t.unique_address("buyer", domain), to=cls.box.email_id))
		cls.mail = mail.name

	def setUp(self):
		mt.fresh_settings()
		frappe.db.set_value("Email Account", self.box.name, "crm_share_linked_mail", 0)

	def tearDown(self):
		frappe.set_user("Administrator")

	def on_form(self, user: str) -> bool:
		_message, docinfo = call_as(
			user, "frappe.desk.form.load.getdoc", doctype="Customer", name=self.customer.name
		)
		return self.mail in {c["name"] for c in docinfo.get("communications", [])}

	def in_docinfo(self, user: str) -> bool:
		_message, docinfo = call_as(
			user, "frappe.desk.form.load.get_docinfo", doctype="Customer", name=self.customer.name
		)
		return self.mail in {c["name"] for c in docinfo.get("communications", [])}

	def on_load_more(self, user: str) -> bool:
		message, _docinfo = call_as(
			user,
			"frappe.desk.form.load.get_communications",
			doctype="Customer",
			name=self.customer.name,
			start="0",  # as the desk sends them
			limit="21",
		)
		return self.mail in {c["name"] for c in message}

	def test_the_app_links_the_personal_mail_to_the_customer(self):
		links = t.links_of(frappe.get_doc("Communication", self.mail))
		self.assertIn(("Customer", self.customer.name), links)
		self.assertIn(
			("Customer", self.customer.name), t.timeline_of(frappe.get_doc("Communication", self.mail))
		)

	def test_personal_mailbox_does_not_share_by_default(self):
		self.assertEqual(frappe.db.get_value("Email Account", self.box.name, "crm_share_linked_mail"), 0)
		team = mt.team_mailbox(mt.People(), name="CRM Mailbox Test Timeline Team")
		self.assertEqual(team.crm_share_linked_mail, 1)

	def test_colleague_does_not_see_unshared_mail_on_the_customer(self):
		self.assertTrue(
			frappe.has_permission("Customer", "read", doc=self.customer.name, user=self.colleague)
		)
		self.assertFalse(self.on_form(self.colleague))
		self.assertFalse(self.in_docinfo(self.colleague))
		self.assertFalse(self.on_load_more(self.colleague))

	def test_owner_and_system_manager_still_see_it(self):
		for user in (self.owner, self.sysman):
			self.assertTrue(self.on_form(user), user)
			self.assertTrue(self.in_docinfo(user), user)
			self.assertTrue(self.on_load_more(user), user)

	def test_shared_mailbox_shows_it_to_everyone_who_reads_the_customer(self):
		frappe.db.set_value("Email Account", self.box.name, "crm_share_linked_mail", 1)
		mt.fresh_settings()
		self.assertTrue(self.on_form(self.colleague))
		self.assertTrue(self.on_load_more(self.colleague))

	def test_purpose_change_sets_the_default_and_a_choice_by_hand_stays(self):
		box = t.make_email_account(
			email_id="crm-mailbox-test-tl-switch@ourco.example",
			name="CRM Mailbox Test Timeline Switch",
			crm_purpose="Personal",
			crm_mailbox_owner=self.owner,
		)
		self.assertEqual(box.crm_share_linked_mail, 0)
		box.update({"crm_purpose": "Shared", "crm_members": [{"user": self.owner, "access": "Process"}]})
		box.save(ignore_permissions=True)
		self.assertEqual(box.crm_share_linked_mail, 1)
		box.crm_share_linked_mail = 0  # by hand, purpose unchanged: stays
		box.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Email Account", box.name, "crm_share_linked_mail"), 0)

	def test_colleague_cannot_open_unshared_mail_through_the_customer(self):
		from frappe import client

		frappe.set_user(self.colleague)
		with self.assertRaises(frappe.PermissionError):
			client.get("Communication", self.mail)

	def test_migrate_gives_existing_mailboxes_the_default_of_their_purpose(self):
		from crm_mailbox.patches import share_linked_mail_by_purpose

		team = mt.team_mailbox(mt.People(), name="CRM Mailbox Test Timeline Team")
		frappe.db.set_value("Email Account", team.name, "crm_share_linked_mail", 0)
		frappe.db.set_value("Email Account", self.box.name, "crm_share_linked_mail", 1)
		share_linked_mail_by_purpose.execute()
		self.assertEqual(frappe.db.get_value("Email Account", team.name, "crm_share_linked_mail"), 1)
		self.assertEqual(frappe.db.get_value("Email Account", self.box.name, "crm_share_linked_mail"), 0)
