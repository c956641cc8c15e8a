"""A message whose receive MariaDB picked as a deadlock's victim is taken on a second try, not kept as failed."""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.intake import handler


class TestDeadlockRetry(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = t.make_email_account(
			"intake-deadlock@ourco.example", "CRM Intake Deadlock Test", crm_own_intake=1
		)
		# the intake commits and rolls back per message: the mailbox must be committed before
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.delete_doc("Email Account", cls.account.name, force=True, ignore_permissions=True)
		# as setUpClass
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def receive_with_deadlocks(self, deadlocks: int):
		real = handler.receive
		calls = []

		def deadlocked_then_real(*args, **kwargs):
			calls.append(1)
			if len(calls) <= deadlocks:
				raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")
			return real(*args, **kwargs)

		raw = t.build_email(t.unique_address("deadlock"), subject="Deadlock victim")
		with patch.object(handler, "receive", deadlocked_then_real):
			(communication,) = t.receive(self.account, raw, through_intake=True)
		return communication, len(calls)

	def test_one_deadlock_is_retried(self):
		communication, calls = self.receive_with_deadlocks(1)
		self.assertIsNotNone(communication)
		self.assertEqual(calls, 2)

	def test_a_second_deadlock_keeps_the_message_with_its_reason(self):
		communication, calls = self.receive_with_deadlocks(2)
		self.assertIsNone(communication)
		self.assertEqual(calls, 2)
		reason = frappe.db.get_value(
			"Mailbox Intake Message",
			{"email_account": self.account.name, "status": "Failed"},
			"reason",
			order_by="creation desc",
		)
		self.assertIn("Deadlock", reason or "")
