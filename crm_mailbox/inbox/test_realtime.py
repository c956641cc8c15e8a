"""Bench suite: who hears of a mailbox's changes, and the "is replying" notice, as real members.

Events are recorded where Frappe hands them to Redis (after the commit), with the room they go to.
"""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe.realtime import get_user_room
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import inbox
from crm_mailbox.inbox import realtime, replying
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

MAILBOX = "CRM Mailbox Test Realtime"


class TestRealtime(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		# a member of no mailbox here (Frappe throttles making many users an hour: reuse the cast)
		cls.stranger = cls.people.outsider
		cls.clean_up()
		cls.box = mt.team_mailbox(
			cls.people, name=MAILBOX, crm_owner_strategy="Fixed user", crm_fixed_owner=cls.people.proc1
		)
		mt.fresh_settings()
		raw = t.build_email(t.unique_address("customer"), to=cls.box.email_id, subject="Realtime")
		(mail,) = t.receive(cls.box, raw)
		cls.thread = ownership.thread_of(mail.name)

	@classmethod
	def clean_up(cls):
		"""Threads of this suite's mailbox from earlier runs (Frappe's receive commits each email)."""
		threads = frappe.get_all(ownership.THREAD, filters={"email_account": MAILBOX}, pluck="name")
		for mail in frappe.get_all("Communication", filters={"email_account": MAILBOX}, pluck="name"):
			frappe.delete_doc("Communication", mail, force=True, ignore_permissions=True)
		for thread in threads:
			if frappe.db.exists(ownership.THREAD, thread):
				frappe.cache.delete_value(replying.cache_key(thread))
				frappe.delete_doc(ownership.THREAD, thread, force=True, ignore_permissions=True)
		# Frappe's receive commits; the next run must start from an empty mailbox
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.clean_up()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()
		frappe.cache.delete_value(replying.cache_key(self.thread))
		self.sent: list[tuple] = []
		# what would go to redis (and on to the browsers), recorded after the commit
		recorder = patch("frappe.realtime.emit_via_redis", side_effect=lambda *a: self.sent.append(a))
		recorder.start()
		self.addCleanup(recorder.stop)

	def tearDown(self):
		frappe.set_user("Administrator")

	def rooms(self, event: str) -> set[str]:
		return {room for name, _message, room in self.sent if name == event}

	def messages(self, event: str) -> list[dict]:
		return [message for name, message, _room in self.sent if name == event]

	def commit(self):
		# the realtime queue sends after the commit, as a web request's would
		frappe.db.commit()  # nosemgrep

	def test_system_managers_hear_of_every_mailbox(self):
		ownership.set_work_status(self.thread, ownership.WAITING_ON_CUSTOMER)
		self.commit()
		rooms = self.rooms(realtime.EVENT)
		self.assertIn(get_user_room(self.people.sysman), rooms, "a System Manager was not told")
		self.assertIn(get_user_room("Administrator"), rooms)
		self.assertIn(get_user_room(self.people.proc2), rooms)
		self.assertNotIn(get_user_room(self.stranger), rooms)
		self.assertTrue(all(room.startswith("user:") for room in rooms), "an event left the user rooms")

	def test_a_colleague_replying_is_told_to_the_threads_other_readers_only(self):
		frappe.set_user(self.people.proc1)
		inbox.replying(self.thread, active=1)
		self.commit()
		rooms = self.rooms(replying.EVENT)
		for user in (self.people.proc2, self.people.reader, self.people.sysman):
			self.assertIn(get_user_room(user), rooms, user)
		self.assertNotIn(get_user_room(self.people.proc1), rooms, "told the replier about themself")
		self.assertNotIn(get_user_room(self.stranger), rooms, "told a non-member")
		(message, *_rest) = self.messages(replying.EVENT)
		self.assertEqual(message["thread"], self.thread)
		self.assertEqual(message["user"], self.people.proc1)
		self.assertTrue(message["active"])

		# a reader opening the thread later sees the notice too; the replier does not see themself
		frappe.set_user(self.people.proc2)
		self.assertEqual(
			[r["user"] for r in inbox.conversation(self.thread)["replying"]], [self.people.proc1]
		)
		frappe.set_user(self.people.proc1)
		self.assertEqual(inbox.conversation(self.thread)["replying"], [])

		# closing the composer ends the notice
		self.sent.clear()
		inbox.replying(self.thread, active=0)
		self.commit()
		self.assertFalse(self.messages(replying.EVENT)[0]["active"])
		frappe.set_user(self.people.proc2)
		self.assertEqual(inbox.conversation(self.thread)["replying"], [])

	def test_a_forgotten_composer_lapses(self):
		frappe.set_user(self.people.proc1)
		inbox.replying(self.thread, active=1)
		frappe.set_user(self.people.proc2)
		later = replying.time.time() + replying.LAPSES_AFTER + 1
		with patch.object(replying.time, "time", return_value=later):
			self.assertEqual(inbox.conversation(self.thread)["replying"], [])

	def test_a_non_member_can_neither_announce_nor_see_who_replies(self):
		frappe.set_user(self.people.proc1)
		inbox.replying(self.thread, active=1)
		self.commit()
		self.sent.clear()
		frappe.set_user(self.stranger)
		self.assertRaises(frappe.PermissionError, inbox.replying, self.thread, 1)
		self.assertRaises(frappe.PermissionError, inbox.conversation, self.thread)
		self.commit()
		self.assertEqual(self.messages(replying.EVENT), [])
		frappe.set_user(self.people.proc2)
		self.assertEqual(
			[r["user"] for r in inbox.conversation(self.thread)["replying"]], [self.people.proc1]
		)
