"""Bench suite: the list sidebar's group-by counts tell outsiders nothing about a mailbox's mail.

Frappe counts "Assigned To" without any permission check (frappe.desk.listview.get_group_by_count),
so with a subject filter an outsider could test guesses about a thread's subject. The calls go
through frappe.handler.execute_cmd, as the desk's sidebar does, so the hooks' override is what runs.
Users carry only the roles a real member has.
"""

from __future__ import annotations

import frappe
from frappe.desk import listview
from frappe.desk.form import assign_to
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

GROUP_BY = "frappe.desk.listview.get_group_by_count"


def user(name: str, roles) -> str:
	return mt.make_user(f"crm-groupby-{name}@ourco.example", roles)


def group_by_count(user: str, doctype: str, field: str, filters: list) -> list[dict]:
	"""The sidebar's counts as the desk asks for them, as this user."""
	from frappe.handler import execute_cmd
	from frappe.utils import set_request

	set_request(method="POST", path=f"/api/method/{GROUP_BY}")
	frappe.set_user(user)
	mt.fresh_settings()
	frappe.local.form_dict = frappe._dict(
		cmd=GROUP_BY, doctype=doctype, field=field, current_filters=frappe.as_json(filters)
	)
	try:
		return [dict(row) for row in execute_cmd(GROUP_BY)]
	finally:
		frappe.local.request = None
		frappe.set_user("Administrator")


class TestGroupByCounts(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.proc = user("proc", ("Inbox User", "Sales User"))
		cls.outsider = user("outsider", ("Inbox User", "Sales User"))
		cls.support = user("support", ("Support Team",))
		cls.team = t.make_email_account(
			"crm-groupby-team@ourco.example",
			name="CRM Group By Team",
			crm_purpose="Shared",
			crm_owner_strategy="Round robin",
			crm_members=[{"user": cls.proc, "access": "Process"}],
		)
		mt.fresh_settings()
		cls.secret = "Xk9" + frappe.generate_hash(length=10)
		(mail,) = t.receive(
			cls.team,
			t.build_email(t.unique_address("customer"), to=cls.team.email_id, subject=cls.secret + " offer"),
		)
		cls.mail = mail.name
		cls.thread = ownership.thread_of(cls.mail)
		# an email can be assigned by hand too (the desk's Assign To on the Communication form)
		assign_to.add({"assign_to": [cls.proc], "doctype": "Communication", "name": cls.mail})

	def tearDown(self):
		frappe.set_user("Administrator")

	def subject_like(self, doctype: str, prefix: str) -> list:
		return [[doctype, "subject", "like", prefix + "%"]]

	def test_outsiders_get_no_assignment_counts_for_a_mailboxs_threads(self):
		self.assertEqual(frappe.db.get_value(ownership.THREAD, self.thread, "thread_owner"), self.proc)
		guess = self.subject_like(ownership.THREAD, self.secret)
		for outsider in (self.outsider, self.support):
			self.assertEqual(group_by_count(outsider, ownership.THREAD, "assigned_to", guess), [], outsider)

	def test_members_get_the_right_assignment_counts(self):
		guess = self.subject_like(ownership.THREAD, self.secret)
		self.assertEqual(
			group_by_count(self.proc, ownership.THREAD, "assigned_to", guess),
			[{"name": self.proc, "count": 1}],
		)
		wrong = self.subject_like(ownership.THREAD, "Zz" + self.secret)
		self.assertEqual(group_by_count(self.proc, ownership.THREAD, "assigned_to", wrong), [])

	def test_outsiders_get_no_assignment_counts_for_a_mailboxs_emails(self):
		guess = self.subject_like("Communication", self.secret)
		# Support Team reads Communications (Issues' mail) by Frappe's rules, just not this mailbox's
		self.assertEqual(group_by_count(self.outsider, "Communication", "assigned_to", guess), [])
		self.assertEqual(group_by_count(self.support, "Communication", "assigned_to", guess), [])
		self.assertEqual(
			group_by_count(self.proc, "Communication", "assigned_to", guess),
			[{"name": self.proc, "count": 1}],
		)

	def test_other_group_by_fields_stay_permission_checked(self):
		guess = self.subject_like(ownership.THREAD, self.secret)
		for field in ("owner", "work_status", "email_account"):
			self.assertEqual(group_by_count(self.outsider, ownership.THREAD, field, guess), [], field)
			self.assertEqual(
				sum(row["count"] for row in group_by_count(self.proc, ownership.THREAD, field, guess)),
				1,
				field,
			)

	def test_other_doctypes_get_frappes_own_counts(self):
		filters = [["ToDo", "status", "=", "Open"]]
		self.assertEqual(
			group_by_count("Administrator", "ToDo", "assigned_to", filters),
			[
				dict(row)
				for row in listview.get_group_by_count("ToDo", frappe.as_json(filters), "assigned_to")
			],
		)
