"""Browser: a sales user's day in the inbox, end to end, with only the roles a mailbox member has.

The seller (Inbox User, Sales User, and Projects User to make Tasks) opens the inbox from the workspace
and works mail received through Frappe's real intake: reads a thread, replies (the reply is queued in
Frappe's Email Queue as a reply, In-Reply-To and References kept), hands a thread to a colleague, marks
one Done, makes a Task through the brief dialog and finds it on the customer's timeline, and links stray
mail in bulk from the Synced Emails report. A user of no mailbox sees none of it on the page, through the
API or in the list; a reader sees the thread but cannot reassign it, in the page or through the API.

Nobody gets Email Inbox rows by hand: the app gives its members theirs. With CRM_MAILBOX_SCREENSHOTS=1
the tests save the README's pictures (workspace, inbox, conversation, brief dialog) in docs/screenshots/.
"""

from __future__ import annotations

import email.utils

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser, screenshot_path
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership as own

SELLER = "crm-mbx-e2e-seller@ourco.example"
COLLEAGUE = "crm-mbx-e2e-colleague@ourco.example"
READER = "crm-mbx-e2e-reader@ourco.example"
STRANGER = "crm-mbx-e2e-stranger@ourco.example"
MEMBER_ROLES = ("Inbox User", "Sales User")
PASSWORD = "Workday-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test Workday"
PAGE = "app/mailbox-inbox"
CUSTOMER = "Northwind Trading (browser test)"
OPEN_DIALOG = "() => !!(window.cur_dialog && cur_dialog.display)"


