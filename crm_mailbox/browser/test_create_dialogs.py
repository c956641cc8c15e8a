"""Browser: the email form's Create dialogs keep what the user typed (issue 10, section 3).

- The Create menu offers only the records the user may make (no Task or Issue for a Sales User).
- The Task title starts empty; the email's subject is only the placeholder hint.
- Esc in the Task dialog's date picker closes the picker, not the dialog.
- A refusal from the server (here: the user lost the right to make Tasks meanwhile) leaves the dialog
  open with the brief still in it.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.mailboxes import testing as mt

SELLER = "crm-mbx-dialogs-seller@ourco.example"  # Sales User only: no Task, no Issue
PLANNER = "crm-mbx-dialogs-planner@ourco.example"  # may make Tasks
PASSWORD = "Dialogs-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test Dialogs"
SUBJECT = "Re: Quote for 40 units"
OPEN_DIALOG = "() => !!(window.cur_dialog && cur_dialog.display)"


class TestCreateDialogs(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		mt.make_user(SELLER, ("Inbox User", "Sales User"))
		mt.make_user(PLANNER, ("Inbox User", "Sales User", "Projects User"))
		for user in (SELLER, PLANNER):
			update_password(user, PASSWORD)
		box = mt.team_mailbox(
			mt.People(),
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=PLANNER,
			crm_members=[{"user": SELLER, "access": "Process"}, {"user": PLANNER, "access": "Process"}],
		)
		mt.fresh_settings()
		(mail,) = t.receive(box, t.build_email(t.unique_address("buyer"), to=box.email_id, subject=SUBJECT))
		cls.mail = mail.name
		# the web server is another process
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.get_doc("User", PLANNER).add_roles("Projects User")
		if getattr(cls, "mail", None):
			thread = frappe.db.get_value("Communication", cls.mail, "crm_thread")
			frappe.delete_doc("Communication", cls.mail, force=True, ignore_permissions=True)
			if thread and frappe.db.exists("Mailbox Thread", thread):
				frappe.delete_doc("Mailbox Thread", thread, force=True, ignore_permissions=True)
		frappe.db.delete("ToDo", {"allocated_to": ("in", (SELLER, PLANNER))})
		# the web server (another process) and the realtime queue see committed data only
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def browser(self, user: str) -> Browser:
		b = Browser(user, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		b.open(f"app/communication/{self.mail}")
		return b

	def create_entries(self, b: Browser) -> list[str]:
		return b.page.evaluate(
			"""() => [...document.querySelectorAll('.inner-group-button[data-label="Create"] .dropdown-item')]
				.map((el) => el.dataset.label || el.textContent.trim())"""
		)

	def open_task_dialog(self, b: Browser) -> None:
		b.run("() => crm_mailbox.make_task(cur_frm)")
		b.page.wait_for_function(OPEN_DIALOG)

	def test_create_menu_offers_only_what_the_user_may_make(self):
		b = self.browser(SELLER)
		entries = [e.lower() for e in self.create_entries(b)]
		self.assertIn("lead", entries)
		self.assertNotIn("task", entries)
		self.assertNotIn("issue", entries)

	def test_task_title_starts_empty_with_the_subject_as_hint(self):
		b = self.browser(PLANNER)
		self.assertIn("task", [e.lower() for e in self.create_entries(b)])
		self.open_task_dialog(b)
		title = b.page.locator('.modal.show input[data-fieldname="title"]')
		self.assertEqual(title.input_value(), "")
		self.assertEqual(title.get_attribute("placeholder"), "Quote for 40 units")

	def test_escape_in_the_date_picker_keeps_the_dialog(self):
		b = self.browser(PLANNER)
		self.open_task_dialog(b)
		b.page.fill('.modal.show input[data-fieldname="title"]', "Send the revised quote")
		b.page.click('.modal.show input[data-fieldname="deadline"]')
		b.page.wait_for_function(
			"() => Object.values(cur_dialog.fields_dict).some((f) => f.datepicker && f.datepicker.visible)"
		)
		b.page.keyboard.press("Escape")
		b.page.wait_for_timeout(500)
		self.assertTrue(b.page.evaluate(OPEN_DIALOG), "Esc in the date picker closed the dialog")
		self.assertFalse(b.page.evaluate("() => cur_dialog.fields_dict.deadline.datepicker.visible"))
		self.assertEqual(
			b.page.input_value('.modal.show input[data-fieldname="title"]'), "Send the revised quote"
		)

	def test_a_refusal_keeps_the_dialog_and_the_brief(self):
		b = self.browser(PLANNER)
		self.open_task_dialog(b)
		brief = "Send the revised quote with the new prices"
		b.page.fill('.modal.show input[data-fieldname="title"]', brief)
		b.run("() => cur_dialog.set_value('priority', 'High')")
		# meanwhile an administrator takes the right to make Tasks away
		frappe.get_doc("User", PLANNER).remove_roles("Projects User")
		# the web server (another process) and the realtime queue see committed data only
		frappe.db.commit()  # nosemgrep
		try:
			b.run("() => cur_dialog.get_primary_btn().click()")
			b.settle(1000)
			self.assertTrue(self.brief_kept(b, brief), "the dialog closed and the brief was lost")
			self.assertFalse(frappe.db.exists("Task", {"subject": brief}))
		finally:
			frappe.get_doc("User", PLANNER).add_roles("Projects User")
			# the web server (another process) and the realtime queue see committed data only
			frappe.db.commit()  # nosemgrep

	def brief_kept(self, b: Browser, brief: str) -> bool:
		return b.page.evaluate(
			"""(brief) => [...document.querySelectorAll('.modal input[data-fieldname="title"]')]
				.some((input) => input.value === brief && input.closest('.modal').classList.contains('show'))""",
			brief,
		)
