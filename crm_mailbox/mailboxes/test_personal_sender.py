"""Bench suite: a connected Personal mailbox sends only for its owner.

Frappe sends a new email through whichever outgoing Email Account has the sender's address and never
asks whose it is. Once a member connects their own mailbox (outgoing on), a colleague could otherwise
write to a customer from the member's address, with the member's password, through Frappe's composer
endpoint. Users hold only a member's roles.
"""

from __future__ import annotations

import frappe
from frappe.core.doctype.communication.email import make
from frappe.tests.utils import FrappeTestCase

from crm_mailbox.api import own_mailbox as api
from crm_mailbox.mailboxes import settings
from crm_mailbox.mailboxes import testing as mt

MEMBER_ROLES = ("Inbox User", "Sales User")
ADDRESS = "crm-sender-alice@sender-mail.example"


def queued_from(address: str) -> int:
	return frappe.db.count("Email Queue", {"sender": ("like", f"%{address}%")})


class TestPersonalSender(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.alice = mt.make_user("crm-sender-alice@ourco.example", MEMBER_ROLES)
		cls.bob = mt.make_user("crm-sender-bob@ourco.example", MEMBER_ROLES)
		for name in frappe.get_all("Email Account", filters={"email_id": ADDRESS}, pluck="name"):
			frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
		settings.clear_cache()
		frappe.set_user(cls.alice)
		cls.account = api.save_mailbox(
			{
				"email_id": ADDRESS,
				"password": "Alice-app-pa55word",
				"email_server": "imap.sender-mail.example",
				"smtp_server": "smtp.sender-mail.example",
			},
			connect=1,
		)["name"]
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def write(self, user: str, sender: str) -> dict:
		frappe.set_user(user)
		return make(
			recipients="buyer@customer-sender.example",
			subject="Our price for you",
			content="Please pay to this new bank account.",
			sender=sender,
			send_email=1,
		)

	def test_the_owner_sends_from_their_own_mailbox(self):
		self.assertEqual(frappe.db.get_value("Email Account", self.account, "enable_outgoing"), 1)
		before = queued_from(ADDRESS)
		self.write(self.alice, f"Alice <{ADDRESS}>")
		self.assertEqual(queued_from(ADDRESS), before + 1)

	def test_a_colleague_cannot_send_from_it(self):
		before = queued_from(ADDRESS)
		for sender in (ADDRESS, f"Alice <{ADDRESS}>", ADDRESS.upper()):
			with self.subTest(sender=sender):
				self.assertRaises(frappe.PermissionError, self.write, self.bob, sender)
		self.assertEqual(queued_from(ADDRESS), before)
		self.assertFalse(
			frappe.db.exists("Communication", {"sender": ("like", f"%{ADDRESS}%"), "owner": self.bob})
		)
		# Bob still writes from his own address, as before
		self.write(self.bob, "crm-sender-bob@ourco.example")
