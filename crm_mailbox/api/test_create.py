"""Bench suite: one click from a received email to a Lead, Opportunity, Task, Issue or Contact; links by hand."""

from __future__ import annotations

import email
import email.policy
import re

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import create, links
from crm_mailbox.linking import backfill
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing import records
from crm_mailbox.threads import ownership

SECRETS = ("Tr0ub4dor", "482913", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
READER = "crm-mailbox-reader@example.com"
OUTSIDER = "crm-mailbox-outsider@example.com"


def fresh(raw: bytes, sender: str | None = None) -> bytes:
	"""The sample with a new Message-ID (Frappe drops a message it has seen) and optionally a new sender."""
	raw = t.with_message_id(raw)
	if sender:
		raw = re.sub(rb"(?im)^(From:.*<)[^>]+(>)", rb"\g<1>" + sender.encode() + rb"\g<2>", raw, count=1)
	return raw


def comments_on(doc) -> str:
	return " ".join(
		frappe.get_all(
			"Comment",
			filters={"reference_doctype": doc.doctype, "reference_name": doc.name},
			pluck="content",
		)
	)


class TestOneClick(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = t.make_email_account()
		t.make_user(READER, ["Sales User", "Sales Manager", "Inbox User", "Projects User", "Support Team"])
		t.make_user(OUTSIDER, ["Sales User", "Sales Manager", "Projects User", "Support Team"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def receive(self, raw: bytes):
		(mail,) = t.receive(self.account, raw)
		self.assertIsNotNone(mail, "the email was not saved")
		return mail

	def test_task_from_a_forwarded_secret_carries_no_secret_but_the_email_keeps_it(self):
		mail = self.receive(fresh(t.eml("forwarded_with_secret.eml")))
		frappe.set_user(READER)
		made = create.create_task(
			mail.name,
			title="File Northwind's access details in their account",
			expected_result="Access details stored in the customer's account, not in the mailbox",
			definition_of_done="Password: Tr0ub4dor&3 stored in the vault",
			assignee=READER,
			priority="High",
		)
		frappe.set_user("Administrator")
		task = frappe.get_doc("Task", made["name"])
		text = " ".join((task.subject, task.description, comments_on(task)))
		for secret in SECRETS:
			self.assertNotIn(secret, text)
		self.assertIn("[password removed]", task.description)
		self.assertIn("Expected result", task.description)
		self.assertIn(mail.name, task.description)  # the link back to the email
		self.assertIn("Tr0ub4dor", frappe.db.get_value("Communication", mail.name, "content"))

		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{
					"reference_type": "Task",
					"reference_name": task.name,
					"allocated_to": READER,
					"status": "Open",
				},
			)
		)
		self.assertEqual(t.links_of(mail).get(("Task", task.name)), "Manual")
		self.assertIn(("Task", task.name), t.timeline_of(mail))

	def test_making_records_from_an_email_leaves_its_thread_as_it_was(self):
		# only a reply changes a thread's work status; no customer wrote because we made a Lead or a Task
		box = mt.team_mailbox(mt.People(), name="CRM Mailbox Test One Click")
		mt.fresh_settings()
		(mail,) = t.receive(box, t.build_email(t.unique_address("buyer"), to=box.email_id))
		thread = ownership.thread_of(mail.name)
		before = frappe.db.get_value(ownership.THREAD, thread, ["work_status", "due_at"], as_dict=True)
		self.assertEqual(before.work_status, ownership.NEW)

		create.create_lead(mail.name)
		create.create_task(mail.name, title="Send the price list", assignee="Administrator", priority="High")

		after = frappe.db.get_value(ownership.THREAD, thread, ["work_status", "due_at"], as_dict=True)
		self.assertEqual(after, before)

	def test_task_title_must_say_what_to_do_and_needs_deadline_or_priority(self):
		mail = self.receive(t.build_email(t.unique_address("x"), subject="Re: Pumps"))
		with self.assertRaises(frappe.ValidationError):
			create.create_task(mail.name, title="Re: Pumps", priority="High")
		with self.assertRaises(frappe.ValidationError):
			create.create_task(mail.name, title="Send the pump quote")
		self.assertEqual(create.get_create_context(mail.name)["title"], "Pumps")

	def test_chosen_attachments_are_copied_to_the_task_with_their_privacy(self):
		mail = self.receive(fresh(t.eml("apple_mail_attachment.eml")))
		(attachment,) = create.get_create_context(mail.name)["attachments"][:1]
		made = create.create_task(
			mail.name,
			title="Price the replacement seals",
			deadline=frappe.utils.add_days(None, 3),
			attachments=[attachment.name],
		)
		copies = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Task", "attached_to_name": made["name"]},
			fields=["file_url", "is_private", "name"],
		)
		self.assertEqual(
			[(c.file_url, c.is_private) for c in copies], [(attachment.file_url, attachment.is_private)]
		)
		self.assertNotEqual(copies[0].name, attachment.name)
		self.assertEqual(
			frappe.db.get_value("Task", made["name"], "exp_end_date"),
			frappe.utils.getdate(frappe.utils.add_days(None, 3)),
		)

	def test_an_attachment_name_frappe_refuses_never_fails_the_task_or_the_lead(self):
		raw = t.build_email(t.unique_address("slash"), subject="Seals")
		message = email.message_from_bytes(raw, policy=email.policy.default)
		content = frappe.generate_hash(length=40).encode()  # a file of its own: no other email shares it
		message.add_attachment(content, maintype="application", subtype="pdf", filename="seals.pdf")
		mail = self.receive(message.as_bytes())
		(attachment,) = create.get_create_context(mail.name)["attachments"]
		# as a sender may name it, and as an intake that kept the name stores it
		frappe.db.set_value("File", attachment.name, "file_name", "Q3/seals <b>draft</b>.pdf")
		task = create.create_task(
			mail.name, title="Price the seals", priority="High", attachments=[attachment.name]
		)
		lead = create.create_lead(mail.name)
		for doctype, name in (("Task", task["name"]), ("Lead", lead["name"])):
			copies = frappe.get_all(
				"File",
				filters={"attached_to_doctype": doctype, "attached_to_name": name},
				fields=["file_name", "file_url"],
			)
			self.assertEqual([c.file_url for c in copies], [attachment.file_url], doctype)
			self.assertEqual(copies[0].file_name, "Q3_seals _b_draft__b_.pdf", doctype)

	def test_no_lead_or_contact_for_a_colleague_or_our_own_mailbox(self):
		colleague = t.make_user(t.unique_address("colleague", "ourco.example"), ("Sales User",))
		other_mailbox = t.make_email_account("support@ourco.example", "CRM Mailbox Test Support")
		for sender in (colleague, other_mailbox.email_id):
			mail = self.receive(t.build_email(sender, subject="Internal note"))
			with self.assertRaises(records.OurOwnAddressError):
				create.create_lead(mail.name)
			self.assertFalse(frappe.db.exists("Lead", {"email_id": sender}))
			for contact in frappe.get_all("Contact Email", {"email_id": sender}, pluck="parent"):
				frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)  # the User's own
			with self.assertRaises(records.OurOwnAddressError):
				create.create_contact(mail.name)

	def test_lead_from_unknown_sender_then_opportunity_then_existing_lead(self):
		sender = t.unique_address("p.kowalski", "web.example")
		mail = self.receive(fresh(t.eml("gmail_new_lead.eml"), sender=sender))
		frappe.set_user(READER)
		lead = create.create_lead(mail.name)
		self.assertTrue(lead["created"])
		self.assertEqual(frappe.db.get_value("Lead", lead["name"], "email_id"), sender)
		self.assertIn("Kowalski", frappe.db.get_value("Lead", lead["name"], "lead_name"))
		again = create.create_lead(mail.name)
		self.assertEqual((again["name"], again["created"]), (lead["name"], False))

		opportunity = create.create_opportunity(mail.name)
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity["name"], ["opportunity_from", "party_name"]),
			("Lead", lead["name"]),
		)
		self.assertEqual(t.links_of(mail).get(("Opportunity", opportunity["name"])), "Manual")

	def test_issue_and_contact_for_the_sender(self):
		customer = t.make_customer(domains=[t.random_domain()])
		sender = f"anna@{frappe.db.get_value('Customer Email Domain', {'parent': customer.name}, 'domain')}"
		mail = self.receive(t.build_email(f"Anna Miller <{sender}>", subject="Sensor PS-200 broken"))
		issue = create.create_issue(mail.name, priority="")
		self.assertEqual(
			frappe.db.get_value("Issue", issue["name"], ["subject", "raised_by", "customer"]),
			("Sensor PS-200 broken", sender, customer.name),
		)
		# With "Create Contacts from Incoming Emails" on (Frappe's default) Frappe made Anna's Contact
		# when the email came in, and it belongs to the customer of her domain: Create -> Contact
		# opens it rather than making a second one.
		contact = create.create_contact(mail.name)
		self.assertFalse(contact["created"])
		self.assertEqual(
			frappe.get_all("Contact Email", {"email_id": sender}, pluck="parent"), [contact["name"]]
		)
		self.assertTrue(
			frappe.db.exists(
				"Dynamic Link",
				{"parent": contact["name"], "link_doctype": "Customer", "link_name": customer.name},
			)
		)
		self.assertIn(("Issue", issue["name"]), t.timeline_of(mail))

	def test_who_may_not_read_the_email_gets_an_error_not_a_record(self):
		mail = self.receive(t.build_email(t.unique_address("private"), subject="Confidential"))
		customer = t.make_customer()
		tasks, leads = frappe.db.count("Task"), frappe.db.count("Lead")
		frappe.set_user(OUTSIDER)
		for call in (
			lambda: create.create_task(mail.name, title="Do it", priority="High"),
			lambda: create.create_lead(mail.name),
			lambda: create.create_issue(mail.name),
			lambda: links.link_email(mail.name, "Customer", customer.name),
		):
			with self.assertRaises(frappe.PermissionError):
				call()
		frappe.set_user("Administrator")
		self.assertEqual((frappe.db.count("Task"), frappe.db.count("Lead")), (tasks, leads))
		self.assertNotIn(("Customer", customer.name), t.links_of(mail))

	def test_link_by_hand_records_the_user_and_unlink_sticks(self):
		mail = self.receive(t.build_email(t.unique_address("hand")))
		customer = t.make_customer()
		frappe.set_user(READER)
		links.link_email(mail.name, "Customer", customer.name)
		frappe.set_user("Administrator")
		row = frappe.db.get_value(
			"Mailbox Email Link",
			{"communication": mail.name, "link_name": customer.name},
			["reason", "linked_by", "status"],
			as_dict=True,
		)
		self.assertEqual((row.reason, row.linked_by, row.status), ("Manual", READER, "Linked"))
		self.assertIn(("Customer", customer.name), t.timeline_of(mail))

		self.assertEqual(
			frappe.db.get_value("Communication", mail.name, ["reference_doctype", "reference_name"]),
			("Customer", customer.name),
		)

		frappe.set_user(READER)
		links.unlink_email(mail.name, "Customer", customer.name)
		frappe.set_user("Administrator")
		self.assertNotIn(("Customer", customer.name), t.timeline_of(mail))
		# no longer the email's reference: off the customer's timeline, and a reply does not rejoin it
		self.assertEqual(
			frappe.db.get_value("Communication", mail.name, ["reference_doctype", "reference_name"]),
			(None, None),
		)
		reply = self.receive(
			t.build_email(mail.sender, subject=f"Re: {mail.subject}", in_reply_to=f"<{mail.message_id}>")
		)
		self.assertNotIn(("Customer", customer.name), t.links_of(reply))
		backfill.relink([mail.name])
		self.assertNotIn(("Customer", customer.name), t.timeline_of(mail))
		self.assertEqual(
			frappe.db.get_value(
				"Mailbox Email Link", {"communication": mail.name, "link_name": customer.name}, "status"
			),
			"Removed",
		)

	def test_linking_to_a_record_the_user_may_not_read_is_refused(self):
		mail = self.receive(t.build_email(t.unique_address("nope")))
		user = t.make_user("crm-mailbox-inbox-only@example.com", ["Inbox User"])
		customer = t.make_customer()
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			links.link_email(mail.name, "Customer", customer.name)


