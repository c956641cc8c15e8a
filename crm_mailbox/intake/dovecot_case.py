"""Bench-suite base for the intake's running parts: real Dovecot on loopback, a mailbox per test user.

The intake works in other threads and processes than the test, each with its own database
connection: what a test sets up is committed before they look, and the test reads their results
after ending its own snapshot (`fresh`).
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import uuid

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t

SERVERS = os.path.join(t.EML_DIR, "..", "servers.py")
PASSWORD = "Intake-test-secret-42"


def load_servers():
	spec = importlib.util.spec_from_file_location("crm_mailbox_test_servers", SERVERS)
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


def fresh() -> None:
	"""End this test's snapshot, so that it sees what the intake's own connections committed."""
	# the intake runs in other connections; the test sees their commits
	frappe.db.commit()  # nosemgrep


def wait_until(condition, timeout: float = 20.0, step: float = 0.2, what: str = "the condition"):
	"""Poll `condition` (after a fresh snapshot) until it returns something true; fail after `timeout`."""
	deadline = time.monotonic() + timeout
	while True:
		fresh()
		result = condition()
		if result:
			return result
		if time.monotonic() > deadline:
			raise AssertionError(f"{what} did not happen within {timeout} s")
		time.sleep(step)


class DovecotIntakeCase(FrappeTestCase):
	"""Starts Dovecot once per class; `mailbox()` makes a Dovecot user and an Email Account our intake owns."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.servers = load_servers()
		cls.dovecot = cls.servers.start_dovecot()
		cls.accounts: list[str] = []

	@classmethod
	def tearDownClass(cls):
		cls.dovecot.stop()
		for name in cls.accounts:
			delete_account(name)
		fresh()
		super().tearDownClass()

	def mailbox(self, label: str, owner: str | None = None, **fields):
		"""A new Dovecot user with an empty INBOX, and a Personal mailbox for it that our intake owns."""
		(user,) = self.dovecot.add_users([f"{label}-{uuid.uuid4().hex[:8]}"], PASSWORD)
		owner = owner or t.make_user("intake-owner@ourco.example")
		own_intake = fields.pop("crm_own_intake", 1)
		name = f"CRM Intake Test {user.address}"
		account = t.make_email_account(
			user.address,
			name,
			login_id=user.address,
			password=PASSWORD,
			email_server=self.dovecot.host,
			incoming_port=self.dovecot.imap_port,
			use_ssl=0,
			use_starttls=0,
			crm_purpose="Personal",
			crm_mailbox_owner=owner,
			crm_use_idle=fields.pop("crm_use_idle", 1),
			crm_poll_seconds=fields.pop("crm_poll_seconds", 15),
			**fields,
		)
		self.accounts.append(account.name)
		# a Personal mailbox opts in after it is made (made, it starts with its purpose's default)
		account.crm_own_intake = own_intake
		account.save(ignore_permissions=True)
		self.addCleanup(disown, account.name)
		fresh()
		account.dovecot_user = user
		return account

	def deliver(self, account, subject: str | None = None) -> str:
		"""Drop a new message into the account's INBOX, as an MDA would; return its Message-ID."""
		message_id = f"{uuid.uuid4().hex}@intake-test.crm-mailbox.example"
		raw = t.build_email(t.unique_address("sender"), subject=subject or f"Intake test {message_id[:8]}")
		account.dovecot_user.drop(t.with_message_id(raw, f"<{message_id}>"), f"{uuid.uuid4().hex}.crm-test")
		return message_id

	def set_password(self, account, password: str) -> None:
		"""Change the Dovecot user's password on the server (as a provider's password reset would)."""
		users = self.dovecot.root / "users"
		address = account.dovecot_user.address
		lines = [
			f"{address}:{{PLAIN}}{password}::::::" if line.startswith(f"{address}:") else line
			for line in users.read_text().splitlines()
		]
		users.write_text("\n".join(lines) + "\n")
		time.sleep(1.1)  # Dovecot notices a changed passwd-file at most once a second

	def received(self, account, message_id: str):
		"""The Communication of this account for that Message-ID, or None."""
		return frappe.db.get_value(
			"Communication", {"message_id": message_id, "email_account": account.name}, "name"
		)


def disown(name: str) -> None:
	"""After its test: the mailbox is no longer ours, so no runner of a later test takes it."""
	frappe.db.set_value("Email Account", name, "crm_own_intake", 0)
	fresh()


def delete_account(name: str) -> None:
	for doctype in ("Mailbox Intake Message", "Mailbox Intake Folder"):
		frappe.db.delete(doctype, {"email_account": name})
	if frappe.db.exists("Email Account", name):
		frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)


class RunnerThread:
	"""An intake Runner in a thread of the test process (its workers have their own site context)."""

	def __init__(self, *accounts, **options):
		"""A runner for these accounts only: other suites' mailboxes (the intake's by default) stay out."""
		from crm_mailbox.intake.runner import Runner

		options["accounts"] = [getattr(a, "name", a) for a in accounts]

		options.setdefault("scan_seconds", 0.5)
		self.runner = Runner([frappe.local.site], sites_path=frappe.local.sites_path, **options)
		self.thread = threading.Thread(target=self.runner.run, name="intake-runner", daemon=True)

	def __enter__(self) -> RunnerThread:
		self.thread.start()
		return self

	def __exit__(self, *exc) -> None:
		self.stop()

	def stop(self) -> float:
		"""Stop it; how many seconds it took every thread to end."""
		began = time.monotonic()
		self.runner.stop()
		self.thread.join(timeout=30)
		return time.monotonic() - began
