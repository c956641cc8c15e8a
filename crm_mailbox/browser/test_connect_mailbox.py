"""Browser: a member connects their own mailbox, and makes a Project from an email (issue 10, section 6).

- "Your Mailboxes" (reached from the workspace): the connect dialog suggests Gmail's servers for a Gmail
  address, says the site has no OAuth sign-in for mail, tests a draft (the test job's steps shown) and
  connects a real IMAP server (Dovecot on loopback, STARTTLS, checked by Frappe's own save). A hostile
  address, folder name and sign-in app name stay text.
- Create -> Project on the email form: offered to a Projects User, not to a Sales User; the customer
  prefilled, the title empty with the subject as hint, a hostile attachment name inert, the Project made
  with the chosen file and a link back.
"""

from __future__ import annotations

import importlib.util
import os

import frappe
from frappe.installer import update_site_config
from frappe.tests.utils import FrappeTestCase
from frappe.utils.background_jobs import get_queue
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.mailboxes import connection_progress
from crm_mailbox.mailboxes import testing as mt

# the suite's own people, not new ones (Frappe refuses more than 60 new users an hour)
MEMBER = "crm-mbx-proc2@ourco.example"  # mailboxes/testing.People: Inbox User, Sales User
SERVICES = "crm-mailbox-reader@example.com"  # api/test_create.py's reader: also Projects User
SERVICES_ROLES = ("Inbox User", "Sales User", "Sales Manager", "Projects User", "Support Team")
ADMIN = "crm-mbx-sysman@ourco.example"  # mailboxes/testing.People: System Manager
PASSWORD = "Connect-Test-Pa55word!"
INTERNAL_HOSTS = "crm_mailbox_internal_mail_hosts"
ADDRESS = "crm-mbx-connect-box@gmail.com"
MAILBOX = "CRM Mailbox Test Service Orders"
SUBJECT = "Service order: 3 pumps"
OPEN_DIALOG = "() => !!(window.cur_dialog && cur_dialog.display)"
HOSTILE_FOLDER = '<img src=x onerror="window.__xss=(window.__xss||0)+1"><b id=injected>Kunden</b>'


def load_servers():
	path = os.path.join(t.EML_DIR, "..", "servers.py")
	spec = importlib.util.spec_from_file_location("crm_mailbox_test_servers", path)
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	return module


def run_queued_connection_tests() -> int:
	"""Run this site's queued Test Connection jobs here, as a worker would (the bench runs no worker)."""
	queue = get_queue("short")
	ran = 0
	for job in queue.jobs:
		if not (job.id or "").startswith(f"{frappe.local.site}::crm_mailbox_connection_test::"):
			continue
		args = job.kwargs["kwargs"]
		queue.remove(job)
		connection_progress.run(args["email_account"], args["test_id"], args["user"], args["as_configured"])
		ran += 1
	return ran


