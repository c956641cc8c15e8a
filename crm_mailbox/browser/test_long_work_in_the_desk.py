"""Browser: bulk linking from the "Link to..." dialog goes through long work's client (crm_mailbox.run_long,
loaded on every desk page) and tells the member what it did."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.mailboxes import testing as mt

MEMBER = "crm-mbx-bulk-member@ourco.example"
PASSWORD = "Bulk-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test Bulk"


class TestLongWorkInTheDesk(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		mt.make_user(MEMBER, ("Inbox User", "Sales User"))
		update_password(MEMBER, PASSWORD)
		box = mt.team_mailbox(mt.People(), name=MAILBOX, crm_members=[{"user": MEMBER, "access": "Process"}])
		mt.fresh_settings()
		cls.mails = [
			mail.name
			for mail in t.receive(
				box,
				*(
					t.build_email(t.unique_address(f"bulk{i}"), to=box.email_id, subject=f"Bulk {i}")
					for i in range(3)
				),
			)
		]
		cls.customer = t.make_customer().name
		# the web server is another process
		frappe.db.commit()  # nosemgrep
		cls.browser = Browser(MEMBER, PASSWORD)

	@classmethod
	def tearDownClass(cls):
		cls.browser.close()
		super().tearDownClass()

	def test_linking_several_emails_from_the_link_dialog_says_what_it_did(self):
		b = self.browser
		b.open("app/communication")
		b.page.evaluate(
			"""([mails, customer]) => {
				const dialog = crm_mailbox.link_emails(mails);
				return dialog.set_values({ link_doctype: "Customer", link_name: customer });
			}""",
			[self.mails, self.customer],
		)
		b.page.locator(".modal.show .btn-primary").first.click()
		b.page.get_by_text("3 emails linked, 0 refused (no permission).").wait_for()
		self.assertEqual(b.errors, [])
		for name in self.mails:
			self.assertEqual(t.links_of(frappe._dict(name=name)).get(("Customer", self.customer)), "Manual")
