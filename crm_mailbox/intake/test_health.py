"""Bench suite: Mailbox Health on every channel. The API (which the form and the workspace page call)
for a System Manager, for the mailbox's owner, refused to a plain member and another owner; the
Mailbox Health page's roles; the `crm-mailbox intake-status` bench command's output."""

from __future__ import annotations

import os
import subprocess
import sys

import frappe

from crm_mailbox import testing as t
from crm_mailbox.api.intake import mailbox_health
from crm_mailbox.intake import schedule
from crm_mailbox.intake.dovecot_case import DovecotIntakeCase, fresh

BENCH = os.path.abspath(os.path.join(frappe.get_app_path("frappe"), "..", "..", ".."))
ENDPOINT = "crm_mailbox.api.intake.mailbox_health"


def rest_get(user: str, **args) -> list[dict]:
	"""GET /api/method/crm_mailbox.api.intake.mailbox_health as Frappe's handler runs it, as this user."""
	from frappe.handler import execute_cmd
	from frappe.utils import set_request

	set_request(method="GET", path=f"/api/method/{ENDPOINT}")
	frappe.set_user(user)
	frappe.local.form_dict = frappe._dict(cmd=ENDPOINT, **args)
	try:
		return execute_cmd(ENDPOINT)
	finally:
		frappe.local.request = None
		frappe.set_user("Administrator")


class TestIntakeHealth(DovecotIntakeCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sysman = t.make_user("intake-health-sysman@ourco.example", ("System Manager",))
		cls.owner = t.make_user("intake-health-owner@ourco.example", ("Inbox User",))
		cls.other_owner = t.make_user("intake-health-other@ourco.example", ("Inbox User",))
		cls.member = t.make_user("intake-health-member@ourco.example", ("Inbox User", "Sales User"))
		# as on a live site (a test site has it off): then a mailbox no process holds is the scheduler's
		cls.scheduler_was = frappe.db.get_single_value("System Settings", "enable_scheduler")
		frappe.db.set_single_value("System Settings", "enable_scheduler", 1)
		fresh()

	@classmethod
	def tearDownClass(cls):
		frappe.db.set_single_value("System Settings", "enable_scheduler", cls.scheduler_was)
		fresh()
		super().tearDownClass()

	def setUp(self):
		self.account = self.mailbox("health", owner=self.owner)
		self.others = self.mailbox("health-other", owner=self.other_owner)
		self.deliver(self.account)
		schedule.pull_without_process(self.account.name)
		fresh()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_system_manager_sees_every_mailbox(self):
		frappe.set_user(self.sysman)
		accounts = {row["account"] for row in mailbox_health()}
		self.assertLessEqual({self.account.name, self.others.name}, accounts)
		(row,) = mailbox_health(self.account.name)
		self.assertEqual(row["mode"], "scheduler")
		self.assertEqual(row["taken_today"], 1)
		self.assertEqual(row["backlog"], 0)
		self.assertIsNotNone(row["last_success_at"])
		self.assertLess(row["lag_seconds"], 120)
		self.assertIsNone(row["last_error"])

	def test_the_owner_sees_their_own_mailbox_only(self):
		frappe.set_user(self.owner)
		accounts = [row["account"] for row in mailbox_health()]
		self.assertIn(self.account.name, accounts)
		self.assertNotIn(self.others.name, accounts)
		owners = {frappe.db.get_value("Email Account", name, "crm_mailbox_owner") for name in accounts}
		self.assertEqual(owners, {self.owner})
		(row,) = mailbox_health(self.account.name)
		self.assertEqual(row["taken_today"], 1)
		self.assertRaises(frappe.PermissionError, mailbox_health, self.others.name)

	def test_a_plain_member_sees_nothing(self):
		frappe.set_user(self.member)
		self.assertEqual(mailbox_health(), [])
		self.assertRaises(frappe.PermissionError, mailbox_health, self.account.name)
		self.assertRaises(frappe.PermissionError, mailbox_health, "No Such Mailbox")

	def test_a_failing_mailbox_shows_its_error_in_words_and_poison_waiting(self):
		self.set_password(self.account, "changed-by-the-provider")
		schedule.pull_without_process(self.account.name)
		fresh()
		(row,) = mailbox_health(self.account.name)
		self.assertIn("login", row["last_error"].lower())
		self.assertNotIn("Traceback", row["last_error"])
		self.assertIsNotNone(row["error_since"])

	def test_over_rest_the_owner_reads_their_mailbox_and_others_are_refused(self):
		(row,) = rest_get(self.owner, account=self.account.name)
		self.assertEqual(row["account"], self.account.name)
		self.assertEqual(
			[r["account"] for r in rest_get(self.sysman, account=self.account.name)], [self.account.name]
		)
		for user in (self.member, self.other_owner):
			self.assertRaises(frappe.PermissionError, rest_get, user, account=self.account.name)
		self.assertEqual(rest_get(self.member), [])

	def test_the_page_is_offered_to_mail_roles_only(self):
		roles = set(
			frappe.get_all("Has Role", {"parent": "mailbox-health", "parenttype": "Page"}, pluck="role")
		)
		self.assertEqual(roles, {"System Manager", "Inbox User", "Sales User", "Support Team"})
		frappe.is_whitelisted(mailbox_health)  # raises when it is not an endpoint

	def test_the_bench_command_prints_the_same(self):
		command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site]
		done = subprocess.run(
			[*command, "crm-mailbox", "intake-status"],
			cwd=os.path.join(BENCH, "sites"),
			capture_output=True,
			text=True,
			timeout=120,
		)
		self.assertEqual(done.returncode, 0, done.stderr)
		lines = done.stdout.splitlines()
		at = lines.index(f"{self.account.name}: Scheduler polling (no intake process holds it)")
		self.assertIn("taken today 1", lines[at + 1])
		self.assertIn("backlog 0", lines[at + 1])