class TestConnectMailbox(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		mt.make_user(MEMBER, ("Inbox User", "Sales User"))
		mt.make_user(SERVICES, SERVICES_ROLES)
		for user in (MEMBER, SERVICES):
			update_password(user, PASSWORD)
		cls.cleanup()
		cls.dovecot = load_servers().start_dovecot()
		# the site names its loopback Dovecot among its own mail servers (own_mailbox.check_public_host)
		update_site_config(INTERNAL_HOSTS, ["127.0.0.1"])
		box = t.make_email_account(
			"crm-mbx-service-orders@ourco.example",
			name=MAILBOX,
			crm_purpose="Shared",
			crm_members=[{"user": SERVICES, "access": "Process"}, {"user": MEMBER, "access": "Process"}],
		)
		cls.customer = t.make_customer(domains=[t.random_domain()])
		domain = frappe.db.get_value("Customer Email Domain", {"parent": cls.customer.name}, "domain")
		mt.fresh_settings()
		raw = t.hostile_email(f"olga@{domain}", box.email_id, SUBJECT)
		(mail,) = t.receive(box, raw)
		cls.mail = mail.name
		# the web server is another process
		frappe.db.commit()  # nosemgrep

	@classmethod
	def cleanup(cls):
		for name in frappe.get_all("Email Account", filters={"email_id": ADDRESS}, pluck="name"):
			frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
		for name in frappe.get_all(
			"Connected App", filters={"client_id": "connect-browser-test"}, pluck="name"
		):
			frappe.delete_doc("Connected App", name, force=True, ignore_permissions=True)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		if getattr(cls, "dovecot", None):
			cls.dovecot.stop()
		update_site_config(INTERNAL_HOSTS, "None")  # Frappe's word for "remove the key"
		cls.cleanup()
		if getattr(cls, "mail", None):
			thread = frappe.db.get_value("Communication", cls.mail, "crm_thread")
			frappe.delete_doc("Communication", cls.mail, force=True, ignore_permissions=True)
			if thread and frappe.db.exists("Mailbox Thread", thread):
				frappe.delete_doc("Mailbox Thread", thread, force=True, ignore_permissions=True)
		# the web server (another process) sees committed data only
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def browser(self, user: str, route: str) -> Browser:
		b = Browser(user, PASSWORD)  # one Playwright per thread at a time: each test closes its own
		self.addCleanup(b.close)
		b.open(route)
		return b

	def assert_inert(self, b: Browser) -> None:
		found = b.injected()
		self.assertEqual((found["xss"], found["injected"], found["images"]), (0, 0, 0), found)

	def field(self, name: str) -> str:
		return f'.modal.show [data-fieldname="{name}"] input, .modal.show [data-fieldname="{name}"] textarea'

	def test_a_member_connects_their_own_mailbox_from_the_workspace(self):
		b = self.browser(MEMBER, "app/crm-mailbox")
		b.page.click('.widget.shortcut-widget-box:has-text("Your Mailboxes")')
		b.page.wait_for_url("**/app/connect-mailbox")
		b.settle()
		b.page.click('.page-actions .primary-action:has-text("Connect a Mailbox")')
		b.page.wait_for_function(OPEN_DIALOG)
		b.settle()
		self.assertIn("no OAuth sign-in app for mail", b.page.inner_text(".modal.show"))

		# a hostile address: nothing suggested, nothing drawn
		b.page.fill(self.field("email_id"), 'eve@<img src=x onerror="window.__xss=1">.example')
		b.page.press(self.field("email_id"), "Tab")
		b.settle(1000)
		self.assert_inert(b)
		self.assertEqual(b.run("() => cur_dialog.get_value('email_server') || ''"), "")

		b.page.fill(self.field("email_id"), ADDRESS)
		b.page.press(self.field("email_id"), "Tab")
		b.page.wait_for_function("() => cur_dialog.get_value('email_server') === 'imap.gmail.com'")
		self.assertIn("Settings of Gmail filled in", b.page.inner_text(".modal.show"))
		self.assertEqual(b.run("() => cur_dialog.get_value('incoming_security')"), "ssl")
		self.assertEqual(b.run("() => cur_dialog.get_value('smtp_server')"), "smtp.gmail.com")

		# the servers this test has: Dovecot on loopback, with STARTTLS
		b.page.evaluate(
			"""(d) => cur_dialog.set_values({email_server: '127.0.0.1', incoming_security: 'starttls',
				incoming_port: d.port, smtp_server: '', login_id: d.user, password: d.password,
				folders: 'INBOX, ' + d.folder, link_parties: 'Leads'})""",
			{
				"port": self.dovecot.imap_port,
				"user": self.dovecot.user,
				"password": self.dovecot.password,
				"folder": HOSTILE_FOLDER,
			},
		)
		b.settle()

		# Test Connection saves a draft Frappe does not pull yet, and shows the job's steps
		b.page.click(".modal.show .btn-modal-secondary")
		b.settle(1000)
		draft = frappe.db.get_value(
			"Email Account",
			{"email_id": ADDRESS},
			["name", "enable_incoming", "crm_mailbox_owner"],
			as_dict=True,
		)
		self.assertEqual((draft.enable_incoming, draft.crm_mailbox_owner), (0, MEMBER))
		self.assertEqual(run_queued_connection_tests(), 1)
		b.page.wait_for_function(
			"() => /Connection (works|problem)/.test(cur_dialog.get_field('progress').$wrapper.text())"
		)
		self.assertIn("Incoming (IMAP)", b.page.inner_text(".modal.show"))

		# Connect: Frappe's own save logs in to the server; the dialog closes and the list shows it
		b.page.click(".modal.show .btn-modal-primary")
		b.page.wait_for_function("() => !(window.cur_dialog && cur_dialog.display)")
		b.settle(1000)
		row = b.page.locator(f'.crm-own-mailboxes tr[data-mailbox="{draft.name}"]')
		self.assertIn("Syncing", row.inner_text())
		self.assertIn("Kunden</b>", row.inner_text())  # the folder's name (as Frappe stored it), as text
		self.assert_inert(b)
		self.assertEqual(b.dialogs, [])
		frappe.db.rollback()  # see the web server's commits
		account = frappe.get_doc("Email Account", draft.name)
		self.assertEqual((account.enable_incoming, account.crm_purpose), (1, "Personal"))
		self.assertEqual(account.crm_link_parties, "Leads")

	def test_a_sign_in_apps_name_stays_text(self):
		frappe.get_doc(
			{
				"doctype": "Connected App",
				"provider_name": '<img src=x onerror="window.__xss=(window.__xss||0)+1"><b id=injected>G</b>',
				"client_id": "connect-browser-test",
				"authorization_uri": "https://accounts.example/o/oauth2/auth",
				"token_uri": "https://accounts.example/o/oauth2/token",
				"scopes": [{"scope": "https://mail.google.com/"}],
			}
		).insert(ignore_permissions=True)
		# the web server is another process
		frappe.db.commit()  # nosemgrep
		b = self.browser(MEMBER, "app/connect-mailbox")
		b.run("() => crm_mailbox.connect_mailbox()")
		b.page.wait_for_function(OPEN_DIALOG)
		b.run("() => cur_dialog.set_value('auth', 'oauth')")
		options = b.page.inner_text('.modal.show select[data-fieldname="connected_app"]')
		self.assertIn("G</b>", options)  # the name (as Frappe stored it), as text
		self.assert_inert(b)

	def test_the_own_profile_offers_connect_your_mailbox(self):
		b = self.browser(MEMBER, f"app/user/{MEMBER}")
		button = b.page.locator('.page-actions button:has-text("Connect Your Mailbox")')
		self.assertEqual(button.count(), 1)
		button.click()
		b.page.wait_for_url("**/app/connect-mailbox")

	def test_the_email_account_forms_test_connection_still_shows_its_steps(self):
		# its progress code moved to connection_test.js, shared with the connect dialog
		mt.make_user(ADMIN, ("System Manager",))
		update_password(ADMIN, PASSWORD)
		account = t.make_email_account(
			"crm-mbx-connect-form@ourco.example",
			name="CRM Mailbox Test Connect Form",
			email_server="127.0.0.1",
			incoming_port=self.dovecot.imap_port,
			use_ssl=0,
			use_starttls=1,
			login_id_is_different=1,
			login_id=self.dovecot.user,
			password=self.dovecot.password,
		)

		def drop():
			frappe.delete_doc("Email Account", account.name, force=True, ignore_permissions=True)
			# committed at once: an open delete would hold locks the next test's login waits on
			frappe.db.commit()  # nosemgrep

		self.addCleanup(drop)
		# the web server is another process
		frappe.db.commit()  # nosemgrep
		b = self.browser(ADMIN, f"app/email-account/{account.name}")
		b.page.click('.page-actions button:has-text("Test Connection")')
		b.page.wait_for_function(OPEN_DIALOG)
		b.settle(1000)
		self.assertEqual(run_queued_connection_tests(), 1)
		b.page.wait_for_function(
			"() => /Connection (works|problem)/.test(document.querySelector('.modal.show').innerText)"
		)
		self.assertIn("Incoming (IMAP)", b.page.inner_text(".modal.show"))

	def test_create_project_from_an_email(self):
		member = Browser(MEMBER, PASSWORD)
		try:  # one Playwright at a time
			member.open(f"app/communication/{self.mail}")
			self.assertNotIn("project", [e.lower() for e in self.create_entries(member)])
		finally:
			member.close()
		b = self.browser(SERVICES, f"app/communication/{self.mail}")
		self.assertIn("project", [e.lower() for e in self.create_entries(b)])
		b.run("() => crm_mailbox.make_project(cur_frm)")
		b.page.wait_for_function(OPEN_DIALOG)
		b.settle()
		title = b.page.locator('.modal.show input[data-fieldname="title"]')
		self.assertEqual(title.input_value(), "")
		self.assertEqual(title.get_attribute("placeholder"), SUBJECT)
		self.assertEqual(b.run("() => cur_dialog.get_value('customer')"), self.customer.name)
		attachment = frappe.db.get_value(
			"File", {"attached_to_doctype": "Communication", "attached_to_name": self.mail}, "file_name"
		)
		self.assertIn(attachment, b.page.inner_text(".modal.show"))  # the attachment's name, as text
		self.assert_inert(b)
		b.page.fill('.modal.show input[data-fieldname="title"]', f"Service 3 pumps ({self.mail})")
		b.run("() => cur_dialog.set_value('scope', 'Yearly service of 3 pumps on site')")
		b.run("() => cur_dialog.get_primary_btn().click()")
		b.page.wait_for_url("**/app/project/**")
		b.settle()
		self.assert_inert(b)
		frappe.db.rollback()  # see the web server's commits
		project = frappe.get_doc("Project", {"project_name": f"Service 3 pumps ({self.mail})"})
		self.assertEqual(project.customer, self.customer.name)
		self.assertTrue(
			frappe.db.exists("File", {"attached_to_doctype": "Project", "attached_to_name": project.name})
		)
		self.assertEqual(
			t.links_of(frappe.get_doc("Communication", self.mail)).get(("Project", project.name)), "Manual"
		)

	def create_entries(self, b: Browser) -> list[str]:
		return b.page.evaluate(
			"""() => [...document.querySelectorAll('.inner-group-button[data-label="Create"] .dropdown-item')]
				.map((el) => el.dataset.label || el.textContent.trim())"""
		)