class TestWorkday(FrappeTestCase):
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
		mt.make_user(SELLER, (*MEMBER_ROLES, "Projects User"))
		for user in (COLLEAGUE, READER, STRANGER):
			mt.make_user(user, MEMBER_ROLES)
		for user in (SELLER, COLLEAGUE, READER, STRANGER):
			frappe.db.set_value("User", user, "first_name", user.split("@")[0].rsplit("-", 1)[1].title())
			update_password(user, PASSWORD)
		cls.box = mt.team_mailbox(
			mt.People(),
			name=MAILBOX,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=SELLER,
			crm_members=[
				{"user": SELLER, "access": "Process"},
				{"user": COLLEAGUE, "access": "Process"},
				{"user": READER, "access": "Read"},
			],
			# replies leave through this mailbox's SMTP server (queued only: the tests send nothing)
			enable_outgoing=1,
			smtp_server="127.0.0.1",
			smtp_port=2525,
			use_tls=0,
			use_ssl_for_outgoing=0,
		)
		mt.fresh_settings()
		domain = t.random_domain()
		customer = t.make_customer(CUSTOMER, domains=[domain])
		cls.customer = customer.name
		cls.buyer = t.unique_address("buyer", domain)
		t.make_contact(cls.buyer, "Bea", links=[("Customer", customer.name)])
		cls.asked_id = email.utils.make_msgid(domain="buyer.example")
		cls.threads = {}
		cls.mails = {}
		bea = email.utils.formataddr(("Bea Baker", cls.buyer))
		for key, subject, sender, extra in (
			("reply", "When will order 4711 ship?", bea, {"message_id": cls.asked_id}),
			("handover", "Copy of invoice 88", bea, {}),
			("done", "Thanks, all received", bea, {}),
			("task", "Samples for the trade fair", bea, {}),
			("stray1", "Your catalogue", t.unique_address("walk-in", "mail.example"), {}),
			("stray2", "Price list, please", t.unique_address("walk-in", "mail.example"), {}),
		):
			(mail,) = t.receive(cls.box, t.build_email(sender, to=cls.box.email_id, subject=subject, **extra))
			cls.mails[key] = mail.name
			cls.threads[key] = frappe.db.get_value("Communication", mail.name, "crm_thread")

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.clean_up()
		super().tearDownClass()

	@classmethod
	def clean_up(cls):
		"""The mail of this test's mailbox and what was made from it, from this run or an interrupted one."""
		frappe.db.rollback()
		mails = frappe.get_all("Communication", filters={"email_account": MAILBOX}, pluck="name")
		mails += frappe.get_all(
			"Communication",
			filters={"sender": ("like", f"%{MAILBOX.lower().replace(' ', '-')}%")},
			pluck="name",
		)
		made = frappe.get_all(
			"Mailbox Email Link",
			filters={"communication": ("in", mails or [""]), "link_doctype": "Task"},
			pluck="link_name",
		)
		for task in made:
			if frappe.db.exists("Task", task):
				frappe.delete_doc("Task", task, force=True, ignore_permissions=True)
		frappe.db.delete("Email Queue", {"communication": ("in", mails or [""])})
		for thread in frappe.get_all("Mailbox Thread", filters={"email_account": MAILBOX}, pluck="name"):
			frappe.delete_doc("Mailbox Thread", thread, force=True, ignore_permissions=True)
		for mail in set(mails):
			if frappe.db.exists("Communication", mail):
				frappe.delete_doc("Communication", mail, force=True, ignore_permissions=True)
		frappe.db.delete("ToDo", {"allocated_to": ("in", (SELLER, COLLEAGUE, READER, STRANGER))})
		for contact in frappe.get_all(
			"Contact Email", filters={"email_id": ("like", "walk-in.%@mail.example")}, pluck="parent"
		):
			frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
		if frappe.db.exists("Customer", CUSTOMER):
			contacts = frappe.get_all(
				"Dynamic Link",
				filters={"parenttype": "Contact", "link_doctype": "Customer", "link_name": CUSTOMER},
				pluck="parent",
			)
			for contact in contacts:
				frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
			frappe.delete_doc("Customer", CUSTOMER, force=True, ignore_permissions=True)
		# the web server (another process) and the realtime queue see committed data only
		frappe.db.commit()  # nosemgrep

	# the desk, as each user sees it

	def browser(self, user: str) -> Browser:
		b = Browser(user, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		return b

	def open_inbox(self, b: Browser, tab: str = "mine") -> None:
		b.open(PAGE)
		self.show_tab(b, tab)

	def show_tab(self, b: Browser, tab: str) -> None:
		b.page.click(f'.crm-inbox-tabs [data-filter="{tab}"]')
		b.page.wait_for_selector(".crm-inbox-row, .crm-inbox-empty")
		b.settle()

	def rows(self, b: Browser) -> list[str]:
		return b.page.evaluate(
			"() => [...document.querySelectorAll('.crm-inbox-row')].map((el) => el.dataset.name)"
		)

	def badge(self, b: Browser, tab: str) -> int:
		text = b.page.evaluate(
			f"""() => {{
				const el = document.querySelector('.crm-inbox-tabs [data-filter="{tab}"] .crm-inbox-badge');
				return el && el.style.display !== 'none' ? el.textContent : '0';
			}}"""
		)
		return int(text or 0)

	def open_thread(self, b: Browser, key: str) -> None:
		b.page.click(f'.crm-inbox-row[data-name="{self.threads[key]}"]')
		b.page.wait_for_selector(f'.crm-inbox-message[data-name="{self.mails[key]}"]')
		b.page.wait_for_selector('.crm-inbox-side [data-action="note"]')
		b.settle()

	def action(self, b: Browser, name: str) -> None:
		b.page.click(f'.crm-inbox-side [data-action="{name}"]')
		b.settle()

	def wait_gone(self, b: Browser, key: str) -> None:
		b.page.wait_for_function(
			f"""() => !document.querySelector('.crm-inbox-row[data-name="{self.threads[key]}"]')"""
		)
		b.settle()

	def pick_link(self, b: Browser, fieldname: str, value: str) -> None:
		"""Type into a Link field of the open dialog and choose the value from its suggestions."""
		field = b.page.locator(f'.modal.show input[data-fieldname="{fieldname}"]')
		field.click()
		field.press_sequentially(value[:12], delay=30)
		suggestions = b.page.locator(
			f'.modal.show [data-fieldname="{fieldname}"] .awesomplete [role="option"]'
		)
		try:
			suggestions.filter(has_text=value).first.click()
		except Exception as e:
			shown = suggestions.evaluate_all("(items) => items.map((item) => item.innerText)")
			raise AssertionError(f"{value} is not offered in {fieldname}: {shown}") from e
		b.settle(300)

	def fetch(self, b: Browser, method: str, path: str, body: dict | None = None) -> int:
		"""The HTTP status of a call made with the user's session, as the desk makes it."""
		return b.page.evaluate(
			"""([method, path, body]) => fetch(path, {
				method,
				headers: {'X-Frappe-CSRF-Token': frappe.csrf_token, 'Content-Type': 'application/json',
					'Accept': 'application/json'},
				body: body ? JSON.stringify(body) : undefined,
			}).then((r) => r.status)""",
			[method, path, body],
		)

	def run_queued_job(self, job_id: str) -> None:
		"""What a worker does (the test bench runs none): the job the web server queued, as its user."""
		from frappe.utils.background_jobs import get_job

		job = get_job(job_id)
		self.assertIsNotNone(job, f"the web server queued no job {job_id}")
		if job.get_status() != "finished":
			args = job.kwargs
			frappe.set_user(args["user"])
			try:
				frappe.get_attr(args["method"])(**args["kwargs"])
			finally:
				frappe.set_user("Administrator")
				job.delete()
			# the web server (another process) sees committed data only
			frappe.db.commit()  # nosemgrep

	def fresh(self):
		"""Forget this process's snapshot: the web server committed since."""
		frappe.db.rollback()
		frappe.clear_document_cache(own.THREAD)

	# the day

	def test_the_workspace_opens_the_inbox(self):
		b = self.browser(SELLER)
		b.open("app/crm-mailbox")
		shortcut = b.page.locator(".shortcut-widget-box", has_text="Inbox").first
		shortcut.wait_for()
		# the workspace fades its widgets in, and its number cards ask for their counts
		b.settle(1500)
		if path := screenshot_path("workspace.png"):
			b.page.screenshot(path=path)
		shortcut.click()
		b.page.wait_for_function("() => frappe.get_route()[0] === 'mailbox-inbox'")
		b.page.wait_for_selector(".crm-inbox-row, .crm-inbox-empty")
		b.settle()
		self.assertIn(self.threads["task"], self.rows(b), "the seller's new thread is not in Mine")
		self.assertEqual(b.errors, [])

	def test_read_and_reply_keeps_the_thread(self):
		b = self.browser(SELLER)
		self.open_inbox(b)
		mine = self.badge(b, "mine")
		self.assertIn(self.threads["reply"], self.rows(b))
		self.assertTrue(
			b.page.locator(f'.crm-inbox-row.unread[data-name="{self.threads["reply"]}"]').count(),
			"a thread nobody opened is not marked unread",
		)
		if path := screenshot_path("inbox.png"):
			b.page.screenshot(path=path)
		self.open_thread(b, "reply")
		body = b.page.frame_locator(f'.crm-inbox-message[data-name="{self.mails["reply"]}"] > iframe')
		self.assertIn("please send us a quote", body.locator("body").inner_text())
		self.assertIn(self.customer, b.page.inner_text(".crm-inbox-side"), "the customer is not shown")
		if path := screenshot_path("inbox-conversation.png"):
			b.page.screenshot(path=path)

		self.action(b, "reply")
		b.page.wait_for_function(OPEN_DIALOG)
		# From is the thread's own mailbox, not the user's first address
		b.page.wait_for_function(
			f"() => cur_dialog && cur_dialog.get_value('sender') === {frappe.as_json(self.box.email_id)}",
			timeout=10000,
		)
		self.assertEqual(b.page.evaluate("() => cur_dialog.get_value('recipients')"), self.buyer)
		editor = b.page.locator(".modal.show .ql-editor").first
		editor.click()
		b.page.keyboard.press("Control+Home")
		b.page.keyboard.type("It ships on Friday.")
		b.run("() => cur_dialog.get_primary_btn().click()")
		self.wait_gone(b, "reply")
		self.assertEqual(b.dialogs, [])

		self.fresh()
		reply = frappe.db.get_value(
			"Communication",
			{"reference_doctype": "Communication", "reference_name": self.mails["reply"]},
			["name", "crm_thread", "sent_or_received"],
			as_dict=True,
		)
		self.assertIsNotNone(reply, "no reply was made")
		self.assertEqual((reply.crm_thread, reply.sent_or_received), (self.threads["reply"], "Sent"))
		queued = frappe.db.get_value("Email Queue", {"communication": reply.name}, "message")
		self.assertIsNotNone(queued, "the reply was not queued in Frappe's Email Queue")
		message = email.message_from_string(queued)
		self.assertEqual(message["In-Reply-To"], self.asked_id)
		self.assertIn(self.asked_id, message["References"] or "")
		self.assertIn("It ships on Friday.", queued)
		self.assertEqual(
			frappe.db.get_value(own.THREAD, self.threads["reply"], "work_status"), own.WAITING_ON_CUSTOMER
		)
		b.page.wait_for_function(
			f"""() => (document.querySelector('.crm-inbox-tabs [data-filter="mine"] .crm-inbox-badge')
				.textContent | 0) === {mine - 1}"""
		)
		self.show_tab(b, "waiting_on_customer")
		self.assertIn(self.threads["reply"], self.rows(b))
		self.assertEqual(b.errors, [])

	def test_hand_a_thread_to_a_colleague(self):
		b = self.browser(SELLER)
		self.open_inbox(b)
		self.open_thread(b, "handover")
		self.action(b, "assign")
		b.page.wait_for_function(OPEN_DIALOG)
		self.pick_link(b, "user", COLLEAGUE)
		b.page.fill('.modal.show textarea[data-fieldname="reason"]', "You sent that invoice.")
		b.run("() => cur_dialog.get_primary_btn().click()")
		self.wait_gone(b, "handover")
		self.assertEqual(b.dialogs, [])

		self.fresh()
		self.assertEqual(frappe.db.get_value(own.THREAD, self.threads["handover"], "thread_owner"), COLLEAGUE)
		self.run_queued_job(f"crm_mailbox:assign:{self.threads['handover']}:{COLLEAGUE}")
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{"reference_name": self.threads["handover"], "allocated_to": COLLEAGUE, "status": "Open"},
			)
		)
		b.close()
		colleague = self.browser(COLLEAGUE)
		self.open_inbox(colleague)
		self.assertIn(
			self.threads["handover"], self.rows(colleague), "the colleague does not find it in Mine"
		)

	def test_mark_done(self):
		b = self.browser(SELLER)
		self.open_inbox(b)
		self.open_thread(b, "done")
		self.action(b, "done")
		self.wait_gone(b, "done")
		self.fresh()
		self.assertEqual(frappe.db.get_value(own.THREAD, self.threads["done"], "work_status"), own.DONE)
		self.show_tab(b, "done")
		self.assertIn(self.threads["done"], self.rows(b))

	def test_a_task_from_the_brief_shows_on_the_customer_timeline(self):
		b = self.browser(SELLER)
		self.open_inbox(b)
		self.open_thread(b, "task")
		self.action(b, "create-task")
		b.page.wait_for_function(OPEN_DIALOG)
		title = "Send 20 samples to the fair stand"
		b.page.fill('.modal.show input[data-fieldname="title"]', title)
		b.page.fill(
			'.modal.show textarea[data-fieldname="expected_result"]', "Samples at stand B12 by Monday"
		)
		b.run("() => cur_dialog.set_value('priority', 'High')")
		if path := screenshot_path("task-brief.png"):
			b.page.screenshot(path=path)
		b.run("() => cur_dialog.get_primary_btn().click()")
		b.page.wait_for_function("() => frappe.get_route()[0] === 'Form' && frappe.get_route()[1] === 'Task'")
		b.settle()
		task = b.page.evaluate("() => frappe.get_route()[2]")
		self.fresh()
		self.assertEqual(frappe.db.get_value("Task", task, "subject"), title)

		b.open(f"app/customer/{self.customer}")
		b.page.wait_for_selector(".new-timeline")
		b.settle(1000)
		timeline = b.page.inner_text(".new-timeline")
		self.assertIn(task, timeline, "the Task is not on the customer's timeline")
		self.assertEqual(b.errors, [])

	def test_link_stray_mail_in_bulk_from_the_report(self):
		b = self.browser(SELLER)
		b.open("app/query-report/Synced Emails")
		b.run(
			f"""() => {{ frappe.query_report.set_filter_value({{
				email_account: {frappe.as_json(MAILBOX)}, unlinked_only: 1 }}); }}"""
		)
		b.page.wait_for_function("() => frappe.query_report.data && frappe.query_report.data.length")
		b.settle(1000)
		strays = {self.mails["stray1"], self.mails["stray2"]}
		shown = b.page.evaluate("() => frappe.query_report.data.map((r) => r.communication)")
		self.assertTrue(strays <= set(shown), f"stray mail missing from the Not Linked rows: {shown}")
		for index, name in enumerate(shown):
			if name in strays:
				b.page.locator(f'.dt-row-{index} .dt-cell__content--col-0 input[type="checkbox"]').check()
		b.page.locator(
			".page-actions button, .inner-group-button button", has_text="Link to..."
		).first.click()
		b.page.wait_for_function(OPEN_DIALOG)
		self.assertIn("2", b.page.inner_text(".modal.show .modal-title"))
		self.pick_link(b, "link_name", self.customer)
		b.run("() => cur_dialog.get_primary_btn().click()")
		b.page.wait_for_selector(".modal.show .msgprint")
		self.assertIn("2 emails linked, 0 refused", b.page.inner_text(".modal.show .msgprint"))

		self.fresh()
		for key in ("stray1", "stray2"):
			links = t.links_of(frappe._dict(name=self.mails[key]))
			self.assertIn(("Customer", self.customer), links, key)
		for key in ("reply", "task"):
			self.assertNotEqual(
				t.links_of(frappe._dict(name=self.mails[key])).get(("Customer", self.customer)),
				"Manual",
				f"{key}: an email nobody ticked was linked by hand",
			)

	# who may not

	def test_a_user_of_no_mailbox_sees_no_thread(self):
		b = self.browser(STRANGER)
		ours = set(self.threads.values())
		b.open(PAGE)
		for tab in ("mine", "open", "unassigned", "waiting_on_customer", "done"):
			self.show_tab(b, tab)
			self.assertFalse(ours & set(self.rows(b)), tab)
		thread = self.threads["reply"]
		api = "/api/method/crm_mailbox.api.inbox."
		self.assertEqual(self.fetch(b, "GET", f"{api}conversation?thread={thread}"), 403)
		self.assertEqual(self.fetch(b, "GET", f"{api}queue?filter=open&mailbox={MAILBOX}"), 403)
		self.assertEqual(self.fetch(b, "GET", f"/api/resource/Mailbox Thread/{thread}"), 403)
		b.open("app/mailbox-thread?work_status=New")
		b.settle(1000)
		listed = b.page.evaluate("() => (cur_list && cur_list.data || []).map((r) => r.name)")
		self.assertFalse(ours & set(listed), "the list shows a thread of a mailbox the user is not in")
		self.assertNotIn(thread, b.page.inner_text("body"))

	def test_a_reader_cannot_reassign(self):
		b = self.browser(READER)
		self.open_inbox(b, "open")
		self.assertIn(self.threads["task"], self.rows(b), "a reader does not see the mailbox's threads")
		self.open_thread(b, "task")
		for action in ("assign", "done", "ignore"):
			self.assertEqual(b.page.locator(f'.crm-inbox-side [data-action="{action}"]').count(), 0, action)
		b.page.keyboard.press("a")
		b.page.wait_for_timeout(500)
		self.assertFalse(b.page.evaluate(OPEN_DIALOG), "the a key opened the assign dialog for a reader")
		status = self.fetch(
			b,
			"POST",
			"/api/method/crm_mailbox.api.threads.assign",
			{"thread": self.threads["task"], "user": READER},
		)
		self.assertEqual(status, 403)
		self.fresh()
		self.assertEqual(frappe.db.get_value(own.THREAD, self.threads["task"], "thread_owner"), SELLER)
