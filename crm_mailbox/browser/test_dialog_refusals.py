"""Browser: a refused dialog stays open with the server's words beside the field they are about (issue 10, §3).

Whatever was typed stays; the message sits under its field (or atop the dialog when it is about no
field, as a permission refusal), shown as text, and no message box covers the dialog.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.mailboxes import testing as mt

# users of other suites (Frappe throttles making many users an hour)
PLANNER = "crm-mbx-dialogs-planner@ourco.example"  # may make Tasks; processes the mailbox here
OUTSIDER = "crm-mbx-outsider@ourco.example"  # enabled, no member of the mailbox
LEFT = "crm-mbx-disabled@ourco.example"  # a user who left: disabled
PASSWORD = "Refusals-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test Refusals"
OPEN_DIALOG = "() => !!(window.cur_dialog && cur_dialog.display)"
# a reply subject as the Task title is refused; its markup must stay text in the message
HOSTILE_TITLE = 'Re: <img src=x onerror="window.__xss=(window.__xss||0)+1"> quote'


class TestDialogRefusals(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		mt.make_user(PLANNER, ("Inbox User", "Sales User", "Projects User"))
		mt.make_user(OUTSIDER, ("Inbox User", "Sales User"))
		mt.make_user(LEFT, enabled=0)
		update_password(PLANNER, PASSWORD)
		box = mt.team_mailbox(
			mt.People(),
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=PLANNER,
			crm_members=[{"user": PLANNER, "access": "Process"}],
		)
		doc = frappe.get_doc("User", PLANNER)
		if not any(row.email_account == box.name for row in doc.user_emails):
			# what an administrator gives a member of a mailbox: its Email Inbox
			doc.append("user_emails", {"email_account": box.name, "email_id": box.email_id})
			doc.save(ignore_permissions=True)
		mt.fresh_settings()
		raw = t.build_email(t.unique_address("buyer"), to=box.email_id, subject="Quote for 40 units")
		(mail,) = t.receive(box, raw)
		cls.mail = mail.name
		cls.thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		# the web server is another process
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.get_doc("User", PLANNER).add_roles("Projects User")
		if getattr(cls, "mail", None):
			frappe.delete_doc("Communication", cls.mail, force=True, ignore_permissions=True)
			if cls.thread and frappe.db.exists("Mailbox Thread", cls.thread):
				frappe.delete_doc("Mailbox Thread", cls.thread, force=True, ignore_permissions=True)
		frappe.db.delete("ToDo", {"allocated_to": PLANNER})
		# the web server (another process) sees committed data only
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def browser(self) -> Browser:
		b = Browser(PLANNER, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		return b

	def open_task_dialog(self, b: Browser) -> None:
		b.open(f"app/communication/{self.mail}")
		b.run("() => crm_mailbox.make_task(cur_frm)")
		b.page.wait_for_function(OPEN_DIALOG)

	def type_into(self, b: Browser, selector: str, text: str) -> None:
		"""Type as a person does: the field takes the value (Frappe's debounce) before the next move."""
		b.page.fill(f".modal.show {selector}", text)
		b.page.press(f".modal.show {selector}", "Tab")
		b.settle()

	def submit(self, b: Browser) -> None:
		b.run("() => cur_dialog.get_primary_btn().click()")
		b.page.wait_for_selector(".modal.show .crm-dialog-error")
		b.settle()

	def error_beside(self, b: Browser, fieldname: str) -> str:
		"""The refusal's text under this field of the open dialog ('' if none is there)."""
		return b.page.evaluate(
			"""(fieldname) => {
				const field = cur_dialog.fields_dict[fieldname].$wrapper[0];
				const error = field.querySelector('.crm-dialog-error');
				return error ? error.textContent : '';
			}""",
			fieldname,
		)

	def value(self, b: Browser, fieldname: str) -> str:
		return b.page.evaluate("(f) => cur_dialog.get_value(f) || ''", fieldname)

	def assert_only_the_dialog(self, b: Browser) -> None:
		self.assertTrue(b.page.evaluate(OPEN_DIALOG), "the dialog closed")
		self.assertEqual(b.page.locator(".modal.show").count(), 1, "a message box covers the dialog")

	def test_a_refused_title_is_explained_beside_it_and_the_brief_kept(self):
		b = self.browser()
		self.open_task_dialog(b)
		self.type_into(b, 'input[data-fieldname="title"]', HOSTILE_TITLE)
		self.type_into(b, 'textarea[data-fieldname="expected_result"]', "A signed quote")
		b.run("() => cur_dialog.set_value('priority', 'High')")
		self.submit(b)
		self.assert_only_the_dialog(b)
		beside = self.error_beside(b, "title")
		self.assertIn("not the email's subject", beside)
		self.assertIn('<img src=x onerror="window.__xss', beside, "the title in the message is not text")
		self.assertEqual(b.injected()["xss"], 0)
		self.assertEqual(b.injected()["images"], 0)
		self.assertEqual(self.value(b, "title"), HOSTILE_TITLE)
		self.assertEqual(self.value(b, "expected_result"), "A signed quote")

		# corrected, it goes through: the message goes with the dialog
		self.type_into(b, 'input[data-fieldname="title"]', "Send the signed quote")
		b.run("() => cur_dialog.get_primary_btn().click()")
		b.page.wait_for_function("() => !(window.cur_dialog && cur_dialog.display)")
		self.assertTrue(frappe.db.exists("Task", {"subject": "Send the signed quote"}))
		self.assertEqual(b.errors, [])

	def test_a_missing_deadline_or_priority_is_explained_beside_the_deadline(self):
		b = self.browser()
		self.open_task_dialog(b)
		self.type_into(b, 'input[data-fieldname="title"]', "Call the buyer back")
		self.submit(b)
		self.assert_only_the_dialog(b)
		self.assertIn("deadline or a priority", self.error_beside(b, "deadline"))
		self.assertEqual(self.value(b, "title"), "Call the buyer back")

	def test_a_disabled_assignee_is_explained_beside_the_assignee(self):
		b = self.browser()
		self.open_task_dialog(b)
		self.type_into(b, 'input[data-fieldname="title"]', "Check the stock")
		b.run(f"() => cur_dialog.set_value('assignee', '{LEFT}')")
		b.run("() => cur_dialog.set_value('priority', 'Low')")
		b.settle()
		self.assertEqual(self.value(b, "assignee"), LEFT)
		self.submit(b)
		self.assert_only_the_dialog(b)
		self.assertIn("is not an enabled user", self.error_beside(b, "assignee"))
		self.assertEqual(self.error_beside(b, "title"), "")
		self.assertFalse(frappe.db.exists("Task", {"subject": "Check the stock"}))

	def test_a_permission_refusal_shows_atop_the_dialog(self):
		b = self.browser()
		self.open_task_dialog(b)
		self.type_into(b, 'input[data-fieldname="title"]', "Plan the delivery")
		b.run("() => cur_dialog.set_value('priority', 'High')")
		# meanwhile an administrator takes the right to make Tasks away
		frappe.get_doc("User", PLANNER).remove_roles("Projects User")
		# the web server (another process) sees committed data only
		frappe.db.commit()  # nosemgrep
		try:
			self.submit(b)
			self.assert_only_the_dialog(b)
			atop = b.page.inner_text(
				".modal.show .modal-body > .crm-dialog-error, .modal.show .crm-dialog-error"
			)
			self.assertTrue(atop.strip(), "no refusal shown in the dialog")
			self.assertEqual(self.error_beside(b, "title"), "")
			self.assertEqual(self.value(b, "title"), "Plan the delivery")
		finally:
			frappe.get_doc("User", PLANNER).add_roles("Projects User")
			# the web server (another process) sees committed data only
			frappe.db.commit()  # nosemgrep

	def test_assigning_to_a_non_processor_is_explained_beside_the_owner(self):
		b = self.browser()
		b.open("app/mailbox-inbox")
		b.page.click('.crm-inbox-tabs [data-filter="open"]')
		b.page.wait_for_selector(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.click(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.wait_for_selector('.crm-inbox-side [data-action="assign"]')
		b.settle()
		b.page.click('.crm-inbox-side [data-action="assign"]')
		b.page.wait_for_function(OPEN_DIALOG)
		b.run(f"() => cur_dialog.set_value('user', '{OUTSIDER}')")
		self.type_into(b, 'textarea[data-fieldname="reason"]', "Please take this over")
		b.settle()
		self.submit(b)
		self.assert_only_the_dialog(b)
		self.assertIn("is not a processor", self.error_beside(b, "user"))
		self.assertEqual(self.value(b, "reason"), "Please take this over")
		self.assertEqual(frappe.db.get_value("Mailbox Thread", self.thread, "thread_owner"), PLANNER)

	def test_assign_offers_only_who_may_own_the_thread(self):
		b = self.browser()
		b.open("app/mailbox-inbox")
		b.page.click('.crm-inbox-tabs [data-filter="open"]')
		b.page.wait_for_selector(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.click(f'.crm-inbox-row[data-name="{self.thread}"]')
		b.page.wait_for_selector('.crm-inbox-side [data-action="assign"]')
		b.settle()
		b.page.click('.crm-inbox-side [data-action="assign"]')
		b.page.wait_for_function(OPEN_DIALOG)
		offered = b.page.evaluate("() => cur_dialog.fields_dict.user.df.get_query().filters.name")
		self.assertEqual(offered, ["in", [PLANNER]])
