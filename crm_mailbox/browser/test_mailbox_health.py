"""Browser: Mailbox Health (issue 9, section 3) on the workspace's page and on the Email Account form.

The mailbox's owner (Inbox User only) sees their mailbox's health on the page; a plain member sees none;
a System Manager sees the section on the form. The server's words in the last error stay text.
"""

from __future__ import annotations

import frappe
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.intake import schedule
from crm_mailbox.intake.dovecot_case import DovecotIntakeCase, fresh

PASSWORD = "Health-Test-Pa55word!"
OWNER = "crm-mbx-health-owner@ourco.example"
MEMBER = "crm-mbx-health-member@ourco.example"
SYSMAN = "crm-mbx-health-sysman@ourco.example"
HOSTILE_ERROR = 'login: <img src=x onerror="window.__xss=(window.__xss||0)+1"><b id=injected>denied</b>'


class TestMailboxHealthPage(DovecotIntakeCase):
	@classmethod
	def setUpClass(cls):
		require_browser()
		super().setUpClass()
		frappe.set_user("Administrator")
		t.make_user(OWNER, ("Inbox User",))
		t.make_user(MEMBER, ("Inbox User", "Sales User"))
		t.make_user(SYSMAN, ("System Manager",))
		for user in (OWNER, MEMBER, SYSMAN):
			update_password(user, PASSWORD)
		fresh()

	def setUp(self):
		self.account = self.mailbox("health-page", owner=OWNER)
		self.deliver(self.account)
		schedule.pull_without_process(self.account.name)
		# what a server said, as hostile as it gets (the form and the page show it as text)
		frappe.db.set_value(
			"Mailbox Intake Folder",
			{"email_account": self.account.name},
			{"last_error": HOSTILE_ERROR, "error_since": frappe.utils.now_datetime()},
		)
		fresh()  # the web server is another process

	def browser(self, user: str, route: str) -> Browser:
		b = Browser(user, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		b.open(route)
		return b

	def assert_inert(self, b: Browser) -> None:
		found = b.injected()
		self.assertEqual((found["xss"], found["injected"], found["images"]), (0, 0, 0), found)
		self.assertEqual(b.errors, [])

	def test_the_owner_sees_their_mailbox_on_the_page(self):
		b = self.browser(OWNER, "app/mailbox-health")
		table = b.page.locator(".mailbox-health table")
		self.assertIn(self.account.name, table.inner_text())
		self.assertIn("<b id=injected>denied</b>", table.inner_text())
		self.assert_inert(b)

	def test_a_plain_member_sees_no_mailbox(self):
		b = self.browser(MEMBER, "app/mailbox-health")
		self.assertIn("No mailbox of yours receives mail.", b.page.locator(".mailbox-health").inner_text())
		self.assertNotIn(self.account.name, b.page.locator(".mailbox-health").inner_text())
		self.assertEqual(b.dialogs, [])

	def test_a_system_manager_sees_the_section_on_the_form(self):
		b = self.browser(SYSMAN, f"app/email-account/{self.account.name}")
		section = b.page.locator(".form-dashboard-section", has_text="Mailbox Health")
		section.wait_for()
		self.assertIn("Taken Today", section.inner_text())
		self.assertIn("<b id=injected>denied</b>", section.inner_text())
		self.assert_inert(b)
