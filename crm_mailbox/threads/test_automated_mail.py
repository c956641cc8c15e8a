"""Bench suite: automated mail in a Shared or CRM mailbox is no one's work unless a rule says so."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing.test_routing import make_rule
from crm_mailbox.threads import ownership

NEWSLETTER = {"List-Id": "<news.vendor.example>", "List-Unsubscribe": "<mailto:leave@vendor.example>"}


class TestAutomatedMail(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()
		cls.team = mt.team_mailbox(cls.people, name="CRM Mailbox Test Automated")
		cls.crm = mt.crm_mailbox(cls.people, name="CRM Mailbox Test Automated CRM")
		mt.fresh_settings()

	def setUp(self):
		mt.fresh_settings()

	def receive(self, account, raw: bytes):
		(mail,) = t.receive(account, raw)
		self.assertIsNotNone(mail)
		return mail

	def open_todos(self, thread: str) -> list[str]:
		return frappe.get_all(
			"ToDo",
			filters={"reference_type": ownership.THREAD, "reference_name": thread, "status": "Open"},
			pluck="allocated_to",
		)

	def test_newsletter_bounce_and_auto_reply_land_without_owner_or_todo(self):
		for account in (self.team, self.crm):
			for raw in (
				t.build_email(t.unique_address("news"), to=account.email_id, headers=NEWSLETTER),
				t.with_message_id(t.eml("bounce_dsn.eml")),
				t.with_message_id(t.eml("auto_reply_outlook.eml")),
			):
				mail = self.receive(account, raw)
				self.assertTrue(mail.crm_is_automated)
				thread = ownership.thread_of(mail.name)
				self.assertTrue(thread, "automated mail still has its thread")
				self.assertFalse(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"))
				self.assertFalse(mail.crm_thread_owner)
				self.assertEqual(self.open_todos(thread), [])

	def test_a_person_writing_in_the_thread_makes_it_work(self):
		news = self.receive(
			self.team, t.build_email(t.unique_address("news"), to=self.team.email_id, headers=NEWSLETTER)
		)
		thread = ownership.thread_of(news.name)
		reply = self.receive(
			self.team,
			t.build_email(
				t.unique_address("reader"),
				to=self.team.email_id,
				subject="Re: your newsletter",
				in_reply_to=f"<{news.message_id}>",
			),
		)
		self.assertEqual(ownership.thread_of(reply.name), thread)
		owner = frappe.db.get_value(ownership.THREAD, thread, "thread_owner")
		self.assertIn(owner, (self.people.proc1, self.people.proc2))
		self.assertEqual(self.open_todos(thread), [owner])
		self.assertTrue(frappe.db.get_value(ownership.THREAD, thread, "due_at"))

	def test_a_rule_may_still_give_automated_mail_an_owner(self):
		rule = make_rule(
			self.crm,
			[("is_automated", "is_true")],
			[{"action": "assign_owner", "users": self.people.proc1}],
		)
		try:
			mail = self.receive(
				self.crm, t.build_email(t.unique_address("news"), to=self.crm.email_id, headers=NEWSLETTER)
			)
		finally:
			rule.delete(ignore_permissions=True)
		thread = ownership.thread_of(mail.name)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"), self.people.proc1)
		self.assertEqual(self.open_todos(thread), [self.people.proc1])
