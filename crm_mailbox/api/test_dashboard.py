"""Bench suite: the work counts on every channel (inbox page, Number Cards, the chart), as real members.

The counts must be what the queue lists, for each user: a non-member of the mailbox counts nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, now_datetime, nowdate

from crm_mailbox import testing as t
from crm_mailbox.api import dashboard, inbox
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

MAILBOX = "CRM Mailbox Test Counts"
KEYS = ("mine", "overdue", "unassigned", "waiting_on_customer")
CARDS = {
	"mine": dashboard.my_open_threads,
	"overdue": dashboard.overdue_threads,
	"unassigned": dashboard.unassigned_threads,
	"waiting_on_customer": dashboard.waiting_on_customer,
}


class TestWorkCounts(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		# a member of no mailbox here (Frappe throttles making many users an hour: reuse the cast)
		cls.stranger = cls.people.outsider
		cls.clean_up()
		cls.box = mt.team_mailbox(
			cls.people,
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=cls.people.proc1,
		)
		mt.fresh_settings()
		cls.threads = cls.seed()

	@classmethod
	def clean_up(cls):
		"""Threads of this suite's mailbox from earlier runs (Frappe's receive commits each email)."""
		threads = frappe.get_all(ownership.THREAD, filters={"email_account": MAILBOX}, pluck="name")
		for mail in frappe.get_all("Communication", filters={"email_account": MAILBOX}, pluck="name"):
			frappe.delete_doc("Communication", mail, force=True, ignore_permissions=True)
		for thread in threads:
			if frappe.db.exists(ownership.THREAD, thread):
				frappe.delete_doc(ownership.THREAD, thread, force=True, ignore_permissions=True)
		# Frappe's receive commits; the next run must start from an empty mailbox
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.clean_up()
		super().tearDownClass()

	@classmethod
	def seed(cls) -> dict[str, str]:
		"""One thread of each kind the counts tell apart."""
		made = {}
		for kind in ("mine", "late", "unassigned", "answered", "done", "other_owner"):
			raw = t.build_email(t.unique_address("customer"), to=cls.box.email_id, subject=f"Counts {kind}")
			(mail,) = t.receive(cls.box, raw)
			made[kind] = ownership.thread_of(mail.name)
		yesterday = datetime.combine(add_days(getdate(nowdate()), -1), time(10, 0))
		frappe.db.set_value(ownership.THREAD, made["late"], "due_at", yesterday)
		frappe.db.set_value(ownership.THREAD, made["unassigned"], "thread_owner", None)
		frappe.db.set_value(ownership.THREAD, made["other_owner"], "thread_owner", cls.people.proc2)
		ownership.set_work_status(made["answered"], ownership.WAITING_ON_CUSTOMER)
		ownership.set_work_status(made["done"], ownership.DONE)
		return made

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def queue_length(self, key: str, mailbox: str | None = MAILBOX) -> int:
		return len(inbox.queue(filter=key, mailbox=mailbox, page_length=100)["threads"])

	def test_page_counts_and_cards_match_the_queue_for_members_and_system_managers(self):
		for user in (self.people.proc1, self.people.proc2, self.people.reader, self.people.sysman):
			frappe.set_user(user)
			expected = {key: self.queue_length(key) for key in KEYS}
			self.assertEqual(inbox.counts(mailbox=MAILBOX)["total"], expected, user)
			for key, card in CARDS.items():
				answer = card({"mailbox": MAILBOX})
				self.assertEqual(answer["value"], expected[key], f"{user}: card {key}")
				self.assertEqual(answer["route"], ["mailbox-inbox"])
				self.assertEqual(answer["route_options"], {"filter": key, "mailbox": MAILBOX})
		frappe.set_user(self.people.proc1)
		self.assertEqual(
			inbox.counts(mailbox=MAILBOX)["total"],
			{"mine": 2, "overdue": 1, "unassigned": 1, "waiting_on_customer": 1},
		)

	def test_a_non_member_counts_nothing_on_any_channel(self):
		frappe.set_user(self.stranger)
		self.assertNotIn(MAILBOX, inbox.counts()["mailboxes"])
		self.assertRaises(frappe.PermissionError, inbox.counts, MAILBOX)
		for key, card in CARDS.items():
			self.assertEqual(card({"mailbox": MAILBOX})["value"], 0, f"card {key}")
			# Frappe's own filter rows, as a card's "Set Filters" stores them
			self.assertEqual(card([["Mailbox Thread", "mailbox", "=", MAILBOX, False]])["value"], 0, key)
		chart = dashboard.mail_per_day(filters={"mailbox": MAILBOX}, timespan="Last Week")
		self.assertEqual({sum(d["values"]) for d in chart["datasets"]}, {0})

	def test_cards_total_over_the_users_mailboxes(self):
		frappe.set_user(self.people.proc1)
		total = inbox.counts()["total"]
		for key, card in CARDS.items():
			self.assertEqual(card(None)["value"], total[key], key)
			self.assertGreaterEqual(card("{}")["value"], 1 if key != "waiting_on_customer" else 0)

	def test_chart_counts_received_replied_and_overdue_per_day(self):
		frappe.set_user(self.people.reader)
		chart = dashboard.mail_per_day(filters={"mailbox": MAILBOX}, timespan="Last Week")
		self.assertEqual(len(chart["labels"]), 7)
		received, replied, overdue = (d["values"] for d in chart["datasets"])
		self.assertEqual(received[-1], 6, "today: the six emails of the suite")
		self.assertEqual(replied[-1], 0)
		self.assertEqual(overdue[-2], 1, "yesterday: the thread whose deadline passed")
		self.assertEqual(sum(overdue), 1)

		frappe.set_user("Administrator")
		(mail,) = frappe.get_all(
			"Communication", filters={"crm_thread": self.threads["answered"]}, pluck="name", limit=1
		)
		reply = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"email_account": MAILBOX,
				"subject": "Re: Counts answered",
				"content": "Here you are",
				"recipients": "customer@example.com",
				"in_reply_to": mail,
				"communication_date": now_datetime(),
			}
		).insert(ignore_permissions=True)
		self.addCleanup(frappe.delete_doc, "Communication", reply.name, force=True, ignore_permissions=True)
		frappe.set_user(self.people.reader)
		chart = dashboard.mail_per_day(filters={"mailbox": MAILBOX}, timespan="Last Week")
		self.assertEqual(chart["datasets"][1]["values"][-1], 1)

	def test_counts_take_two_queries_however_many_mailboxes(self):
		queries: list[str] = []
		real_sql = frappe.db.sql

		def recording(query, *args, **kwargs):
			queries.append(str(query))
			return real_sql(query, *args, **kwargs)

		frappe.set_user(self.people.sysman)
		with patch.object(frappe.db, "sql", side_effect=recording):
			inbox.counts()
		on_threads = [q for q in queries if "from `tabMailbox Thread`" in q and "count(" in q]
		self.assertEqual(len(on_threads), 2, on_threads)
		self.assertTrue(all("group by" in q for q in on_threads))

	def test_overdue_counts_only_deadlines_passed(self):
		due = frappe.db.get_value(ownership.THREAD, self.threads["mine"], "due_at")
		self.addCleanup(frappe.db.set_value, ownership.THREAD, self.threads["mine"], "due_at", due)
		frappe.set_user(self.people.proc1)
		before = inbox.counts(mailbox=MAILBOX)["total"]["overdue"]
		frappe.set_user("Administrator")
		frappe.db.set_value(
			ownership.THREAD, self.threads["mine"], "due_at", now_datetime() + timedelta(hours=2)
		)
		frappe.set_user(self.people.proc1)
		self.assertEqual(inbox.counts(mailbox=MAILBOX)["total"]["overdue"], before)
		frappe.set_user("Administrator")
		frappe.db.set_value(
			ownership.THREAD, self.threads["mine"], "due_at", now_datetime() - timedelta(minutes=1)
		)
		frappe.set_user(self.people.proc1)
		self.assertEqual(inbox.counts(mailbox=MAILBOX)["total"]["overdue"], before + 1)
		self.assertEqual(self.queue_length("overdue"), before + 1)
