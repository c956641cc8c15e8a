"""Bench suite: the intake process against real Dovecot. Pickup by IDLE and by polling, one puller per
mailbox across processes (leases), a killed process's mailbox taken over, SIGTERM, turning it off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import frappe

from crm_mailbox import testing as t
from crm_mailbox.intake import lease
from crm_mailbox.intake.dovecot_case import DovecotIntakeCase, RunnerThread, fresh, wait_until

BENCH = os.path.abspath(os.path.join(frappe.get_app_path("frappe"), "..", "..", ".."))


class TestIntakeRunner(DovecotIntakeCase):
	def test_idle_pickup_makes_a_linked_communication_within_seconds(self):
		account = self.mailbox("idle")
		domain = t.random_domain()
		customer = t.make_customer(domains=[domain])
		fresh()
		with RunnerThread(account) as running:
			wait_until(lambda: self.key(account) in running.runner.served(), what="the runner taking it")
			wait_until(lambda: self.mode_of(account) == "push", what="the mailbox waiting in IDLE")
			message_id = f"{uuid.uuid4().hex}@intake-test.crm-mailbox.example"
			raw = t.with_message_id(t.build_email(f"Ann <ann@{domain}>", subject="Quote?"), f"<{message_id}>")
			began = time.monotonic()
			account.dovecot_user.drop(raw, f"{uuid.uuid4().hex}.crm-test")
			name = wait_until(lambda: self.received(account, message_id), timeout=10, what="IDLE pickup")
			self.assertLess(time.monotonic() - began, 10)
		mail = frappe.get_doc("Communication", name)
		self.assertIn(("Customer", customer.name), t.links_of(mail))

	def test_polling_pickup_where_idle_is_off(self):
		account = self.mailbox("poll", crm_use_idle=0, crm_poll_seconds=15)
		with RunnerThread(account) as running:
			wait_until(lambda: self.mode_of(account) == "polling", what="the mailbox polling")
			message_id = self.deliver(account)
			wait_until(lambda: self.received(account, message_id), timeout=25, what="polling pickup")
			self.assertIn(self.key(account), running.runner.served())

	def test_two_runners_never_pull_one_mailbox_at_once(self):
		account = self.mailbox("two")
		with RunnerThread(account) as first, RunnerThread(account) as second:
			wait_until(lambda: lease.holder_of(account.name), what="a runner taking the mailbox")
			time.sleep(2)  # both have scanned several times
			served = first.runner.served() + second.runner.served()
			self.assertEqual(served.count(self.key(account)), 1)
			message_ids = [self.deliver(account) for _ in range(5)]
			for message_id in message_ids:
				wait_until(lambda m=message_id: self.received(account, m), what="pickup")
		for message_id in message_ids:
			self.assertEqual(frappe.db.count("Communication", {"message_id": message_id}), 1)

	def test_a_killed_process_mailbox_is_taken_over(self):
		account = self.mailbox("killed")
		process = self.start_process(account, lease_seconds=5)
		try:
			holder = wait_until(lambda: lease.holder_of(account.name), timeout=60, what="the process's lease")
			self.assertIn(f":{process.pid}:", holder)
			os.kill(process.pid, signal.SIGKILL)  # no goodbye: its lease stays until it expires
			process.wait(timeout=10)
		finally:
			if process.poll() is None:
				process.kill()
		message_id = self.deliver(account)
		with RunnerThread(account, lease_seconds=5) as running:
			wait_until(lambda: self.key(account) in running.runner.served(), timeout=15, what="the takeover")
			self.assertNotEqual(lease.holder_of(account.name), holder)
			wait_until(lambda: self.received(account, message_id), what="pickup after the takeover")

	def test_sigterm_stops_the_process_within_seconds_and_lets_go(self):
		account = self.mailbox("sigterm")
		process = self.start_process(account)
		try:
			wait_until(lambda: self.mode_of(account) == "push", timeout=60, what="the process in IDLE")
			began = time.monotonic()
			process.send_signal(signal.SIGTERM)
			process.wait(timeout=15)
			self.assertLess(time.monotonic() - began, 10)
			self.assertIsNone(lease.holder_of(account.name), "its lease was released")
		finally:
			if process.poll() is None:
				process.kill()

	def test_turning_the_intake_off_lets_the_mailbox_go(self):
		account = self.mailbox("off")
		with RunnerThread(account) as running:
			wait_until(lambda: self.key(account) in running.runner.served(), what="the runner taking it")
			frappe.db.set_value("Email Account", account.name, "crm_own_intake", 0)
			fresh()
			wait_until(
				lambda: self.key(account) not in running.runner.served(),
				timeout=35,
				what="the runner letting go",
			)
			self.assertIsNone(lease.holder_of(account.name))

	# --- helpers -----------------------------------------------------------------------------------

	def key(self, account) -> tuple[str, str]:
		return (frappe.local.site, account.name)

	def mode_of(self, account) -> str | None:
		return frappe.db.get_value(
			"Mailbox Intake Folder", {"email_account": account.name, "folder": "INBOX"}, "mode"
		)

	def start_process(self, account, lease_seconds: int = 90) -> subprocess.Popen:
		"""`bench --site SITE crm-mailbox intake` as its own process (as a Procfile line runs it)."""
		command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site]
		command += ["crm-mailbox", "intake", "--lease-seconds", str(lease_seconds), "--account", account.name]
		log = open(os.path.join(frappe.get_site_path("logs"), "intake-test.log"), "ab")
		return subprocess.Popen(
			command,
			cwd=os.path.join(BENCH, "sites"),
			stdout=log,
			stderr=subprocess.STDOUT,
			env={**os.environ, "PYTHONUNBUFFERED": "1"},
		)
