"""Bench suite: deleting an email, a linked record, a mailbox or a user always works, and leaves none of
the app's rows pointing at what was deleted.

Emails arrive through Frappe's real receive path; deletes go through frappe.delete_doc, as the desk's
Delete, Frappe's own code and other apps do.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership


class TestDeletion(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()
		self.box = mt.team_mailbox(self.people, name="CRM Mailbox Deletion " + frappe.generate_hash(length=6))
		mt.fresh_settings()

	def receive(self, sender, **kwargs):
		(mail,) = t.receive(self.box, t.build_email(sender, to=self.box.email_id, **kwargs))
		self.assertIsNotNone(mail, "the email was not saved")
		return mail

	def rows(self, doctype, **filters) -> int:
		return frappe.db.count(doctype, filters)

	def make_rule(self):
		return frappe.get_doc(
			{
				"doctype": "Mailbox Routing Rule",
				"rule_name": "Deletion " + frappe.generate_hash(length=5),
				"email_account": self.box.name,
				"match": "All",
				"conditions": [{"field": "subject", "operator": "contains", "value": "quote"}],
				"actions": [{"action": "add_tag", "tag": "quote"}],
			}
		).insert(ignore_permissions=True)

	def test_deleting_a_linked_email_removes_links_rule_runs_and_its_lone_thread(self):
		self.make_rule()
		lead = t.make_lead(t.unique_address("lead"))
		mail = self.receive(lead.email_id, subject="A quote please")
		thread = ownership.thread_of(mail.name)
		self.assertTrue(thread)
		self.assertEqual(t.links_of(mail).get(("Lead", lead.name)), "Lead address")
		self.assertEqual(self.rows("Mailbox Rule Run", communication=mail.name), 1)
		self.assertTrue(self.rows("ToDo", reference_type=ownership.THREAD, reference_name=thread))

		frappe.delete_doc("Communication", mail.name)

		self.assertFalse(frappe.db.exists("Communication", mail.name))
		self.assertEqual(self.rows("Mailbox Email Link", communication=mail.name), 0)
		self.assertEqual(self.rows("Mailbox Rule Run", communication=mail.name), 0)
		self.assertFalse(frappe.db.exists(ownership.THREAD, thread), "an empty thread is deleted")
		self.assertEqual(self.rows("ToDo", reference_type=ownership.THREAD, reference_name=thread), 0)
		self.assertTrue(frappe.db.exists("Lead", lead.name), "the lead stays")

	def test_deleting_the_first_email_of_a_thread_keeps_the_thread_with_the_reply(self):
		sender = t.unique_address("customer")
		first = self.receive(sender, message_id=f"<first-{frappe.generate_hash(length=8)}@customer.example>")
		reply = self.receive(sender, subject="Re: Hello", in_reply_to=first.message_id)
		thread = ownership.thread_of(first.name)
		self.assertEqual(ownership.thread_of(reply.name), thread)

		frappe.delete_doc("Communication", first.name)

		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "first_communication"), reply.name)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "message_count"), 1)

	def test_deleting_linked_crm_records_works_and_forgets_their_links(self):
		customer = t.make_customer(domains=[t.random_domain()])
		contact = t.make_contact(t.unique_address("buyer"))
		lead = t.make_lead(t.unique_address("lead"))
		opportunity = t.make_opportunity("Customer", customer.name)
		mails = [
			self.receive(t.unique_address("someone", customer.crm_email_domains[0].domain)),
			self.receive(contact.email_id),
			self.receive(lead.email_id),
		]
		for mail in mails:
			self.assertTrue(t.links_of(mail), "the email is linked before the delete")

		for doctype, name in (
			("Opportunity", opportunity.name),
			("Customer", customer.name),
			("Contact", contact.name),
			("Lead", lead.name),
		):
			frappe.delete_doc(doctype, name)
			self.assertFalse(frappe.db.exists(doctype, name))
			self.assertEqual(self.rows("Mailbox Email Link", link_doctype=doctype, link_name=name), 0)
		for mail in mails:
			self.assertTrue(frappe.db.exists("Communication", mail.name), "the emails stay")

	def test_renaming_a_linked_customer_carries_its_links(self):
		customer = t.make_customer(domains=[t.random_domain()])
		mail = self.receive(t.unique_address("someone", customer.crm_email_domains[0].domain))
		new_name = customer.name + " Renamed"

		frappe.rename_doc("Customer", customer.name, new_name, force=True)

		self.assertIn(("Customer", new_name), t.links_of(mail))

	def test_deleting_a_mailbox_takes_its_rules_and_threads_but_keeps_its_emails(self):
		rule = self.make_rule()
		mail = self.receive(t.unique_address("customer"), subject="quote")
		thread = ownership.thread_of(mail.name)

		frappe.delete_doc("Email Account", self.box.name)

		self.assertTrue(frappe.db.exists("Communication", mail.name))
		self.assertFalse(frappe.db.exists("Mailbox Routing Rule", rule.name))
		self.assertFalse(frappe.db.exists(ownership.THREAD, thread))
		self.assertEqual(self.rows("Mailbox Rule Run", communication=mail.name), 0)
		self.assertIsNone(frappe.db.get_value("Communication", mail.name, "crm_thread"))

	def test_deleting_a_thread_owner_leaves_the_thread_unassigned(self):
		user = mt.make_user(t.unique_address("leaver", "ourco.example"), (*mt.MAIL_ROLES, "Sales User"))
		box = frappe.get_doc("Email Account", self.box.name)
		box.crm_members = []
		box.append("crm_members", {"user": user, "access": "Process"})
		box.save(ignore_permissions=True)
		mt.fresh_settings()
		mail = self.receive(t.unique_address("customer"))
		thread = ownership.thread_of(mail.name)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"), user)

		frappe.delete_doc("User", user)

		self.assertFalse(frappe.db.exists("User", user))
		self.assertIsNone(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"))
		self.assertEqual(self.rows("Mailbox Member", user=user), 0)

	def test_deleting_a_thread_or_a_user_removes_their_seen_marks(self):
		from crm_mailbox.inbox import seen

		reader = mt.make_user(t.unique_address("reader", "ourco.example"), (*mt.MAIL_ROLES, "Sales User"))
		kept, gone = (ownership.thread_of(self.receive(t.unique_address("customer")).name) for _ in "12")
		for thread in (kept, gone):
			seen.mark(thread, reader)
			seen.mark(thread, self.people.proc1)
		self.assertEqual(self.rows(seen.SEEN, thread=gone), 2)

		frappe.delete_doc(ownership.THREAD, gone)
		self.assertEqual(self.rows(seen.SEEN, thread=gone), 0)
		self.assertEqual(self.rows(seen.SEEN, thread=kept), 2, "other threads keep theirs")

		frappe.delete_doc("User", reader)
		self.assertEqual(self.rows(seen.SEEN, user=reader), 0)
		self.assertEqual(self.rows(seen.SEEN, thread=kept, user=self.people.proc1), 1)

	def test_a_rule_linking_to_a_deleted_record_skips_that_action(self):
		customer = t.make_customer()
		frappe.get_doc(
			{
				"doctype": "Mailbox Routing Rule",
				"rule_name": "Link " + frappe.generate_hash(length=5),
				"email_account": self.box.name,
				"match": "All",
				"conditions": [{"field": "subject", "operator": "contains", "value": "pumps"}],
				"actions": [{"action": "link_to", "link_doctype": "Customer", "link_name": customer.name}],
			}
		).insert(ignore_permissions=True)
		frappe.delete_doc("Customer", customer.name)

		mail = self.receive(t.unique_address("customer"), subject="pumps")

		self.assertTrue(frappe.db.exists("Communication", mail.name))
		self.assertNotIn(("Customer", customer.name), t.links_of(mail))
