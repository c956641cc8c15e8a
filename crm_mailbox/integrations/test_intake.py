"""Bench suite: our receive hooks never fail Frappe's intake, and queue only work that can do something.

Every email goes through Frappe's real receive path (crm_mailbox.testing.receive). Which jobs are
queued is observed by wrapping frappe.enqueue: the jobs still run (at once, as in every test).
"""

from __future__ import annotations

from contextlib import contextmanager
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing.test_routing import make_rule
from crm_mailbox.threads import ownership, tracking

RULES_JOB = "crm_mailbox.routing.engine.run_for_email"
RELINK_JOB = "crm_mailbox.linking.backfill.relink_for"
ASSIGN_JOB = "crm_mailbox.threads.ownership.add_assignment"


@contextmanager
def queued_jobs():
	"""[(method, queue)] of every frappe.enqueue call inside the block; the jobs themselves still run."""
	jobs: list[tuple[str, str]] = []
	real = frappe.enqueue

	def recording(method, queue="default", *args, **kwargs):
		jobs.append((method if isinstance(method, str) else method.__name__, queue))
		return real(method, queue, *args, **kwargs)

	with patch("frappe.enqueue", recording):
		yield jobs


class TestIntakeNeverFails(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = t.make_email_account(create_contact=1)

	def test_a_sender_domain_longer_than_its_column_is_received(self):
		domain = ".".join(["a" * 60, "b" * 60, "c" * 40, "example"])  # valid DNS, 170 characters
		unhandled = frappe.db.count("Unhandled Email")
		# With a display name only our crm_sender_domain is too long; without one Frappe's own
		# sender_full_name (the bare address) is too.
		for sender in (f"Long Domain <x@{domain}>", f"y@{domain}"):
			(mail,) = t.receive(self.account, t.build_email(sender))
			self.assertIsNotNone(mail, f"{sender}: the email ended in Unhandled Email")
			self.assertEqual(mail.crm_sender_domain, domain[:140])
		self.assertEqual(frappe.db.count("Unhandled Email"), unhandled)

	def test_review_flag_set_after_insert_survives_frappes_reload(self):
		with patch.object(tracking, "on_email_inserted", side_effect=RuntimeError("thread store down")):
			(mail,) = t.receive(self.account, t.build_email(t.unique_address("flag")))
		self.assertIsNotNone(mail)
		stored = frappe.db.get_value("Communication", mail.name, ["crm_needs_review", "crm_review_note"])
		self.assertEqual(stored[0], 1, "the flag set in after_insert was lost")
		self.assertIn("Putting the email in its thread failed", stored[1])


class TestQueuedWork(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()
		cls.team = mt.team_mailbox(
			cls.people, name="CRM Mailbox Test Queue " + frappe.generate_hash(length=5), create_contact=1
		)
		mt.fresh_settings()

	def setUp(self):
		mt.fresh_settings()

	def receive(self, sender: str, **kwargs):
		(mail,) = t.receive(self.team, t.build_email(sender, to=self.team.email_id, **kwargs))
		self.assertIsNotNone(mail)
		return mail

	def test_a_mailbox_without_rules_queues_only_the_owner_assignment(self):
		with queued_jobs() as jobs:
			mail = self.receive(t.unique_address("first.time"))
		methods = [method for method, _queue in jobs]
		self.assertNotIn(RULES_JOB, methods, "routing job queued for a mailbox without rules")
		self.assertNotIn(RELINK_JOB, methods, "relink queued for a sender with no earlier mail")
		self.assertIn((ASSIGN_JOB, "short"), jobs)
		# Frappe's contact for the new sender exists and the email is linked to it, all the same
		self.assertTrue(frappe.db.exists("Contact Email", {"email_id": mail.sender}))

	def test_a_disabled_rule_queues_nothing(self):
		rule = make_rule(self.team, [("subject", "contains", "never")], [{"action": "add_tag", "tag": "x"}])
		rule.db_set("enabled", 0)
		try:
			with queued_jobs() as jobs:
				self.receive(t.unique_address("disabled"))
			self.assertNotIn(RULES_JOB, [method for method, _queue in jobs])
		finally:
			rule.delete(ignore_permissions=True)

	def test_rules_and_relinking_are_bulk_work_on_the_long_queue(self):
		rule = make_rule(
			self.team, [("subject", "contains", "quote")], [{"action": "add_tag", "tag": "quote"}]
		)
		try:
			with queued_jobs() as jobs:
				first = self.receive(t.unique_address("bulk"), subject="A quote please")
				reply = self.receive(
					first.sender, subject="Re: A quote please", in_reply_to=f"<{first.message_id}>"
				)
			self.assertEqual([j for j in jobs if j[0] == RULES_JOB], [(RULES_JOB, "long")])
			self.assertEqual(
				ownership.thread_of(reply.name), ownership.thread_of(first.name), "the reply has its thread"
			)
		finally:
			rule.delete(ignore_permissions=True)

		# A Lead for an address with earlier mail: that mail can gain a link, so relinking is queued.
		with queued_jobs() as jobs:
			t.make_lead(first.sender)
		self.assertIn((RELINK_JOB, "long"), jobs)
		with queued_jobs() as jobs:
			t.make_lead(t.unique_address("never.wrote"))
		self.assertNotIn(RELINK_JOB, [method for method, _queue in jobs])
