"""Bench suite: an email's link reasons and rule runs go to those who may list the email.

Someone who reads the Customer may open a shared mailbox's email linked to it (as in Frappe), but
the rows about it (why it was linked, which rules ran) stay with the mailbox's members.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api.links import get_email_links
from crm_mailbox.api.rules import get_rule_runs
from crm_mailbox.mailboxes import testing as mt


class TestEmailRowsEndpoints(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		cls.box = mt.team_mailbox(cls.people, name="CRM Mailbox Test Email Rows")
		cls.rule = frappe.get_doc(
			{
				"doctype": "Mailbox Routing Rule",
				"rule_name": "Email Rows " + frappe.generate_hash(length=6),
				"email_account": cls.box.name,
				"match": "All",
				"conditions": [{"field": "subject", "operator": "contains", "value": "Hello"}],
				"actions": [{"action": "add_tag", "tag": "rows"}],
			}
		).insert(ignore_permissions=True)
		domain = t.random_domain()
		cls.customer = t.make_customer(domains=[domain])
		mt.fresh_settings()
		(mail,) = t.receive(cls.box, t.build_email(t.unique_address("buyer", domain), to=cls.box.email_id))
		cls.mail = mail.name

	def setUp(self):
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def rows_as(self, user: str) -> tuple[list, list]:
		frappe.set_user(user)
		try:
			return get_email_links(self.mail), get_rule_runs(self.mail)
		finally:
			frappe.set_user("Administrator")

	def test_member_gets_the_links_and_the_rule_runs(self):
		links, runs = self.rows_as(self.people.proc1)
		self.assertIn(("Customer", self.customer.name), {(r.link_doctype, r.link_name) for r in links})
		self.assertIn(self.rule.name, {run.rule for run in runs})
		self.assertTrue(all(run.actions for run in runs))

	def test_outsider_reading_the_customer_gets_neither(self):
		outsider = self.people.outsider
		self.assertTrue(frappe.has_permission("Customer", "read", doc=self.customer.name, user=outsider))
		# the email itself opens through the Customer (the mailbox shares its linked mail) ...
		self.assertTrue(frappe.has_permission("Communication", "read", doc=self.mail, user=outsider))
		# ... but why it was linked and which rules ran are the mailbox's business
		self.assertEqual(self.rows_as(outsider), ([], []))
