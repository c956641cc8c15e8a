"""Browser: "<name> is replying" when a colleague opened the reply composer on the same thread (issue 10, §1).

The replier's page tells the server when the composer opens and closes; a colleague's page shows the
notice when it opens the thread, and follows the events (the bench runs no socket.io server, so the
test hands the page's own listener the message the server sends: crm_mailbox.inbox.test_realtime
checks who the server sends it to), with the replier's full name as text.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.inbox import replying
from crm_mailbox.mailboxes import testing as mt

# users of other suites (Frappe throttles making many users an hour); the replier's name is restored
REPLIER = "crm-mbx-dialogs-seller@ourco.example"
COLLEAGUE = "crm-mbx-inbox-reader@ourco.example"
PASSWORD = "Notice-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test Replying"
PAGE = "app/mailbox-inbox"
# the replier's full name is theirs to choose: it must stay text on a colleague's page
HOSTILE_NAME = 'Rita <img src=x onerror="window.__xss=(window.__xss||0)+1">'
NOTICE = ".crm-inbox-conversation .crm-inbox-replying"


class TestReplyingNotice(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		for user in (REPLIER, COLLEAGUE):
			mt.make_user(user, ("Inbox User", "Sales User"))
			update_password(user, PASSWORD)
		box = mt.team_mailbox(
			mt.People(),
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=REPLIER,
			crm_members=[{"user": REPLIER, "access": "Process"}, {"user": COLLEAGUE, "access": "Process"}],
		)
		for user in (REPLIER, COLLEAGUE):
			doc = frappe.get_doc("User", user)
			if not any(row.email_account == box.name for row in doc.user_emails):
				# what an administrator gives a member of a mailbox: its Email Inbox
				doc.append("user_emails", {"email_account": box.name, "email_id": box.email_id})
				doc.save(ignore_permissions=True)
		# after every save of the user (a save would clean the name of its event handler)
		cls.replier_name = frappe.db.get_value(
			"User", REPLIER, ["first_name", "last_name", "full_name"], as_dict=True
		)
		frappe.db.set_value(
			"User", REPLIER, {"first_name": HOSTILE_NAME, "last_name": "", "full_name": HOSTILE_NAME}
		)
		mt.fresh_settings()
		raw = t.build_email(t.unique_address("buyer"), to=box.email_id, subject="Delivery date?")
		(mail,) = t.receive(box, raw)
		cls.mail = mail.name
		cls.thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		frappe.cache.delete_value(replying.cache_key(cls.thread))
		# the web server is another process
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		if getattr(cls, "mail", None):
			frappe.cache.delete_value(replying.cache_key(cls.thread))
			frappe.delete_doc("Communication", cls.mail, force=True, ignore_permissions=True)
			if cls.thread and frappe.db.exists("Mailbox Thread", cls.thread):
				frappe.delete_doc("Mailbox Thread", cls.thread, force=True, ignore_permissions=True)
		frappe.db.delete("ToDo", {"allocated_to": ("in", (REPLIER, COLLEAGUE))})
		if getattr(cls, "replier_name", None):
			frappe.db.set_value("User", REPLIER, cls.replier_name)
		# the web server (another process) sees committed data only
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def setUp(self):
		frappe.cache.delete_value(replying.cache_key(self.thread))

	def browser(self, user: str) -> Browser:
		b = Browser(user, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		return b

	def open_thread(self, b: Browser) -> None:
		b.open(PAGE)
		b.page.click('.crm-inbox-tabs [data-filter="open"]')
		b.page.wait_for_selector(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.click(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.wait_for_selector('.crm-inbox-side [data-action="reply"]')
		b.settle()

	def marks(self) -> dict:
		"""The marks as the web server left them (Frappe keeps what this process read in frappe.local)."""
		frappe.local.cache = {}
		return replying.marks(self.thread)

	def notice(self, b: Browser) -> str:
		shown = b.page.locator(NOTICE)
		return shown.inner_text() if shown.count() and shown.is_visible() else ""

	def deliver(self, b: Browser, message: dict) -> None:
		"""Hand the page the event as socket.io would: to the listener the page registered."""
		b.page.evaluate(
			"""(message) => frappe.realtime.socket.listeners('crm_mailbox_replying')
				.forEach((listener) => listener(message))""",
			message,
		)
		b.settle()

	def start_replying(self) -> Browser:
		replier = self.browser(REPLIER)
		self.open_thread(replier)
		replier.page.click('.crm-inbox-side [data-action="reply"]')
		replier.page.wait_for_selector(".modal.show")
		replier.settle(1500)
		self.assertIn(REPLIER, self.marks(), "the page did not announce the composer")
		self.assertEqual(self.notice(replier), "", "the replier is told about themself")
		return replier

	def test_the_replier_page_tells_when_the_composer_opens_and_closes(self):
		replier = self.start_replying()
		replier.page.click(".modal.show .btn-modal-close")
		replier.page.wait_for_function("() => !document.querySelector('.modal.show')")
		replier.settle(1500)
		self.assertNotIn(REPLIER, self.marks(), "closing the composer was not told")
		self.assertEqual(replier.errors, [])

	def test_a_colleague_sees_who_is_replying_as_text(self):
		# one Playwright per thread at a time: the replier's desk closes with its composer open
		replier = self.start_replying()
		replier.close()

		colleague = self.browser(COLLEAGUE)
		self.open_thread(colleague)
		self.assertEqual(self.notice(colleague), f"{HOSTILE_NAME} is replying")
		self.assertEqual(colleague.injected()["xss"], 0)
		self.assertEqual(colleague.injected()["images"], 0)

		# the replier's composer closes: the event hides the notice on the open page
		message = {"thread": self.thread, "user": REPLIER, "full_name": HOSTILE_NAME, "active": False}
		self.deliver(colleague, message)
		self.assertEqual(self.notice(colleague), "")
		# a new composer: shown again, as text
		self.deliver(colleague, {**message, "active": True})
		self.assertEqual(self.notice(colleague), f"{HOSTILE_NAME} is replying")
		self.assertEqual(colleague.injected()["xss"], 0)
		# an event about another thread changes nothing here
		self.deliver(colleague, {**message, "thread": "MT-OTHER", "active": False})
		self.assertEqual(self.notice(colleague), f"{HOSTILE_NAME} is replying")
		self.assertEqual(colleague.errors, [])
