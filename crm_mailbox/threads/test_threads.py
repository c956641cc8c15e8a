"""Bench suite: one owner per thread, work status, overdue notifications and retention.

Emails go through Frappe's real receive path (crm_mailbox.testing.receive).
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.core.doctype.communication.email import make
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime

from crm_mailbox import testing as t
from crm_mailbox.api import threads as threads_api
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import overdue, ownership, retention


class TestThreads(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()
		cls.team = mt.team_mailbox(cls.people)
		cls.crm = mt.crm_mailbox(cls.people)
		cls.personal = mt.personal_mailbox(cls.people)
		mt.fresh_settings()

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()

	def receive(self, account=None, sender=None, **kwargs):
		account = account or self.team
		sender = sender or t.unique_address("customer")
		(mail,) = t.receive(account, t.build_email(sender, to=account.email_id, **kwargs))
		self.assertIsNotNone(mail, "the email was not saved")
		return mail

	def thread(self, mail) -> frappe._dict:
		name = ownership.thread_of(mail.name)
		self.assertTrue(name, "the email has no thread")
		return frappe.get_doc(ownership.THREAD, name)

	def open_todo_owners(self, thread: str) -> list[str]:
		return frappe.get_all(
			"ToDo",
			filters={"reference_type": ownership.THREAD, "reference_name": thread, "status": "Open"},
			pluck="allocated_to",
		)

	def test_two_processors_share_new_threads_in_turn(self):
		owners = [self.thread(self.receive()).thread_owner for _ in range(4)]
		self.assertEqual(set(owners), {self.people.proc1, self.people.proc2})
		self.assertNotEqual(owners[0], owners[1])
		self.assertEqual(owners[0], owners[2])
		self.assertEqual(owners[1], owners[3])

	def test_new_thread_is_assigned_to_me_and_shown_on_the_email(self):
		mail = self.receive(subject="Quote for 40 turbines")
		thread = self.thread(mail)
		self.assertEqual(thread.subject, "Quote for 40 turbines")
		self.assertEqual(thread.work_status, "New")
		self.assertEqual(self.open_todo_owners(thread.name), [thread.thread_owner])
		self.assertEqual(
			frappe.db.get_value("Communication", mail.name, "crm_thread_owner"), thread.thread_owner
		)
		# "Assigned to me" is ToDo's list of open assignments
		frappe.set_user(thread.thread_owner)
		mine = frappe.get_list(
			"ToDo", filters={"allocated_to": thread.thread_owner, "reference_name": thread.name}, pluck="name"
		)
		self.assertEqual(len(mine), 1)
		self.assertTrue(thread.due_at, "a new thread has a reply deadline")

	def test_a_new_thread_is_written_once_with_its_owner(self):
		"""Issue 9 §5 (cost per received email): the thread is made with its owner, not made and then
		saved again, and its owner still gets the ToDo and the round robin goes on."""
		from unittest.mock import patch

		from frappe.model.document import Document

		saved = []
		save = Document.save

		def counting_save(doc, *args, **kwargs):
			if doc.doctype == ownership.THREAD:
				saved.append(doc.name)
			return save(doc, *args, **kwargs)

		with patch.object(Document, "save", counting_save):
			first, second = self.thread(self.receive()), self.thread(self.receive())
		self.assertEqual(saved, [])
		self.assertEqual(self.open_todo_owners(first.name), [first.thread_owner])
		self.assertTrue(first.assigned_at)
		self.assertNotEqual(first.thread_owner, second.thread_owner)

	def test_reply_joins_the_thread_and_keeps_the_owner(self):
		first = self.receive(message_id="<first-" + frappe.generate_hash(length=8) + "@customer.example>")
		thread = self.thread(first)
		reply = self.receive(
			sender=first.sender,
			subject="Re: Hello",
			in_reply_to=f"<{first.message_id}>",
			references=f"<{first.message_id}>",
		)
		self.assertEqual(self.thread(reply).name, thread.name)
		after = self.thread(reply)
		self.assertEqual(after.thread_owner, thread.thread_owner)
		self.assertEqual(after.message_count, 2)
		self.assertEqual(after.work_status, "Waiting on us")
		self.assertEqual(self.open_todo_owners(thread.name), [thread.thread_owner])

	def test_reply_from_desk_waits_on_customer_and_customer_answer_waits_on_us(self):
		first = self.receive()
		thread = self.thread(first)
		sent = make(
			doctype="Communication",
			name=first.name,
			content="Here is your quote.",
			subject="Re: Hello",
			recipients=first.sender,
			sent_or_received="Sent",
			send_email=False,
		)
		self.assertEqual(ownership.thread_of(sent["name"]), thread.name)
		thread.reload()
		self.assertEqual(thread.work_status, "Waiting on customer")
		self.assertFalse(thread.due_at)

		sent_message_id = frappe.db.get_value("Communication", sent["name"], "message_id")
		answer = self.receive(sender=first.sender, subject="Re: Hello", in_reply_to=f"<{sent_message_id}>")
		self.assertEqual(ownership.thread_of(answer.name), thread.name)
		thread.reload()
		self.assertEqual(thread.work_status, "Waiting on us")
		self.assertTrue(thread.due_at)

	def test_reassigning_moves_the_thread(self):
		thread = self.thread(self.receive())
		other = self.people.proc2 if thread.thread_owner == self.people.proc1 else self.people.proc1
		ownership.assign_thread(thread.name, other, "holiday cover")
		thread.reload()
		self.assertEqual(thread.thread_owner, other)
		self.assertEqual(self.open_todo_owners(thread.name), [other])
		self.assertEqual(
			set(
				frappe.get_all("Communication", filters={"crm_thread": thread.name}, pluck="crm_thread_owner")
			),
			{other},
		)

	def test_a_reader_may_not_own_threads(self):
		thread = self.thread(self.receive())
		frappe.set_user(thread.thread_owner)
		with self.assertRaises(ownership.ThreadOwnerError):
			threads_api.assign(thread.name, self.people.reader)

	def test_owner_marks_done_and_a_new_email_reopens(self):
		first = self.receive()
		thread = self.thread(first)
		frappe.set_user(thread.thread_owner)
		threads_api.set_status(thread.name, "Done")
		frappe.set_user("Administrator")
		thread.reload()
		self.assertEqual(thread.work_status, "Done")
		self.assertEqual(self.open_todo_owners(thread.name), [])

		self.receive(sender=first.sender, in_reply_to=f"<{first.message_id}>")
		thread.reload()
		self.assertEqual(thread.work_status, "Waiting on us")
		self.assertEqual(self.open_todo_owners(thread.name), [thread.thread_owner])

	def test_a_reader_cannot_change_the_status(self):
		thread = self.thread(self.receive())
		frappe.set_user(self.people.reader)
		with self.assertRaises(frappe.PermissionError):
			threads_api.set_status(thread.name, "Done")

	def test_unknown_status_is_refused(self):
		thread = self.thread(self.receive())
		with self.assertRaises(ownership.WorkStatusError):
			ownership.set_work_status(thread.name, "Maybe later")

	def test_crm_mailbox_keeps_unknown_senders_out_of_the_team_list(self):
		unknown = self.thread(self.receive(self.crm))
		self.assertEqual(unknown.in_team_list, 0)
		address = t.unique_address("lead")
		t.make_lead(address)
		known = self.thread(self.receive(self.crm, sender=address))
		self.assertEqual(known.in_team_list, 1)
		shared_unknown = self.thread(self.receive(self.team))
		self.assertEqual(shared_unknown.in_team_list, 1)

	def test_a_colleague_in_cc_does_not_make_an_unknown_sender_known(self):
		colleague = t.unique_address("colleague", "ourco.example")
		t.make_contact(colleague)  # Frappe links every participant's contact to the email
		mail = self.receive(self.crm, headers={"Cc": colleague})
		self.assertEqual(self.thread(mail).in_team_list, 0)

	def test_personal_mailbox_mail_has_no_thread(self):
		mail = self.receive(self.personal)
		self.assertIsNone(ownership.thread_of(mail.name))

	def test_internal_note_is_a_comment_not_an_email(self):
		mail = self.receive()
		queued = frappe.db.count("Email Queue")
		frappe.set_user(self.thread(mail).thread_owner)
		name = threads_api.add_note(mail.name, "Price agreed by phone, <b>no</b> discount")
		frappe.set_user("Administrator")
		comment = frappe.get_doc("Comment", name)
		self.assertEqual((comment.reference_doctype, comment.reference_name), ("Communication", mail.name))
		self.assertIn("Price agreed by phone", comment.content)
		self.assertNotIn("<b>", comment.content)
		self.assertEqual(frappe.db.count("Email Queue"), queued)

	def test_overdue_notifies_owner_once_then_warned_users_once(self):
		t.make_email_account(
			email_id="crm-mailbox-test-outgoing@ourco.example",
			name="CRM Mailbox Test Outgoing",
			enable_incoming=0,
			enable_outgoing=1,
			default_outgoing=1,
			smtp_server="smtp.ourco.example",
			smtp_port=587,
			use_tls=1,
		)
		thread = self.thread(self.receive(subject="Urgent: broken blade"))
		past = now_datetime() - timedelta(hours=1)
		frappe.db.set_value(
			ownership.THREAD, thread.name, {"due_at": past, "escalate_at": past + timedelta(days=9)}
		)

		def notified(user):
			return frappe.db.count(
				"Notification Log",
				{
					"for_user": user,
					"type": "Alert",
					"document_type": ownership.THREAD,
					"document_name": thread.name,
				},
			)

		def emails_to(user):
			return frappe.db.count(
				"Email Queue Recipient",
				{
					"recipient": user,
					"parent": (
						"in",
						frappe.get_all("Email Queue", {"reference_name": thread.name}, pluck="name"),
					),
				},
			)

		overdue.check_mailbox(self.team.name)
		overdue.check_mailbox(self.team.name)
		self.assertEqual(notified(thread.thread_owner), 1)
		self.assertEqual(emails_to(thread.thread_owner), 1)
		self.assertEqual(notified(self.people.reader), 0)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread.name, "is_overdue"), 1)
		self.assertIn(self.team.name, threads_api.overdue_counts())

		frappe.db.set_value(ownership.THREAD, thread.name, "escalate_at", past)
		overdue.check_mailbox(self.team.name)
		overdue.check_mailbox(self.team.name)
		self.assertEqual(notified(self.people.reader), 1)
		self.assertEqual(emails_to(self.people.reader), 1)
		self.assertEqual(notified(thread.thread_owner), 1)

	def test_answered_thread_is_not_overdue(self):
		first = self.receive()
		thread = self.thread(first)
		frappe.db.set_value(ownership.THREAD, thread.name, "due_at", now_datetime() - timedelta(hours=1))
		make(
			doctype="Communication",
			name=first.name,
			content="Answered.",
			subject="Re: Hello",
			recipients=first.sender,
			sent_or_received="Sent",
			send_email=False,
		)
		overdue.check_mailbox(self.team.name)
		self.assertEqual(
			frappe.db.count("Notification Log", {"document_name": thread.name, "type": "Alert"}), 0
		)

	def test_retention_takes_old_processed_threads_out_of_the_list_and_deletes_nothing(self):
		old = self.thread(self.receive())
		recent = self.thread(self.receive())
		for name in (old.name, recent.name):
			ownership.set_work_status(name, "Done")
		frappe.db.set_value(ownership.THREAD, old.name, "status_changed_at", add_days(now_datetime(), -31))
		touched = retention.apply_retention(self.team.name, 30)
		self.assertGreaterEqual(touched, 1)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, old.name, "in_team_list"), 0)
		self.assertEqual(frappe.db.get_value(ownership.THREAD, recent.name, "in_team_list"), 1)
		self.assertTrue(frappe.db.exists("Communication", old.first_communication))

	def test_pick_owner_strategies(self):
		p = self.people
		self.assertEqual(ownership.pick_owner(self.team.name, [p.proc2], "Round robin"), p.proc2)
		self.assertIn(ownership.pick_owner(self.team.name, strategy="Least open threads"), {p.proc1, p.proc2})
		self.assertIsNone(ownership.pick_owner(self.personal.name, strategy="Fixed user"))
		self.assertEqual(ownership.pick_owner(self.personal.name, strategy="Mailbox owner"), p.me)
		self.assertIsNone(ownership.pick_owner(self.team.name, ["nobody@nowhere.example"]))
