"""Bench suite: `bench crm-mailbox demo` makes the demo it describes, makes nothing twice, and stays off
sites that are not for testing."""

from __future__ import annotations

import subprocess

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from crm_mailbox import demo
from crm_mailbox.demo import cast, week

COUNTED = ("Communication", "Mailbox Thread", "Mailbox Email Link", "Mailbox Rule Run", "Lead", "Contact")
COUNTED += ("Customer", "Opportunity", "Issue", "ToDo", "File", "Mailbox Routing Rule", "Email Account")


def row_counts() -> dict[str, int]:
	return {doctype: frappe.db.count(doctype) for doctype in COUNTED}


def thread_of(key: str) -> str | None:
	return frappe.db.get_value("Communication", {"message_id": f"demo-{key}@crm-mailbox.demo"}, "crm_thread")


class TestDemo(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.first = demo.build()

	def test_the_demo_holds_what_it_says(self):
		mails = week.week()
		self.assertEqual(self.first["mailboxes"], 2)
		self.assertEqual(self.first["customers"], len(cast.CUSTOMERS))
		self.assertEqual(self.first["leads"], len(cast.LEADS))
		self.assertEqual(self.first["emails"], len(mails))
		self.assertEqual(self.first["threads"], len({mail.thread for mail in mails}))
		self.assertEqual(self.first["rules"], sum(len(rules) for rules in cast.RULES.values()))
		self.assertGreaterEqual(self.first["links"], len(mails) - 1, "every email but the bounce is linked")
		self.assertGreater(self.first["rule_runs"], 0)
		self.assertGreater(self.first["owned_threads"], 0)

		# the week's threads: a reply joins the thread of the email it answers
		for key, reply in (("acme-inquiry", "acme-inquiry-2"), ("pump-broken", "pump-broken-2")):
			self.assertTrue(thread_of(key))
			self.assertEqual(thread_of(reply), thread_of(key), reply)
		self.assertEqual(len({thread_of(mail.key) for mail in mails}), self.first["threads"])

		seals = frappe.db.get_value("Communication", {"message_id": "demo-globex-seals@crm-mailbox.demo"})
		self.assertTrue(
			frappe.db.exists("File", {"attached_to_doctype": "Communication", "attached_to_name": seals}),
			"the specification's PDF is attached",
		)
		zurich = frappe.db.get_value(
			"Communication",
			{"message_id": "demo-zurich@crm-mailbox.demo"},
			["subject", "sender"],
			as_dict=True,
		)
		self.assertEqual(zurich.subject, "Anfrage: 3 Kreiselpumpen für Zürich – Lieferung bis März?")

		acme = frappe.db.get_value("Customer", {"customer_name": "Acme Industries"})
		inquiry = frappe.db.get_value("Communication", {"message_id": "demo-acme-inquiry@crm-mailbox.demo"})
		self.assertTrue(
			frappe.db.exists(
				"Mailbox Email Link",
				{"communication": inquiry, "link_doctype": "Customer", "link_name": acme, "status": "Linked"},
			),
			"the known customer's inquiry is linked to the customer",
		)
		self.assertEqual(frappe.db.get_value("Mailbox Thread", thread_of("bounce"), "work_status"), "Ignored")
		# the intake hands our hooks the whole message: the newsletter's List-Id marks it automated
		newsletter = frappe.db.get_value(
			"Communication", {"message_id": "demo-newsletter@crm-mailbox.demo"}, "crm_is_automated"
		)
		self.assertEqual(newsletter, 1)
		issue = frappe.db.get_value(
			"Mailbox Email Link",
			{
				"communication": frappe.db.get_value(
					"Communication", {"message_id": "demo-pump-broken@crm-mailbox.demo"}
				),
				"link_doctype": "Issue",
			},
			"link_name",
		)
		self.assertEqual(frappe.db.get_value("Issue", issue, "priority"), "High", "the breakdown rule ran")

	def test_running_it_again_makes_nothing_new(self):
		before = row_counts()
		again = demo.build()
		self.assertEqual(again["received_now"], 0)
		self.assertEqual({**again, "received_now": 0}, {**demo.summary(), "received_now": 0})
		self.assertEqual(row_counts(), before)

	def test_it_refuses_a_site_that_is_not_for_testing_unless_forced(self):
		saved = {key: frappe.conf.get(key) for key in ("allow_tests", "developer_mode")}
		frappe.conf.update(allow_tests=0, developer_mode=0)
		try:
			with self.assertRaises(demo.DemoRefused):
				demo.build()
			self.assertEqual(demo.build(force=True)["received_now"], 0)
		finally:
			frappe.conf.update(saved)

	def test_running_it_again_keeps_what_users_changed_in_its_mailboxes(self):
		# e.g. a real password entered (no longer Awaiting Password), a longer reply deadline
		frappe.db.set_value("Email Account", cast.SALES, "crm_reply_deadline_hours", 12)
		try:
			demo.build()
			self.assertEqual(frappe.db.get_value("Email Account", cast.SALES, "crm_reply_deadline_hours"), 12)
		finally:
			frappe.db.set_value("Email Account", cast.SALES, "crm_reply_deadline_hours", 8)
			frappe.db.commit()  # nosemgrep (build commits; put the demo back as it was)

	def test_with_a_password_the_team_can_log_in(self):
		from frappe.utils.password import check_password

		demo.build(password="Demo-Pa55word!")
		for user in cast.TEAM:
			self.assertEqual(check_password(user, "Demo-Pa55word!"), user)

	def test_the_command_prints_its_progress_and_what_it_made(self):
		run = subprocess.run(
			["bench", "--site", frappe.local.site, "crm-mailbox", "demo"],
			cwd=get_bench_path(),
			capture_output=True,
			text=True,
			timeout=300,
		)
		self.assertEqual(run.returncode, 0, run.stderr[-2000:])
		self.assertIn(f"mail: {len(week.week())}/{len(week.week())}", run.stderr)
		self.assertIn(f"{self.first['threads']} threads", run.stdout)
		self.assertIn("(0 new)", run.stdout)
