"""Browser: the inbox page as a member with only a member's roles, on hostile mail from Frappe's real intake.

The member opens the inbox, sees the thread in Mine, reads the conversation (no script ran, no email text
became markup, bodies sit in frames that cannot run scripts), marks it Done and sees it leave Mine. A reader
is not offered Reassign or Done; a user of no mailbox sees no thread.
With CRM_MAILBOX_SCREENSHOTS=1 the test also saves docs/screenshots/inbox-hostile.png.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser, screenshot_path
from crm_mailbox.mailboxes import testing as mt

# harmless markup: an image whose onerror counts in window.__xss, and a bold tag with id "injected"
HOSTILE = t.HOSTILE
BODY = (
	"<p>Hello, <script>window.__xss=(window.__xss||0)+1</script>"
	'<img src=y onerror="window.__xss=(window.__xss||0)+1">'
	'<svg onload="window.__xss=(window.__xss||0)+1"></svg>'
	'<form action="https://evil.example/"><input name=pw></form>'
	'<img src="https://tracker.example/pixel.gif"> please quote.</p>'
	"<p>On Monday, Bob wrote:</p><blockquote>an earlier question</blockquote>"
)
# how the subject's bold tag reads once stored as inert text
INERT_MARKUP = "\u2039b id=injected>bold\u2039/b>"
MEMBER = "crm-mbx-inbox-member@ourco.example"
READER = "crm-mbx-inbox-reader@ourco.example"
STRANGER = "crm-mbx-inbox-nobody@ourco.example"
PASSWORD = "Inbox-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test Inbox Page"
PAGE = "app/mailbox-inbox"


class TestInboxPage(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		cls.clean_up()
		cls.seed()
		# the web server is another process
		frappe.db.commit()  # nosemgrep

	@classmethod
	def seed(cls):
		for user in (MEMBER, READER, STRANGER):
			mt.make_user(user, ("Inbox User", "Sales User"))
			update_password(user, PASSWORD)
		box = mt.team_mailbox(
			mt.People(),
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=MEMBER,
			crm_members=[{"user": MEMBER, "access": "Process"}, {"user": READER, "access": "Read"}],
		)
		# no Email Inbox rows by hand: the app gives every member theirs
		mt.fresh_settings()
		sender = t.unique_address("eve", t.random_domain())
		(mail,) = t.receive(
			box,
			t.hostile_email(
				sender, box.email_id, f"Inbox {HOSTILE} & terms", attachment=b"price list", html=BODY
			),
		)
		(calm,) = t.receive(box, t.build_email(t.unique_address("carol"), to=box.email_id, subject="Calm"))
		cls.mail = mail.name
		cls.thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		cls.calm_thread = frappe.db.get_value("Communication", calm.name, "crm_thread")

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.clean_up()
		super().tearDownClass()

	@classmethod
	def clean_up(cls):
		"""The mail of this test's mailbox, from this run or an interrupted one."""
		frappe.db.rollback()
		threads = frappe.get_all("Mailbox Thread", filters={"email_account": MAILBOX}, pluck="name")
		for mail in frappe.get_all("Communication", filters={"email_account": MAILBOX}, pluck="name"):
			frappe.delete_doc("Communication", mail, force=True, ignore_permissions=True)
		for thread in threads:
			if frappe.db.exists("Mailbox Thread", thread):
				frappe.delete_doc("Mailbox Thread", thread, force=True, ignore_permissions=True)
		frappe.db.delete("ToDo", {"allocated_to": ("in", (MEMBER, READER))})
		# the web server (another process) and the realtime queue see committed data only
		frappe.db.commit()  # nosemgrep

	def browser(self, user: str) -> Browser:
		# one Playwright per thread at a time: each test closes its browser
		b = Browser(user, PASSWORD)
		self.addCleanup(b.close)
		return b

	def rows(self, b: Browser) -> list[str]:
		return b.page.evaluate(
			"() => [...document.querySelectorAll('.crm-inbox-row')].map((el) => el.dataset.name)"
		)

	def open_inbox(self, b: Browser) -> None:
		b.open(PAGE)
		b.page.wait_for_selector(".crm-inbox-row, .crm-inbox-empty")
		b.settle()

	def test_member_works_a_hostile_thread_from_the_inbox(self):
		b = self.browser(MEMBER)
		self.open_inbox(b)
		self.assertIn(self.thread, self.rows(b), "the member's new thread is not in Mine")
		row_text = b.page.inner_text(f'.crm-inbox-row[data-name="{self.thread}"]')
		self.assertIn(INERT_MARKUP, row_text, "the subject is not shown as text")

		b.page.click(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.wait_for_selector(f'.crm-inbox-message[data-name="{self.mail}"] iframe')
		b.settle(1000)
		self.assertIn(INERT_MARKUP, b.page.inner_text(".crm-inbox-conversation h4"))
		body = b.page.frame_locator(f'.crm-inbox-message[data-name="{self.mail}"] > iframe').locator("body")
		self.assertIn("please quote", body.inner_text())
		self.assertNotIn("an earlier question", body.inner_text(), "quoted history is not collapsed")
		found = b.injected()
		self.assertEqual([f"{k}={v}" for k, v in found.items() if v], [], "email text ran or became markup")
		self.assertEqual(b.dialogs, [])
		frames = b.page.evaluate(
			"""() => [...document.querySelectorAll('.crm-inbox-conversation iframe')].map((f) => ({
				sandbox: f.getAttribute('sandbox'),
				scripts: f.contentDocument.querySelectorAll('script, iframe, form, [onerror], [onload]').length,
				xss: f.contentWindow.__xss || 0,
			}))"""
		)
		self.assertTrue(frames, "no message body shown")
		for frame in frames:
			self.assertNotIn("allow-scripts", frame["sandbox"])
			self.assertEqual((frame["scripts"], frame["xss"]), (0, 0))
		attachments = b.page.inner_text(".crm-inbox-files")
		self.assertIn(".txt", attachments)
		self.assertEqual(b.page.locator(".crm-inbox-files #injected, .crm-inbox-files img[src=x]").count(), 0)
		for action in ("reply", "assign", "done", "note", "create-lead", "link"):
			self.assertEqual(b.page.locator(f'.crm-inbox-side [data-action="{action}"]').count(), 1, action)
		if path := screenshot_path("inbox-hostile.png"):
			b.page.screenshot(path=path)

		b.page.click('.crm-inbox-side [data-action="done"]')
		b.page.wait_for_function(
			f"""() => !document.querySelector('.crm-inbox-row[data-name="{self.thread}"]')"""
		)
		b.settle()
		self.assertNotIn(self.thread, self.rows(b), "a Done thread stayed in Mine")
		self.assertEqual(frappe.db.get_value("Mailbox Thread", self.thread, "work_status"), "Done")
		self.assertEqual(b.errors, [])

	def test_keyboard_moves_between_threads(self):
		b = self.browser(MEMBER)
		self.open_inbox(b)
		rows = self.rows(b)
		self.assertGreaterEqual(len(rows), 1)
		b.page.keyboard.press("j")
		b.page.wait_for_selector(".crm-inbox-row.active")
		b.settle()
		self.assertEqual(b.page.get_attribute(".crm-inbox-row.active", "data-name"), rows[0])
		if len(rows) > 1:
			b.page.keyboard.press("j")
			b.page.wait_for_function(
				f"""() => document.querySelector('.crm-inbox-row.active')?.dataset.name === "{rows[1]}" """
			)

	def test_a_reader_is_not_offered_owner_actions(self):
		b = self.browser(READER)
		b.open(PAGE)
		b.page.click('.crm-inbox-tabs [data-filter="open"]')
		b.page.wait_for_selector(f'.crm-inbox-row[data-name="{self.calm_thread}"]')
		b.page.click(f'.crm-inbox-row[data-name="{self.calm_thread}"]')
		b.page.wait_for_selector('.crm-inbox-side [data-action="note"]')
		b.settle()
		for action in ("assign", "done", "ignore"):
			self.assertEqual(b.page.locator(f'.crm-inbox-side [data-action="{action}"]').count(), 0, action)

	def test_a_user_of_no_mailbox_sees_no_thread(self):
		b = self.browser(STRANGER)
		b.open(PAGE)
		for tab in ("mine", "open", "unassigned", "done"):
			b.page.click(f'.crm-inbox-tabs [data-filter="{tab}"]')
			b.page.wait_for_selector(".crm-inbox-empty")
			b.settle()
			self.assertEqual(self.rows(b), [], tab)
