"""A desk reply to a received email is queued with In-Reply-To and References (Frappe's own composer call)."""

from __future__ import annotations

import email
import email.utils

import frappe
from frappe.core.doctype.communication.email import make
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt

MAILBOX = "CRM Mailbox Test Outgoing"


class TestReplyHeaders(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		# a team mailbox: its mail keeps the ids it answers (References) on receipt
		self.box = mt.team_mailbox(
			mt.People(),
			name=MAILBOX,
			enable_outgoing=1,
			smtp_server="127.0.0.1",
			smtp_port=2525,
			use_tls=0,
		)

	def queued_reply(self, **reply) -> email.message.Message:
		result = make(
			content="<p>It ships on Friday.</p>",
			subject="Re: order 4711",
			sender=self.box.email_id,
			recipients="buyer@acme.example",
			send_email=1,
			**reply,
		)
		text = frappe.db.get_value("Email Queue", {"communication": result["name"]}, "message")
		self.assertIsNotNone(text, "the reply was not queued")
		return email.message_from_string(text)

	def test_a_reply_to_a_received_email_keeps_the_thread(self):
		first = email.utils.make_msgid(domain="acme.example")
		asked = email.utils.make_msgid(domain="acme.example")
		raw = t.build_email(
			t.unique_address("buyer"),
			to=self.box.email_id,
			message_id=asked,
			in_reply_to=first,
			references=first,
		)
		(mail,) = t.receive(self.box, raw)
		sent = self.queued_reply(doctype="Communication", name=mail.name)
		self.assertEqual(sent["In-Reply-To"], asked)
		self.assertEqual(sent["References"].split(), [first, asked])
		self.assertIn("It ships on Friday.", sent.as_string())

	def test_a_new_email_from_the_desk_gets_no_threading_headers(self):
		customer = t.make_customer()
		sent = self.queued_reply(doctype="Customer", name=customer.name)
		self.assertIsNone(sent["In-Reply-To"])
		self.assertIsNone(sent["References"])