class TestRuleApis(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		t.make_user(READER, ["Sales User", "Sales Manager", "Inbox User", "Projects User", "Support Team"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_preview_needs_rule_editing_rights_and_shows_only_readable_emails(self):
		from crm_mailbox.api import rules

		account = t.make_email_account(
			t.unique_address("preview", "ourco.example"),
			name="CRM Mailbox Preview " + frappe.generate_hash(length=5),
		)
		(mail,) = t.receive(account, t.build_email(t.unique_address("x"), subject="Preview me"))
		reports = rules.preview_rules(account.name, limit=5)["result"]
		self.assertEqual([r["communication"] for r in reports], [mail.name])
		self.assertEqual(reports[0]["skipped_because"], "the mailbox has no enabled rules")

		frappe.set_user(t.make_user("crm-mailbox-no-rules@example.com", ["Inbox User"]))
		with self.assertRaises(frappe.PermissionError):
			rules.preview_rules(account.name)

	def test_bulk_link_links_what_the_user_may_and_reports_the_rest(self):
		account = t.make_email_account()
		first, second = t.receive(
			account, t.build_email(t.unique_address("b1")), t.build_email(t.unique_address("b2"))
		)
		customer = t.make_customer()
		frappe.set_user(READER)
		outcome = links.link_emails([first.name, second.name, "no-such-email"], "Customer", customer.name)
		result = outcome["result"]
		frappe.set_user("Administrator")
		self.assertEqual(result, {"linked": [first.name, second.name], "refused": ["no-such-email"]})
		self.assertEqual(t.links_of(second).get(("Customer", customer.name)), "Manual")
