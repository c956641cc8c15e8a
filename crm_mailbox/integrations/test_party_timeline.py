"""A Task made from a customer's email is on the customer's timeline, for those who may see both."""

from __future__ import annotations

import frappe
from frappe.desk.form.load import get_docinfo
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing import records

MEMBER = "crm-mbx-timeline-member@ourco.example"
SELLER = "crm-mbx-timeline-seller@ourco.example"  # reads Customers, not Tasks
OUTSIDER = "crm-mbx-timeline-outsider@ourco.example"  # reads Customers and Tasks, not the mailbox
SUBJECT = f"Samples & prices {t.HOSTILE}"


class TestWorkOnThePartyTimeline(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		mt.make_user(MEMBER, ("Inbox User", "Sales User", "Projects User"))
		mt.make_user(SELLER, ("Inbox User", "Sales User"))
		mt.make_user(OUTSIDER, ("Inbox User", "Sales User", "Projects User"))
		self.box = mt.team_mailbox(
			mt.People(),
			name="CRM Mailbox Test Party Timeline",
			crm_members=[{"user": MEMBER, "access": "Process"}, {"user": SELLER, "access": "Read"}],
			crm_share_linked_mail=0,
		)
		mt.fresh_settings()
		domain = t.random_domain()
		self.customer = t.make_customer(domains=[domain]).name
		(self.mail,) = t.receive(
			self.box, t.build_email(t.unique_address("buyer", domain), to=self.box.email_id, subject=SUBJECT)
		)
		self.assertIn(("Customer", self.customer), t.links_of(self.mail))
		brief = records.TaskBrief(title="Send the samples", priority="High")
		origin = records.Origin(records.MANUAL, "Task made by test", MEMBER)
		self.task = records.create_task(self.mail, brief, origin, ignore_permissions=True).name

	def timeline(self, user: str) -> str:
		frappe.set_user(user)
		try:
			get_docinfo(frappe.get_doc("Customer", self.customer))
			return " ".join(i["content"] for i in frappe.response["docinfo"]["additional_timeline_content"])
		finally:
			frappe.set_user("Administrator")

	def test_a_member_sees_the_task_beside_the_email_and_the_subject_stays_text(self):
		shown = self.timeline(MEMBER)
		self.assertIn(self.task, shown)
		self.assertIn("Send the samples", shown)
		self.assertIn("Samples &amp; prices", shown, "the email's subject is not escaped once")
		self.assertNotIn("<b id=injected>", shown)
		self.assertNotIn("<img", shown)

	def test_no_task_for_who_may_not_read_tasks_or_the_unshared_mailbox(self):
		self.assertNotIn(self.task, self.timeline(SELLER))
		self.assertNotIn(self.task, self.timeline(OUTSIDER))
