"""Bench suite: only the mailbox's owner and processors own its threads, whoever names them and how.

An owner gets an open ToDo with the thread's subject, so handing a thread to someone outside the
mailbox tells them its mail. Checked on the thread itself (REST PUT, frappe.client, the desk form,
server code), on routing rules at save and on the Email Account's Fixed Thread Owner.
"""

from __future__ import annotations

import frappe
from frappe import client
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import threads as threads_api
from crm_mailbox.crm_mailbox.doctype.mailbox_routing_rule.mailbox_routing_rule import InvalidRoutingRule
from crm_mailbox.integrations.email_account import MailboxSettingsError
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.permissions.test_mailbox_privacy import rest_put
from crm_mailbox.threads import ownership

RULE = "Mailbox Routing Rule"
MEMBER_ROLES = ("Inbox User", "Sales User")
PROCESSOR_ROLE = "Support Team"


def user(name: str, roles=MEMBER_ROLES) -> str:
	return mt.make_user(f"crm-own-{name}@ourco.example", roles)


class TestThreadOwnerMembership(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.proc1 = user("proc1")
		cls.proc2 = user("proc2")
		cls.role_proc = user("role-proc", ("Inbox User", PROCESSOR_ROLE))
		cls.reader = user("reader")
		cls.outsider = user("outsider")
		cls.team = t.make_email_account(
			"crm-own-team@ourco.example",
			name="CRM Ownership Team",
			crm_purpose="Shared",
			crm_owner_strategy="Round robin",
			crm_fixed_owner=None,
			crm_members=[
				{"user": cls.proc1, "access": "Process"},
				{"user": cls.proc2, "access": "Process"},
				{"role": PROCESSOR_ROLE, "access": "Process"},
				{"user": cls.reader, "access": "Read"},
			],
		)
		for rule in frappe.get_all(RULE, filters={"email_account": cls.team.name}, pluck="name"):
			frappe.delete_doc(RULE, rule, ignore_permissions=True, force=True)  # an earlier run's
		mt.fresh_settings()

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def new_thread(self) -> str:
		(mail,) = t.receive(self.team, t.build_email(t.unique_address("customer"), to=self.team.email_id))
		thread = ownership.thread_of(mail.name)
		self.assertTrue(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"))
		return thread

	def as_user(self, name: str) -> None:
		frappe.set_user(name)
		mt.fresh_settings()

	def todos_of(self, thread: str, user: str, **filters) -> list[str]:
		return frappe.get_all(
			"ToDo",
			filters={
				"reference_type": ownership.THREAD,
				"reference_name": thread,
				"allocated_to": user,
				**filters,
			},
			pluck="name",
		)

	# --- the thread ----------------------------------------------------------------------------

	def test_owner_or_processor_cannot_hand_a_thread_to_an_outsider_by_any_channel(self):
		thread = self.new_thread()
		owner = frappe.db.get_value(ownership.THREAD, thread, "thread_owner")
		colleague = self.proc2 if owner == self.proc1 else self.proc1
		for actor in (owner, colleague):
			for outsider in (self.outsider, self.reader):
				attempts = {
					"REST PUT": lambda o=outsider: rest_put(ownership.THREAD, thread, {"thread_owner": o}),
					"frappe.client.set_value": lambda o=outsider: client.set_value(
						ownership.THREAD, thread, "thread_owner", o
					),
					"desk form": lambda o=outsider: self.save_form(thread, o),
					"assign endpoint": lambda o=outsider: threads_api.assign(thread, o),
				}
				for channel, attempt in attempts.items():
					self.as_user(actor)
					with self.assertRaises(ownership.ThreadOwnerError, msg=f"{actor} {channel} {outsider}"):
						attempt()
		frappe.set_user("Administrator")
		with self.assertRaises(ownership.ThreadOwnerError):  # server code too (rules, receive path)
			ownership.assign_thread(thread, self.outsider)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"), owner)
		self.assertEqual(self.todos_of(thread, self.outsider), [])
		self.assertEqual(self.todos_of(thread, self.reader), [])

	def save_form(self, thread: str, new_owner: str) -> None:
		"""The desk form's Save: frappe.desk.form.save.savedocs with the edited document."""
		from frappe.desk.form.save import savedocs

		doc = frappe.get_doc(ownership.THREAD, thread).as_dict()
		doc["thread_owner"] = new_owner
		savedocs(frappe.as_json(doc), "Save")

	def test_a_thread_goes_to_another_processor_directly_or_by_role(self):
		thread = self.new_thread()
		owner = frappe.db.get_value(ownership.THREAD, thread, "thread_owner")
		colleague = self.proc2 if owner == self.proc1 else self.proc1
		self.as_user(owner)
		rest_put(ownership.THREAD, thread, {"thread_owner": colleague})
		frappe.set_user("Administrator")
		self.assertEqual(ownership.open_todos(thread), self.todos_of(thread, colleague, status="Open"))
		self.assertEqual(len(ownership.open_todos(thread)), 1)

		self.as_user(colleague)
		client.set_value(ownership.THREAD, thread, "thread_owner", self.role_proc)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"), self.role_proc)
		self.assertEqual(ownership.open_todos(thread), self.todos_of(thread, self.role_proc, status="Open"))

	def test_a_fixed_owner_who_left_the_mailbox_gets_no_new_threads(self):
		# a mailbox saved before its fixed owner left (or before the check): receiving still works
		frappe.db.set_value(
			"Email Account",
			self.team.name,
			{"crm_owner_strategy": "Fixed user", "crm_fixed_owner": self.outsider},
		)
		try:
			mt.fresh_settings()
			self.assertIsNone(ownership.pick_owner(self.team.name))
			self.assertEqual(ownership.pick_owner(self.team.name, [self.outsider, self.proc2]), self.proc2)
			(mail,) = t.receive(self.team, t.build_email(t.unique_address("customer"), to=self.team.email_id))
			thread = ownership.thread_of(mail.name)
			self.assertIsNone(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"))
			self.assertEqual(self.todos_of(thread, self.outsider), [])
		finally:
			frappe.db.set_value(
				"Email Account",
				self.team.name,
				{"crm_owner_strategy": "Round robin", "crm_fixed_owner": None},
			)
			mt.fresh_settings()

	# --- routing rules -------------------------------------------------------------------------

	def make_rule(self, action: dict):
		return frappe.get_doc(
			{
				"doctype": RULE,
				"rule_name": "Ownership " + frappe.generate_hash(length=6),
				"email_account": self.team.name,
				"enabled": 0,  # checked at save all the same; never runs on the other tests' mail
				"match": "All",
				"conditions": [{"field": "subject", "operator": "contains", "value": "Hello"}],
				"actions": [action],
			}
		).insert(ignore_permissions=True)

	def test_a_rule_naming_an_outsider_is_refused_at_save(self):
		actions = [
			{"action": "assign_owner", "strategy": "Fixed user"},
			{"action": "assign_owner", "strategy": "Round robin"},
			{"action": "create_task", "title": "Follow up"},
			{"action": "create_issue", "title": "Problem"},
		]
		for action in actions:
			for outsider in (self.outsider, self.reader):
				with self.assertRaises(InvalidRoutingRule, msg=f"{action} {outsider}") as caught:
					self.make_rule({**action, "users": outsider})
				self.assertIn("not a processor", str(caught.exception))
			self.make_rule({**action, "users": self.proc1})
			self.make_rule({**action, "users": self.role_proc})

	# --- the Email Account ---------------------------------------------------------------------

	def test_a_fixed_thread_owner_must_be_a_processor(self):
		def save_with_fixed_owner(fixed: str | None, strategy: str = "Fixed user"):
			account = frappe.get_doc("Email Account", self.team.name)
			account.crm_owner_strategy = strategy
			account.crm_fixed_owner = fixed
			account.save(ignore_permissions=True)

		try:
			for outsider in (self.outsider, self.reader):
				with self.assertRaises(MailboxSettingsError, msg=outsider):
					save_with_fixed_owner(outsider)
			for processor in (self.proc2, self.role_proc):
				save_with_fixed_owner(processor)
		finally:
			save_with_fixed_owner(None, "Round robin")
