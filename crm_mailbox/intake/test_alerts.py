"""Bench suite: a mailbox whose password stops working tells its owner and the System Managers once,
not at every retry, and once more when it receives again by itself (real Dovecot, real logins)."""

from __future__ import annotations

import frappe

from crm_mailbox import testing as t
from crm_mailbox.intake import alerts, schedule, state
from crm_mailbox.intake.dovecot_case import PASSWORD, DovecotIntakeCase, RunnerThread, fresh, wait_until
from crm_mailbox.mailflow.intake.errors import LoginError, NetworkError


def notices(user: str, account: str) -> list[str]:
	return frappe.get_all(
		"Notification Log",
		filters={"for_user": user, "document_type": "Email Account", "document_name": account},
		pluck="subject",
		order_by="creation asc",
	)


class TestIntakeAlerts(DovecotIntakeCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sysman = t.make_user("intake-sysman@ourco.example", ("System Manager",))
		cls.member = t.make_user("intake-member@ourco.example", ("Inbox User",))

	def test_a_refused_login_is_told_once_and_its_recovery_once(self):
		account = self.mailbox("pw", crm_members=[{"user": self.member, "access": "Read"}])
		owner = account.crm_mailbox_owner
		self.set_password(account, "changed-by-the-provider")
		for _ in range(3):  # three scheduler pulls, each a refused login
			self.pull(account)
		for user in (owner, self.sysman):
			(told,) = notices(user, account.name)
			self.assertIn("refuses the login", told)
		self.assertEqual(notices(self.member, account.name), [], "a plain member is not told")

		self.set_password(account, PASSWORD)  # the provider's password works again
		message_id = self.deliver(account)
		self.pull(account)
		self.pull(account)
		self.assertTrue(self.received(account, message_id), "nothing was lost meanwhile")
		for user in (owner, self.sysman):
			told = notices(user, account.name)
			self.assertEqual(len(told), 2)
			self.assertIn("receives mail again", told[1])

	def test_the_runner_retrying_a_refused_login_tells_once(self):
		account = self.mailbox("pw-runner")
		owner = account.crm_mailbox_owner
		self.set_password(account, "changed-by-the-provider")
		with RunnerThread(account):
			wait_until(lambda: notices(owner, account.name), what="the notice")
			failed_at = self.last_pull(account)
			wait_until(lambda: self.last_pull(account) != failed_at, timeout=20, what="a retry")
			self.assertEqual(len(notices(owner, account.name)), 1, "told once, not at every retry")
			self.set_password(account, PASSWORD)
			wait_until(lambda: len(notices(owner, account.name)) == 2, timeout=40, what="the recovery notice")

	def test_the_notice_shows_the_servers_words_as_text(self):
		account = self.mailbox("hostile")
		frappe.db.set_value(
			"Mailbox Intake Folder",
			{"email_account": account.name},
			{"error_since": frappe.utils.now_datetime(), "last_error": "login"},
		)
		alerts.failing(account.name, LoginError('<img src=x onerror="alert(1)">'))
		(told,) = notices(account.crm_mailbox_owner, account.name)
		self.assertNotIn("<img", told)
		self.assertIn("&lt;img src=x", told)

	def test_an_unreachable_server_is_told_only_once_it_lasts(self):
		account = self.mailbox("unreachable")
		owner = account.crm_mailbox_owner
		error = NetworkError("[Errno 111] Connection refused")
		self.set_failing_since(account, minutes=1)
		self.assertFalse(alerts.failing(account.name, error), "a short outage heals by itself")
		self.assertEqual(notices(owner, account.name), [])
		self.set_failing_since(account, minutes=6)
		self.assertTrue(alerts.failing(account.name, error))
		(told,) = notices(owner, account.name)
		self.assertIn("cannot be reached", told)

	def set_failing_since(self, account, minutes: int) -> None:
		frappe.db.set_value(
			"Mailbox Intake Folder",
			state.folder_row(account.name, "INBOX"),
			{"error_since": frappe.utils.add_to_date(None, minutes=-minutes), "last_error": "network"},
		)

	def pull(self, account) -> None:
		try:
			schedule.pull_without_process(account.name)
		except Exception:
			pass  # a refused login may also be raised; what counts is what was recorded and told
		fresh()

	def last_pull(self, account):
		return frappe.db.get_value("Mailbox Intake Folder", {"email_account": account.name}, "last_pull_at")
