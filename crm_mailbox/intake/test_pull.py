"""Bench suite: one pull of a mailbox through our intake, against a real Dovecot on loopback.

Every message ends exactly once as a Communication of its mailbox, or as a kept failure with its
raw content and the reason; faults (server stopped, folder recreated, puller killed) lose and
double nothing; turning the intake off hands the mailbox to Frappe's own pull.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from unittest.mock import patch

import frappe
import imapclient
from frappe.email.doctype.email_account.email_account import pull_from_email_account

from crm_mailbox import testing as t
from crm_mailbox.intake import lease
from crm_mailbox.intake.dovecot_case import DovecotIntakeCase, fresh
from crm_mailbox.intake.handler import MailboxInboundMail
from crm_mailbox.intake.pull import account_session, pull_account

LEDGER = "Mailbox Intake Message"
FOLDER = "Mailbox Intake Folder"
ODD = Path(t.EML_DIR) / "odd"
BENCH = os.path.abspath(os.path.join(frappe.get_app_path("frappe"), "..", "..", ".."))


def cpython_email_corpus() -> list[Path]:
	"""The email package's own test messages: real-world oddities its maintainers collected."""
	try:
		import test.test_email
	except ImportError:  # some distributions ship Python without its test package
		return []
	return sorted((Path(os.path.dirname(test.test_email.__file__)) / "data").glob("msg_*.txt"))


def ledger(account) -> list[dict]:
	return frappe.get_all(
		LEDGER,
		filters={"email_account": account.name},
		fields=[
			"uid",
			"uidvalidity",
			"folder",
			"status",
			"communication",
			"reason",
			"raw",
			"subject",
			"duplicate_of",
		],
		order_by="uid asc",
	)


def communications(account) -> list[dict]:
	return frappe.get_all(
		"Communication",
		filters={"email_account": account.name, "communication_medium": "Email"},
		fields=["name", "message_id", "uid", "subject"],
	)


class PullCase(DovecotIntakeCase):
	def mailbox(self, label: str, **fields):
		# one owner for every mailbox here: Frappe throttles creating many users an hour
		return super().mailbox(label, owner=t.make_user("intake-pull-owner@ourco.example"), **fields)


