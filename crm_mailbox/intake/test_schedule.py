"""Bench suite: the scheduler's part of the intake against real Dovecot. The fallback pull of an owned
mailbox no process holds; Frappe's own scheduled pull handed over (stopped while we own an account,
run by us for the others at its own rhythm, untouched when we own none, restored at uninstall)."""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, now_datetime

from crm_mailbox.intake import lease, schedule
from crm_mailbox.intake.dovecot_case import DovecotIntakeCase, fresh
from crm_mailbox.intake.health import account_health
from crm_mailbox.setup import install

JOB = {"method": schedule.FRAPPE_PULL}


def frappe_job():
	return frappe.db.get_value("Scheduled Job Type", JOB, ["name", "stopped", "last_execution"], as_dict=True)


class TestIntakeSchedule(DovecotIntakeCase):
	def setUp(self):
		self.owned = self.mailbox("owned")
		self.theirs = self.mailbox("theirs", crm_own_intake=0)

	def tearDown(self):
		for name in (self.owned.name, self.theirs.name):
			frappe.db.set_value("Email Account", name, "crm_own_intake", 0)
		frappe.db.set_value("Scheduled Job Type", frappe_job().name, "stopped", 0)
		frappe.db.set_default(schedule.STOPPED_BY_US, "")
		fresh()

	def test_fallback_pulls_an_owned_mailbox_that_no_process_holds(self):
		message_id = self.deliver(self.owned)
		schedule.every_minute()
		self.assertTrue(self.received(self.owned, message_id))
		# this test site's scheduler is off: then nothing would pull the mailbox, and health says so
		self.assertEqual(account_health(self.owned.name)["mode"], "stopped")
		enabled = frappe.db.get_single_value("System Settings", "enable_scheduler")
		frappe.db.set_single_value("System Settings", "enable_scheduler", 1)
		try:
			self.assertEqual(account_health(self.owned.name)["mode"], "scheduler")
		finally:
			frappe.db.set_single_value("System Settings", "enable_scheduler", enabled)

	def test_fallback_leaves_a_mailbox_that_a_process_holds(self):
		message_id = self.deliver(self.owned)
		self.assertTrue(lease.acquire(self.owned.name, "intake@elsewhere:1:0000", ttl=30))
		try:
			schedule.every_minute()
		finally:
			lease.release(self.owned.name, "intake@elsewhere:1:0000")
		self.assertFalse(self.received(self.owned, message_id))

	def test_frappes_pull_is_stopped_while_we_own_a_mailbox_and_pulls_only_the_others(self):
		schedule.sync_frappe_pull()
		self.assertEqual(frappe_job().stopped, 1)
		theirs_id, ours_id = self.deliver(self.theirs), self.deliver(self.owned)
		# Frappe's job last ran 20 minutes ago: it is due (every 10 minutes)
		frappe.db.set_value(
			"Scheduled Job Type", frappe_job().name, "last_execution", add_to_date(None, minutes=-20)
		)
		with lease_held(self.owned.name):  # the fallback stays out of this test
			schedule.every_minute()
		self.assertTrue(self.received(self.theirs, theirs_id), "Frappe's pull of the account not ours")
		self.assertFalse(self.received(self.owned, ours_id), "Frappe's pull skips our account")
		self.assertGreater(frappe_job().last_execution, add_to_date(now_datetime(), minutes=-1))

		# not due again within its 10 minutes: Frappe's rhythm, not every minute
		later_id = self.deliver(self.theirs)
		with lease_held(self.owned.name):
			schedule.every_minute()
		self.assertFalse(self.received(self.theirs, later_id))

	def test_with_no_owned_mailbox_frappes_job_runs_untouched(self):
		schedule.sync_frappe_pull()
		self.assertEqual(frappe_job().stopped, 1)
		self.disown_other_suites_mailboxes()
		self.own(self.owned, 0)  # on_update hands Frappe's job back
		self.assertEqual(frappe_job().stopped, 0)
		before = frappe_job().last_execution
		schedule.every_minute()
		self.assertEqual(frappe_job().last_execution, before)

	def test_the_minute_job_follows_changes_that_bypassed_the_form(self):
		for name in owned_on_site():
			frappe.db.set_value("Email Account", name, "crm_own_intake", 0)  # no on_update
			self.addCleanup(frappe.db.set_value, "Email Account", name, "crm_own_intake", 1)
		schedule.every_minute()
		self.assertEqual(frappe_job().stopped, 0)
		frappe.db.set_value("Email Account", self.owned.name, "crm_own_intake", 1)
		with lease_held(self.owned.name):
			schedule.every_minute()
		self.assertEqual(frappe_job().stopped, 1)

	def test_an_administrators_stop_is_never_undone(self):
		self.disown_other_suites_mailboxes()
		self.own(self.owned, 0)
		self.assertEqual(frappe_job().stopped, 0)
		frappe.db.set_value("Scheduled Job Type", frappe_job().name, "stopped", 1)  # by hand
		self.own(self.owned, 1)
		self.own(self.owned, 0)
		self.assertEqual(frappe_job().stopped, 1)
		schedule.restore_frappe_pull()
		self.assertEqual(frappe_job().stopped, 1)

	def disown_other_suites_mailboxes(self) -> None:
		"""Other suites' Shared and CRM mailboxes are the intake's too (by default), until the test ends."""
		for name in owned_on_site():
			if name != self.owned.name:
				frappe.db.set_value("Email Account", name, "crm_own_intake", 0)
				self.addCleanup(frappe.db.set_value, "Email Account", name, "crm_own_intake", 1)

	def own(self, account, own: int) -> None:
		account.reload()
		account.crm_own_intake = own
		self.addCleanup(frappe.db.set_value, "Email Account", account.name, "crm_own_intake", 1 - own)
		account.save(ignore_permissions=True)

	def test_uninstall_restores_frappes_pull(self):
		schedule.sync_frappe_pull()
		self.assertEqual(frappe_job().stopped, 1)
		with patch.object(install, "delete_custom_fields"):  # keep the site's fields for the other tests
			install.before_uninstall()
		self.assertEqual(frappe_job().stopped, 0)


def owned_on_site() -> list[str]:
	from crm_mailbox.intake.accounts import owned_accounts

	return owned_accounts()


class lease_held:
	"""As if an intake process held the account."""

	def __init__(self, account: str):
		self.account, self.holder = account, "intake@elsewhere:1:0000"

	def __enter__(self):
		assert lease.acquire(self.account, self.holder, ttl=60)

	def __exit__(self, *exc):
		lease.release(self.account, self.holder)
