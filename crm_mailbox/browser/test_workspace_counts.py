"""Browser: the workspace's work counts as a member sees them (issue 10, §2).

The four Number Cards show what the inbox's tabs list for that user, the chart of mail per day is
there, and a card opens the inbox on its tab. A user of no mailbox sees zeros.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.api import inbox
from crm_mailbox.browser.harness import Browser, require_browser, screenshot_path
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

MAILBOX = "CRM Mailbox Test Workspace Counts"
PASSWORD = "Counts-Test-Pa55word!"
CARDS = {
	"My Open Threads": "mine",
	"Overdue Threads": "overdue",
	"Unassigned Threads": "unassigned",
	"Waiting on Customer": "waiting_on_customer",
}


class TestWorkspaceCounts(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		cls.people = mt.People()
		for user in (cls.people.proc1, cls.people.outsider):
			update_password(user, PASSWORD)
		cls.clean_up()
		box = mt.team_mailbox(
			cls.people, name=MAILBOX, crm_owner_strategy="Fixed user", crm_fixed_owner=cls.people.proc1
		)
		mt.fresh_settings()
		for subject in ("Order 1", "Order 2"):
			raw = t.build_email(t.unique_address("buyer"), to=box.email_id, subject=subject)
			t.receive(box, raw)
		# the web server is another process
		frappe.db.commit()  # nosemgrep

	@classmethod
	def clean_up(cls):
		threads = frappe.get_all(ownership.THREAD, filters={"email_account": MAILBOX}, pluck="name")
		for mail in frappe.get_all("Communication", filters={"email_account": MAILBOX}, pluck="name"):
			frappe.delete_doc("Communication", mail, force=True, ignore_permissions=True)
		for thread in threads:
			if frappe.db.exists(ownership.THREAD, thread):
				frappe.delete_doc(ownership.THREAD, thread, force=True, ignore_permissions=True)
		# the web server (another process) sees committed data only
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		cls.clean_up()
		super().tearDownClass()

	def open_workspace(self, user: str) -> Browser:
		b = Browser(user, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		b.open("app/crm-mailbox")
		b.page.wait_for_selector(".number-widget-box .number")
		b.settle(1500)
		return b

	def cards(self, b: Browser) -> dict[str, str]:
		return b.page.evaluate(
			"""() => Object.fromEntries([...document.querySelectorAll('.number-widget-box')].map((w) => [
				w.querySelector('.widget-title').innerText.trim().toLowerCase(),
				w.querySelector('.number').innerText.trim(),
			]))"""
		)

	def expected(self, user: str) -> dict[str, str]:
		frappe.set_user(user)
		try:
			total = inbox.counts()["total"]
		finally:
			frappe.set_user("Administrator")
		return {label.lower(): str(total[key]) for label, key in CARDS.items()}

	def test_a_member_sees_the_counts_of_the_inbox_and_a_card_opens_its_tab(self):
		b = self.open_workspace(self.people.proc1)
		shown = self.cards(b)
		self.assertEqual(shown, self.expected(self.people.proc1))
		self.assertGreaterEqual(int(shown["my open threads"]), 2)
		self.assertEqual(
			b.page.locator(".widget.dashboard-widget-box .widget-title", has_text="Mail per Day").count(), 1
		)
		if path := screenshot_path("workspace-counts.png"):
			b.page.screenshot(path=path)

		b.page.evaluate(
			"""() => [...document.querySelectorAll('.number-widget-box')]
				.find((w) => w.querySelector('.widget-title').innerText.trim().toLowerCase() === 'unassigned threads')
				.querySelector('.widget-body').click()"""
		)
		b.page.wait_for_selector(".crm-inbox-tabs .btn-primary")
		b.settle()
		self.assertIn("/app/mailbox-inbox", b.page.url)
		self.assertEqual(b.page.get_attribute(".crm-inbox-tabs .btn-primary", "data-filter"), "unassigned")
		self.assertEqual(b.errors, [])

	def test_a_user_of_no_mailbox_counts_nothing(self):
		b = self.open_workspace(self.people.outsider)
		shown = self.cards(b)
		self.assertEqual(shown, self.expected(self.people.outsider))
		self.assertEqual(shown["my open threads"], "0")