class TestPull(PullCase):
	def drop(self, account, raw: bytes) -> None:
		account.dovecot_user.drop(raw, f"{uuid.uuid4().hex}.crm-test")

	def new_message(self, subject="Intake pull", **kwargs) -> tuple[bytes, str]:
		message_id = f"{uuid.uuid4().hex}@intake-test.crm-mailbox.example"
		raw = t.build_email(
			t.unique_address("sender"), subject=subject, message_id=f"<{message_id}>", **kwargs
		)
		return raw, message_id

	def test_odd_and_broken_real_world_mail_each_ends_as_an_email_or_a_kept_failure(self):
		corpus = sorted(ODD.glob("*.eml")) + cpython_email_corpus()
		self.assertGreaterEqual(len(corpus), 50)
		account = self.mailbox("corpus")
		good_raw, good_id = self.new_message("After the odd ones")
		for path in corpus:
			self.drop(account, path.read_bytes())
		self.drop(account, good_raw)  # behind every odd message: the batch goes on
		fresh()

		first = pull_account(account.name, batch_size=7)

		self.assertEqual(first["errors"], {})
		rows = ledger(account)
		self.assertEqual(len(rows), len(corpus) + 1, "one ledger row per message on the server")
		for row in rows:
			if row.status == "Failed":
				self.assertTrue(row.reason, f"UID {row.uid}: failed without a reason")
				if not row.duplicate_of and "zero bytes" not in row.reason:
					self.assertTrue(
						base64.b64decode(row.raw), f"UID {row.uid}: failed without its raw message"
					)
			elif row.status == "Taken":
				self.assertTrue(frappe.db.exists("Communication", row.communication), f"UID {row.uid}")
			else:
				self.assertEqual(row.status, "Skipped", f"UID {row.uid}")
				self.assertTrue(row.reason)
			self.assertLessEqual(len(row.subject or ""), 140)
		self.assertTrue(self.received(account, good_id), "the message after the odd ones was not received")
		# each message became at most one Communication of this mailbox
		names = [row.communication for row in rows if row.status == "Taken" and not row.duplicate_of]
		self.assertEqual(len(names), len(set(names)))
		# mail that names no sender at all is received, from a stand-in address, for review; a
		# message of zero bytes is kept with the reason
		by_subject = {row.subject: row for row in rows}
		nobody = frappe.get_doc(
			"Communication", by_subject["A gateway dropped every sender header"].communication
		)
		self.assertEqual(nobody.sender, "unknown-sender@sender.invalid")
		self.assertTrue(nobody.crm_needs_review)
		self.assertIn("From set to unknown-sender@sender.invalid", nobody.crm_review_note)
		self.assertFalse(frappe.db.exists("Contact Email", {"email_id": nobody.sender}))
		self.assertEqual(by_subject["Saved from an old client, no From"].status, "Taken")
		(empty,) = [row for row in rows if row.status == "Failed"]
		self.assertEqual(empty.reason, "the message has zero bytes")
		# an attachment Frappe cannot store is left out, not the email
		self.assertTrue(
			frappe.db.exists(
				"Communication",
				{"email_account": account.name, "crm_review_note": ("like", "%Attachments Frappe refused%")},
			)
		)
		taken = sum(row.status == "Taken" for row in rows)
		self.assertEqual(taken, len(corpus), "every message but the empty one is an email")

		second = pull_account(account.name, batch_size=7)
		self.assertEqual((second["taken"], second["failed"], second["errors"]), (0, 0, {}))
		self.assertEqual(len(ledger(account)), len(rows))
		self.assertEqual(
			len(communications(account)), len({row.communication for row in rows if row.communication})
		)

	def test_the_same_message_in_two_mailboxes_appears_in_both_and_once_in_each(self):
		sales, support = self.mailbox("sales"), self.mailbox("support")
		raw, message_id = self.new_message("To both of you")
		for account in (sales, support, sales):  # and a second copy in the sales INBOX
			self.drop(account, raw)
		fresh()
		pull_account(sales.name)
		pull_account(support.name)
		for account in (sales, support):
			self.assertEqual(
				frappe.db.count("Communication", {"message_id": message_id, "email_account": account.name}),
				1,
				account.name,
			)
		duplicate = [row for row in ledger(sales) if row.duplicate_of]
		self.assertEqual(len(duplicate), 1)
		self.assertEqual(duplicate[0].communication, self.received(sales, message_id))

	def test_recreated_folder_new_uidvalidity_loses_and_doubles_nothing(self):
		account = self.mailbox("orders")
		account.set("imap_folder", [{"folder_name": "Orders"}])
		account.save(ignore_permissions=True)
		fresh()
		messages = [self.new_message(f"Order {n}") for n in range(4)]
		no_message_id = b"From: Old Client <old@client.test>\nSubject: no Message-ID\n\nkeyed by its bytes\n"
		vanishing_raw, vanishing_id = self.new_message("Order deleted meanwhile")
		with account_session(account, "INBOX") as admin:
			admin.client.create_folder("Orders")
			for raw, _message_id in messages:
				admin.client.append("Orders", raw)
			admin.client.append("Orders", no_message_id)
			admin.client.append("Orders", vanishing_raw)  # the highest UID, gone after the move
		pull_account(account.name)
		first_uidvalidity = frappe.db.get_value(FOLDER, {"email_account": account.name}, "uidvalidity")
		self.assertEqual(len(communications(account)), 6)

		late_raw, late_id = self.new_message("Order after the move")
		with account_session(account, "INBOX") as admin:
			admin.client.delete_folder("Orders")
			admin.client.create_folder("Orders")
			for raw, _message_id in reversed(messages):
				admin.client.append("Orders", raw)
			admin.client.append("Orders", no_message_id)
			admin.client.append("Orders", late_raw)
		result = pull_account(account.name)

		self.assertEqual((result["taken"], result["duplicates"], result["errors"]), (1, 5, {}))
		state = frappe.db.get_value(
			FOLDER, {"email_account": account.name}, ["uidvalidity", "last_uid"], as_dict=True
		)
		self.assertNotEqual(state.uidvalidity, first_uidvalidity)
		received = communications(account)
		self.assertEqual(len(received), 7)
		self.assertEqual(
			sorted(c.message_id for c in received if c.message_id),
			sorted([m for _raw, m in messages] + [vanishing_id, late_id]),
		)
		# Frappe's bookkeeping follows the new UIDs: its own pull would resume after them
		self.assertEqual(
			str(
				frappe.db.get_value(
					"IMAP Folder", {"parent": account.name, "folder_name": "Orders"}, "uidvalidity"
				)
			),
			state.uidvalidity,
		)
		# each message still there has its new UID; the deleted one's old UID means nothing now
		self.assertEqual(sorted(c.uid for c in received), [-1, 1, 2, 3, 4, 5, 6])
		self.assertEqual(
			frappe.db.get_value("Communication", self.received(account, vanishing_id), "uid"), -1
		)

	def test_server_stopped_mid_pull_then_back_loses_and_doubles_nothing(self):
		account = self.mailbox("outage")
		ids = []
		for n in range(30):
			raw, message_id = self.new_message(f"Outage {n}")
			self.drop(account, raw)
			ids.append(message_id)
		fresh()

		def halt_after_first_batch(folder, report):
			if len(report.batch_seconds) == 1:
				self.dovecot.halt()

		try:
			stopped = pull_account(account.name, batch_size=10, on_batch=halt_after_first_batch)
			self.assertEqual(stopped["taken"], 10)
			error = frappe.db.get_value(
				FOLDER, {"email_account": account.name}, ["last_error", "error_since"]
			)
			self.assertIn("could not be reached", error[0])
			self.assertTrue(error[1])
			self.assertEqual(stopped["errors"], {"INBOX": error[0]})
		finally:
			self.dovecot.resume()

		resumed = pull_account(account.name, batch_size=10)
		self.assertEqual((resumed["taken"], resumed["duplicates"], resumed["errors"]), (20, 0, {}))
		for message_id in ids:
			self.assertEqual(frappe.db.count("Communication", {"message_id": message_id}), 1)
		self.assertEqual(
			frappe.db.get_value(FOLDER, {"email_account": account.name}, ["last_error", "error_since"]),
			(None, None),
		)

	def test_a_pulling_process_killed_mid_batch_leaves_every_message_exactly_once(self):
		account = self.mailbox("killed")
		ids = []
		for n in range(120):
			raw, message_id = self.new_message(f"Killed {n}")
			self.drop(account, raw)
			ids.append(message_id)
		fresh()
		command = [
			"bench",
			"--site",
			frappe.local.site,
			"crm-mailbox",
			"pull",
			account.name,
			"--batch-size",
			"5",
		]
		puller = subprocess.Popen(
			command, cwd=BENCH, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
		)
		try:
			deadline = time.monotonic() + 120
			while True:
				fresh()
				if frappe.db.count(LEDGER, {"email_account": account.name}) >= 12:
					break
				self.assertIsNone(puller.poll(), "the pull ended before it could be killed")
				self.assertLess(time.monotonic(), deadline, "the pull recorded nothing in time")
				time.sleep(0.05)
		finally:
			os.killpg(puller.pid, signal.SIGKILL)
			puller.wait()
		fresh()
		killed_at = frappe.db.count(LEDGER, {"email_account": account.name})
		self.assertLess(killed_at, 120, "killed too late to prove anything")
		# the killed process's lease would expire in lease.DEFAULT_TTL seconds; not waited for here
		frappe.cache.delete(lease.key(account.name))

		again = pull_account(account.name, batch_size=5)

		self.assertEqual(again["errors"], {})
		for message_id in ids:
			self.assertEqual(frappe.db.count("Communication", {"message_id": message_id}), 1, message_id)
		self.assertEqual(frappe.db.count(LEDGER, {"email_account": account.name}), 120)

	def test_turning_the_intake_off_hands_the_mailbox_to_frappes_pull_and_back(self):
		account = self.mailbox("handover")
		no_id = b"From: Old Client <old@client.test>\nSubject: handover without Message-ID\n\nbody\n"
		first = [self.new_message(f"Ours {n}") for n in range(3)]
		for raw, _message_id in first:
			self.drop(account, raw)
		self.drop(account, no_id)
		fresh()
		pull_account(account.name)
		self.assertEqual(len(communications(account)), 4)

		account.reload()
		account.crm_own_intake = 0
		account.save(ignore_permissions=True)
		later = [self.new_message(f"Frappe's {n}") for n in range(2)]
		for raw, _message_id in later:
			self.drop(account, raw)
		fresh()
		pull_from_email_account(account.name)  # Frappe's own scheduled pull, untouched
		self.assertEqual(len(communications(account)), 6, "lost or doubled by Frappe's pull after ours")

		account.reload()
		account.crm_own_intake = 1
		account.save(ignore_permissions=True)
		last_raw, last_id = self.new_message("Ours again")
		self.drop(account, last_raw)
		fresh()
		result = pull_account(account.name)

		self.assertEqual(result["taken"], 1)
		received = communications(account)
		self.assertEqual(len(received), 7, "lost or doubled by our pull after Frappe's")
		expected = [m for _raw, m in first + later] + [last_id]
		self.assertEqual(sorted(c.message_id for c in received if c.message_id), sorted(expected))

	def test_our_hooks_read_the_raw_message_received_through_the_intake(self):
		account = self.mailbox("headers")
		thread_id = f"<{uuid.uuid4().hex}@ourco.example>"
		raw, message_id = self.new_message(
			"Out of office",
			references=thread_id,
			headers={"Auto-Submitted": "auto-replied"},
		)
		self.drop(account, raw)
		fresh()
		pull_account(account.name)
		mail = frappe.get_doc("Communication", self.received(account, message_id))
		self.assertEqual(mail.crm_is_automated, 1)
		self.assertIn("Auto-Submitted", mail.crm_automated_signal)
		self.assertIn(thread_id.strip("<>"), mail.crm_thread_ids)

	def test_unread_only_mailbox_marks_mail_read_on_the_server_only_once_it_is_an_email(self):
		account = self.mailbox("unseen", email_sync_option="UNSEEN")
		new, new_id = self.new_message("Unread")
		read, read_id = self.new_message("Read in another client already")
		broken, broken_id = self.new_message("Fails to save")
		with account_session(account, "INBOX") as admin:
			admin.client.append("INBOX", new)
			admin.client.append("INBOX", read, flags=[imapclient.SEEN])
			admin.client.append("INBOX", broken)
		real_process = MailboxInboundMail.process

		def process(mail):
			if mail.message_id == broken_id:
				raise frappe.QueryDeadlockError("deadlock")
			return real_process(mail)

		with patch.object(MailboxInboundMail, "process", process):
			pull_account(account.name)

		self.assertTrue(self.received(account, new_id))
		self.assertFalse(self.received(account, read_id), "mail read on the server is left, as Frappe does")
		self.assertFalse(self.received(account, broken_id))
		with account_session(account, "INBOX") as admin:
			seen = set(admin.client.search(["SEEN"]))
			by_id = {
				data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split("<")[1].split(">")[0]: uid
				for uid, data in admin.client.fetch(
					admin.client.search(["ALL"]), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
				).items()
			}
		self.assertIn(by_id[new_id], seen, "the received email is marked read on the server")
		self.assertNotIn(by_id[broken_id], seen, "a message that is no email yet stays unread")

	def test_while_one_process_pulls_a_mailbox_another_pull_waits_its_turn(self):
		account = self.mailbox("lease")
		self.assertTrue(lease.acquire(account.name, "runner@elsewhere:1", ttl=30))
		try:
			busy = pull_account(account.name)
			self.assertEqual((busy["pulled"], busy["held_by"]), (False, "runner@elsewhere:1"))
			self.assertFalse(lease.acquire(account.name, "someone-else", ttl=30))
			self.assertFalse(lease.renew(account.name, "someone-else"))
			lease.release(account.name, "someone-else")  # not theirs to release
			self.assertEqual(lease.holder_of(account.name), "runner@elsewhere:1")
		finally:
			lease.release(account.name, "runner@elsewhere:1")
		self.assertIsNone(lease.holder_of(account.name))
		self.assertTrue(pull_account(account.name)["pulled"])
		self.assertIsNone(lease.holder_of(account.name), "a finished pull lets go of the mailbox")


class TestPullErrors(PullCase):
	def test_a_refused_password_is_recorded_in_words(self):
		account = self.mailbox("password")
		self.set_password(account, "changed-by-the-provider")
		result = pull_account(account.name)
		error = frappe.db.get_value(FOLDER, {"email_account": account.name}, "last_error")
		self.assertIn("refused the login", error)
		self.assertEqual(result["errors"], {"INBOX": error})
		self.assertNotIn("Traceback", error)
