"""Bench suite: Create -> Project from an email, a services team's "service order".

The users hold only a member's roles: Inbox User and Sales User, plus Projects User for whoever
makes projects. The email comes through Frappe's receive path into a Shared mailbox.
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import create
from crm_mailbox.api import inbox as inbox_api
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

MEMBER = ("Inbox User", "Sales User")


def service_order(sender: str, to: str) -> bytes:
	msg = EmailMessage()
	msg["From"] = email.utils.formataddr(("Olga <b>Ops</b>", sender))
	msg["To"] = to
	msg["Subject"] = "Re: Service order: yearly maintenance of 3 pumps"
	msg["Date"] = email.utils.formatdate(localtime=True)
	msg["Message-ID"] = email.utils.make_msgid(domain="test.crm-mailbox.example")
	msg.set_content("Hello,\nplease service our 3 pumps in March, site plan attached.\n")
	msg.add_attachment(b"site plan", maintype="application", subtype="pdf", filename="site-plan.pdf")
	msg.add_attachment(b"old offer", maintype="text", subtype="plain", filename="<b>old</b> offer.txt")
	return msg.as_bytes()


class TestCreateProject(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		# the suite's own people, not new ones (Frappe refuses more than 60 new users an hour):
		# api/test_create.py's reader, mailboxes/testing.People, browser/test_create_dialogs.py's planner
		cls.services = mt.make_user(
			"crm-mailbox-reader@example.com", (*MEMBER, "Sales Manager", "Projects User", "Support Team")
		)
		cls.sales = mt.People().proc1  # Inbox User, Sales User
		cls.outsider = mt.make_user("crm-mbx-dialogs-planner@ourco.example", (*MEMBER, "Projects User"))
		cls.box = t.make_email_account(
			"crm-proj-service@ourco.example",
			name="CRM Project Service Desk",
			crm_purpose="Shared",
			crm_members=[
				{"user": cls.services, "access": "Process"},
				{"user": cls.sales, "access": "Read"},
			],
		)
		# not shared with everyone who reads the customer: the outsider reads no mail of it
		cls.box.crm_share_linked_mail = 0
		cls.box.save(ignore_permissions=True)
		cls.domain = t.random_domain()
		cls.customer = t.make_customer(domains=[cls.domain])

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()
		(self.mail,) = t.receive(self.box, service_order(f"olga@{self.domain}", self.box.email_id))

	def tearDown(self):
		frappe.set_user("Administrator")

	def title(self, text: str) -> str:
		"""Project names are unique: this test's own."""
		return f"{text} ({self.mail.name})"

	def test_a_service_order_becomes_the_customers_project_with_its_files_and_a_link_back(self):
		frappe.set_user(self.services)
		ctx = create.get_create_context(self.mail.name)
		self.assertEqual(ctx["party"], {"doctype": "Customer", "name": self.customer.name})
		plan = next(f for f in ctx["attachments"] if f.file_name == "site-plan.pdf")
		made = create.create_project(
			self.mail.name,
			title=self.title("Yearly maintenance, 3 pumps"),
			customer=self.customer.name,
			scope="Service 3 pumps on site\n<script>alert(1)</script>",
			expected_result="Pumps serviced, report signed",
			start="2027-03-01",
			deadline="2027-03-31",
			priority="High",
			attachments=[plan.name],
		)
		frappe.set_user("Administrator")
		project = frappe.get_doc("Project", made["name"])
		self.assertEqual(
			(project.project_name, project.customer),
			(self.title("Yearly maintenance, 3 pumps"), self.customer.name),
		)
		self.assertEqual((str(project.expected_end_date), project.priority), ("2027-03-31", "High"))
		self.assertIn("Scope", project.notes)
		self.assertIn("Pumps serviced, report signed", project.notes)
		self.assertIn("please service our 3 pumps", project.notes)  # the email's words for the team
		self.assertIn(self.mail.name, project.notes)  # and the way back to it
		self.assertNotIn("<script", project.notes)
		copies = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Project", "attached_to_name": project.name},
			fields=["file_url", "is_private"],
		)
		self.assertEqual([(c.file_url, c.is_private) for c in copies], [(plan.file_url, plan.is_private)])
		self.assertEqual(t.links_of(self.mail).get(("Project", project.name)), "Manual")
		self.assertIn(("Project", project.name), t.timeline_of(self.mail))
		frappe.set_user(self.services)
		self.assertEqual(create.get_create_context(self.mail.name)["made"]["Project"], [project.name])

	def test_making_a_project_leaves_the_threads_work_status(self):
		thread = ownership.thread_of(self.mail.name)
		before = frappe.db.get_value(ownership.THREAD, thread, ["work_status", "due_at"], as_dict=True)
		frappe.set_user(self.services)
		create.create_project(
			self.mail.name, title=self.title("Pump maintenance"), customer=self.customer.name
		)
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value(ownership.THREAD, thread, ["work_status", "due_at"], as_dict=True), before
		)

	def test_offered_and_allowed_only_to_members_who_may_create_a_project(self):
		thread = frappe.get_doc(ownership.THREAD, ownership.thread_of(self.mail.name))
		last = {"name": self.mail.name}
		frappe.set_user(self.services)
		self.assertTrue(inbox_api.permitted_actions(thread, last)["create_project"])
		frappe.set_user(self.sales)
		self.assertFalse(inbox_api.permitted_actions(thread, last)["create_project"])
		self.assertRaises(
			frappe.PermissionError,
			create.create_project,
			self.mail.name,
			title=self.title("Pump maintenance"),
		)
		frappe.set_user(self.outsider)  # may make projects, may not read this mailbox
		self.assertRaises(
			frappe.PermissionError,
			create.create_project,
			self.mail.name,
			title=self.title("Pump maintenance"),
		)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Project", {"project_name": self.title("Pump maintenance")}))

	def test_the_name_says_what_is_delivered_not_the_subject(self):
		frappe.set_user(self.services)
		for title in ("", "Re: Service order: yearly maintenance of 3 pumps"):
			with self.subTest(title=title):
				self.assertRaises(frappe.ValidationError, create.create_project, self.mail.name, title=title)
		self.assertRaises(
			frappe.ValidationError,
			create.create_project,
			self.mail.name,
			title="Pumps",
			project_type="<b>x</b>",
		)
