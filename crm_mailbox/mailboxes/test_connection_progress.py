"""Bench suite: Test Connection from the desk runs as a background job and reports each step as it ends."""

from __future__ import annotations

import json
import socket
import time
from contextlib import contextmanager

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import mailboxes as mailboxes_api
from crm_mailbox.mailboxes import connection_progress
from crm_mailbox.mailboxes import testing as mt

SECRET = "Pr0gress-s3cret-5521"


class StallingServer:
	"""Accepts connections on loopback and never says a word: every step waits for its timeout."""

	def __enter__(self):
		self.sock = socket.socket()
		self.sock.bind(("127.0.0.1", 0))
		self.sock.listen(8)
		self.port = self.sock.getsockname()[1]
		return self

	def __exit__(self, *exc):
		self.sock.close()


@contextmanager
def limits(total: float, step: float = 1.0):
	"""Shorter limits than the desk's, so that a stalled server costs seconds, not minutes."""
	saved = connection_progress.TOTAL_SECONDS, connection_progress.STEP_SECONDS
	connection_progress.TOTAL_SECONDS, connection_progress.STEP_SECONDS = total, step
	try:
		yield
	finally:
		connection_progress.TOTAL_SECONDS, connection_progress.STEP_SECONDS = saved


class TestConnectionProgress(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def account(self, port: int, **fields):
		return t.make_email_account(
			email_id="crm-mailbox-test-progress@ourco.example",
			name="CRM Mailbox Test Progress",
			**{
				"email_server": "127.0.0.1",
				"incoming_port": port,
				"use_ssl": 0,
				"password": SECRET,
				"enable_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"smtp_port": port,
				"use_tls": 0,
				**fields,
			},
		)

	def test_the_request_returns_an_id_and_the_steps_arrive_as_they_end(self):
		with StallingServer() as server:
			account = self.account(server.port)
			published = []
			original = frappe.publish_realtime

			def spy(event, message=None, *args, **kwargs):
				if event == connection_progress.EVENT:
					published.append((message, kwargs.get("user")))
				return original(event, message, *args, **kwargs)

			frappe.publish_realtime = spy
			try:
				with limits(total=30.0):
					started = mailboxes_api.test_connection(account.name)
			finally:
				frappe.publish_realtime = original
		self.assertEqual(set(started), {"test_id"})
		state = mailboxes_api.connection_test_status(started["test_id"])
		self.assertTrue(state["done"])
		steps = [(row["step"]["check"], row["step"]["name"]) for row, _user in published if "step" in row]
		# one event per step, in order, while the job ran; then one saying it is done
		self.assertEqual(steps[:2], [("incoming", "dns"), ("incoming", "tcp")])
		self.assertEqual(steps, [(row["check"], row["name"]) for row in state["steps"]])
		self.assertTrue(published[-1][0].get("done"))
		self.assertEqual({user for _message, user in published}, {"Administrator"})
		self.assertNotIn(SECRET, json.dumps(state))

	def test_the_whole_test_is_bounded_in_time(self):
		with StallingServer() as server:
			account = self.account(server.port)
			started = time.monotonic()
			with limits(total=0.5, step=2.0):
				test_id = mailboxes_api.test_connection(account.name)["test_id"]
			elapsed = time.monotonic() - started
		result = mailboxes_api.connection_test_status(test_id)["result"]
		# the stalled greeting costs one network timeout; the outgoing check then starts no step at all
		self.assertLess(elapsed, 0.5 + 2 * 2.0 + 1)
		outgoing = result["outgoing"]["steps"]
		self.assertEqual([(s["name"], s["ok"]) for s in outgoing], [("dns", False)])
		self.assertIn("time is up", outgoing[0]["detail"])

	def test_only_the_user_who_asked_reads_the_progress(self):
		people = mt.People()
		with StallingServer() as server:
			account = self.account(server.port, enable_outgoing=0)
			with limits(total=0.5):
				test_id = mailboxes_api.test_connection(account.name)["test_id"]
		frappe.set_user(people.sysman)
		with self.assertRaises(frappe.PermissionError):
			mailboxes_api.connection_test_status(test_id)

	def test_members_who_may_not_edit_the_account_cannot_start_a_test(self):
		people = mt.People()
		self.account(9)
		frappe.set_user(people.proc1)
		with self.assertRaises(frappe.PermissionError):
			mailboxes_api.test_connection("CRM Mailbox Test Progress")
