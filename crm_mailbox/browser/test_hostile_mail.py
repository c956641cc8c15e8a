"""Browser: hostile mail, received through Frappe's real intake, opened as a member on every screen it feeds.

Display names, subject, body and attachment name carry harmless markup: an image whose onerror counts in
window.__xss, and a bold tag with id "injected". A screen fails when a script ran, a browser dialog opened,
or email text became an element (#injected, img[src=x]) instead of text.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import update_password

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing import records
from crm_mailbox.threads import overdue

# how the subject's bold tag reads once stored as inert text; these screens must show it
INERT_MARKUP = "\u2039b id=injected>bold\u2039/b>"
SHOWS_SUBJECT = (
	"email form",
	"email list",
	"Synced Emails report",
	"notifications dropdown",
	"thread form",
	"thread list",
	"rule run",
	"Customer timeline",
	"Contact timeline",
	"Lead timeline",
	"rule-made Task",
)
MEMBER = "crm-mbx-xss-member@ourco.example"
PASSWORD = "Xss-Test-Pa55word!"
MAILBOX = "CRM Mailbox Test XSS"
RULE = "XSS follow-up rule"


class TestHostileMailInTheDesk(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		cls.created: list[tuple[str, str]] = []
		cls.seed()
		# the web server is another process
		frappe.db.commit()  # nosemgrep
		cls.browser = Browser(MEMBER, PASSWORD)

	@classmethod
	def seed(cls):
		mt.make_user(MEMBER, ("Inbox User", "Sales User", "Projects User"))
		update_password(MEMBER, PASSWORD)
		people = mt.People()
		box = mt.crm_mailbox(
			people,
			name=MAILBOX,
			create_contact=1,
			crm_owner_strategy="Fixed user",
			crm_fixed_owner=MEMBER,
			crm_members=[{"user": MEMBER, "access": "Process"}],
		)
		mt.fresh_settings()
		if not frappe.db.exists("Mailbox Routing Rule", {"rule_name": RULE}):
			frappe.get_doc(
				{
					"doctype": "Mailbox Routing Rule",
					"rule_name": RULE,
					"email_account": box.name,
					"match": "All",
					"conditions": [{"field": "subject", "operator": "contains", "value": "bold"}],
					"actions": [{"action": "create_task", "users": MEMBER, "title": "Follow up"}],
				}
			).insert(ignore_permissions=True)

		domain = t.random_domain()
		customer = t.make_customer(domains=[domain])
		cls.customer = customer.name
		# Frappe's intake keeps only the part of an address its pattern accepts ("o'neil&eve.x@" arrives as
		# "eve.x@"): hostile addresses do not reach stored fields, hostile display names do
		sender = t.unique_address("eve", domain)
		(mail,) = t.receive(box, t.hostile_email(sender, box.email_id, f"Quote {t.HOSTILE} & terms"))
		cls.mail = mail.name
		lead_mail_sender = t.unique_address("mallory")
		(lead_mail,) = t.receive(box, t.hostile_email(lead_mail_sender, box.email_id, f"New {t.HOSTILE}"))
		cls.lead_mail = lead_mail.name
		origin = records.Origin(records.MANUAL, "browser test", "Administrator")
		cls.seed_failures = []
		try:
			cls.lead = records.create_lead(frappe.get_doc("Communication", lead_mail.name), origin).name
		except Exception as e:
			frappe.db.rollback()
			cls.lead, cls.seed_failures = None, [f"Create Lead from the hostile mail failed: {e}"]
		cls.senders = [sender, lead_mail_sender]
		cls.contact = frappe.db.get_value("Contact Email", {"email_id": sender}, "parent")
		cls.thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
		cls.task = frappe.db.get_value(
			"Mailbox Email Link",
			{"communication": mail.name, "link_doctype": "Task"},
			"link_name",
		)
		cls.rule_run = frappe.db.get_value("Mailbox Rule Run", {"communication": mail.name}, "name")
		overdue.notify(cls.thread, overdue.OWNER_NOTIFIED)

	@classmethod
	def tearDownClass(cls):
		if getattr(cls, "browser", None):
			cls.browser.close()
		frappe.set_user("Administrator")
		cls.clean_up()
		super().tearDownClass()

	@classmethod
	def clean_up(cls):
		frappe.db.rollback()
		mails = [m for m in (getattr(cls, "mail", None), getattr(cls, "lead_mail", None)) if m]
		for mail in mails:
			for thread in frappe.get_all(
				"Mailbox Thread", filters={"first_communication": mail}, pluck="name"
			):
				frappe.delete_doc("Mailbox Thread", thread, force=True, ignore_permissions=True)
		for doctype, name in (
			("Task", getattr(cls, "task", None)),
			("Lead", getattr(cls, "lead", None)),
			("Contact", getattr(cls, "contact", None)),
			*[("Communication", m) for m in mails],
			("Customer", getattr(cls, "customer", None)),
		):
			if name and frappe.db.exists(doctype, name):
				try:
					frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
				except Exception:
					frappe.db.rollback()
					frappe.log_error(title=f"crm_mailbox browser test: cleaning up {doctype} {name} failed")
		for address in getattr(cls, "senders", []):
			for contact in frappe.get_all("Contact Email", filters={"email_id": address}, pluck="parent"):
				frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
		frappe.db.delete("Notification Log", {"for_user": MEMBER})
		frappe.db.delete("ToDo", {"allocated_to": MEMBER})
		# the web server (another process) and the realtime queue see committed data only
		frappe.db.commit()  # nosemgrep

	def screens(self):
		"""(what the member looks at, how to get there)."""
		b = self.browser
		form = f"app/communication/{self.mail}"

		def on_form(script):
			def go():
				if not b.page.url.endswith(form):
					b.open(form)
				b.run("() => { cur_dialog && cur_dialog.hide(); }")
				b.run(script)

			return go

		yield "email form", lambda: b.open(form)
		yield "Create > Lead dialog", on_form("() => crm_mailbox.make_lead(cur_frm)")
		yield "Create > Opportunity dialog", on_form("() => crm_mailbox.make_opportunity(cur_frm)")
		yield "Create > Task dialog", on_form("() => crm_mailbox.make_task(cur_frm)")
		yield "Create > Issue dialog", on_form("() => crm_mailbox.make_issue(cur_frm)")
		yield "Create > Contact dialog", on_form("() => crm_mailbox.make_contact(cur_frm)")
		yield "Link to... dialog", on_form("() => crm_mailbox.link_emails([cur_frm.doc.name])")
		yield "Unlink dialog", on_form("() => crm_mailbox.unlink_dialog(cur_frm)")
		yield "email list", lambda: b.open("app/communication?sent_or_received=Received")
		yield "Synced Emails report", lambda: b.open("app/query-report/Synced Emails")
		yield "CRM Mailbox workspace", lambda: b.open("app/crm-mailbox")

		def notifications():
			b.open("app/crm-mailbox")
			b.page.locator(".dropdown-notifications .nav-link, .notifications-icon").first.click()
			b.settle(1000)

		yield "notifications dropdown", notifications
		yield "thread form", lambda: b.open(f"app/mailbox-thread/{self.thread}")
		yield "thread list", lambda: b.open("app/mailbox-thread")
		if self.rule_run:
			yield "rule run", lambda: b.open(f"app/mailbox-rule-run/{self.rule_run}")
		yield "Customer timeline", lambda: b.open(f"app/customer/{self.customer}")
		if self.contact:
			yield "Contact timeline", lambda: b.open(f"app/contact/{self.contact}")

		def lead_timeline():
			b.open(f"app/lead/{self.lead}")
			# ERPNext's Lead keeps the timeline on its Activities tab
			b.page.locator(".form-tabs .nav-link", has_text="Activities").first.click()
			b.settle(1000)

		if self.lead:
			yield "Lead timeline", lead_timeline
		if self.task:
			yield "rule-made Task", lambda: b.open(f"app/task/{self.task}")
		yield "ToDo list", lambda: b.open("app/todo")

	def test_email_text_stays_text_on_every_screen(self):
		b = self.browser
		failures = list(self.seed_failures)
		if not self.rule_run:
			failures.append("the routing rule did not run on the hostile mail")
		if not self.task:
			failures.append("the routing rule made no Task from the hostile mail")
		for screen, go in self.screens():
			if b.page.url.startswith("http"):
				b.page.evaluate("() => { window.__xss = 0; }")
			b.dialogs.clear()
			try:
				go()
			except Exception as e:
				failures.append(f"{screen}: could not open ({str(e).splitlines()[0][:200]})")
				continue
			found = b.injected()
			if screen in SHOWS_SUBJECT and INERT_MARKUP not in b.page.inner_text("body"):
				found["subject not shown as text"] = 1
			problems = [f"{k}={v}" for k, v in found.items() if v]
			if b.dialogs:
				problems.append(f"browser dialogs {b.dialogs}")
			if problems:
				failures.append(f"{screen}: " + ", ".join(problems))
		self.assertEqual(failures, [], "email text became markup or ran:\n" + "\n".join(failures))
