"""Bench suite: routing rules on emails received through Frappe's receive path."""

from __future__ import annotations

import time

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.crm_mailbox.doctype.mailbox_routing_rule.mailbox_routing_rule import InvalidRoutingRule
from crm_mailbox.routing import engine

COUNTED = ("Lead", "Opportunity", "Task", "Issue", "ToDo", "Mailbox Rule Run", "Mailbox Email Link", "File")


def make_rule(account, conditions, actions, match="All", **fields):
	return frappe.get_doc(
		{
			"doctype": "Mailbox Routing Rule",
			"rule_name": fields.pop("rule_name", "Rule " + frappe.generate_hash(length=5)),
			"email_account": account.name,
			"match": match,
			"conditions": [dict(zip(("field", "operator", "value"), c, strict=False)) for c in conditions],
			"actions": actions,
			**fields,
		}
	).insert(ignore_permissions=True)


def new_account():
	address = t.unique_address("inbox", "ourco.example")
	return t.make_email_account(address, name="CRM Mailbox Rules " + frappe.generate_hash(length=6))


def made_from(mail, doctype):
	return frappe.get_all(
		"Mailbox Email Link",
		filters={
			"communication": mail.name,
			"link_doctype": doctype,
			"status": "Linked",
			"reason": ("in", ("Rule", "Manual")),
		},
		pluck="link_name",
	)


def row_counts():
	return {doctype: frappe.db.count(doctype) for doctype in COUNTED}


class TestRuleValidation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = new_account()

	def test_regex_that_does_not_compile_is_refused(self):
		with self.assertRaises(InvalidRoutingRule) as caught:
			make_rule(self.account, [("subject", "matches", "quote (")], [{"action": "add_tag", "tag": "x"}])
		self.assertIn("does not compile", str(caught.exception))

	def test_condition_on_unknown_field_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			make_rule(self.account, [("colour", "equals", "red")], [{"action": "add_tag", "tag": "x"}])

	def test_action_without_its_parameter_is_refused(self):
		with self.assertRaises(InvalidRoutingRule) as caught:
			make_rule(self.account, [("subject", "contains", "quote")], [{"action": "set_priority"}])
		self.assertIn("priority", str(caught.exception))


class TestRouting(FrappeTestCase):
	def setUp(self):
		self.account = new_account()

	def receive(self, sender, **kwargs):
		(mail,) = t.receive(self.account, t.build_email(sender, to=self.account.email_id, **kwargs))
		self.assertIsNotNone(mail, "the email was not saved")
		return mail

	def sales_rules(self):
		unknown = make_rule(
			self.account,
			[("sender_known", "is_false"), ("is_automated", "is_false")],
			[{"action": "create_lead"}, {"action": "create_opportunity"}],
			rule_name="Unknown senders become leads",
			sequence=1,
		)
		quotes = make_rule(
			self.account,
			[("subject_or_body", "matches", r"\bquot(e|ation)\b")],
			[
				{"action": "create_task", "users": "Administrator", "title": "Quote"},
				{"action": "set_priority", "priority": "High"},
				{"action": "add_tag", "tag": "quote-request"},
			],
			rule_name="Quote requests",
			sequence=2,
		)
		return unknown, quotes

	def test_unknown_sender_asking_for_a_quote_becomes_lead_opportunity_and_task(self):
		unknown, quotes = self.sales_rules()
		sender = t.unique_address("maria")
		mail = self.receive(f"Maria Lopez <{sender}>", subject="Re: Quote for 200 pumps")

		(lead,) = made_from(mail, "Lead")
		self.assertEqual(frappe.db.get_value("Lead", lead, "email_id"), sender)
		(opportunity,) = made_from(mail, "Opportunity")
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity, ["opportunity_from", "party_name"]),
			("Lead", lead),
		)
		(task,) = made_from(mail, "Task")
		task = frappe.get_doc("Task", task)
		self.assertEqual(task.subject, "Quote: Quote for 200 pumps")
		self.assertEqual(task.priority, "High")
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{"reference_type": "Task", "reference_name": task.name, "allocated_to": "Administrator"},
			)
		)
		self.assertIn("quote-request", frappe.db.get_value("Communication", mail.name, "_user_tags"))

		runs = frappe.get_all(
			"Mailbox Rule Run", filters={"communication": mail.name}, fields=["rule", "matched_because"]
		)
		self.assertEqual({r.rule for r in runs}, {unknown.name, quotes.name})
		self.assertIn("sender is not known", {r.rule: r.matched_because for r in runs}[unknown.name])
		for rule in (unknown, quotes):
			rule.reload()
			self.assertEqual(rule.match_count, 1)
			self.assertIsNotNone(rule.last_matched_on)

	def test_running_again_makes_nothing_twice(self):
		unknown, quotes = self.sales_rules()
		mail = self.receive(t.unique_address("again"), subject="Quotation please")
		before = row_counts()
		engine.run_for_email(mail.name)
		engine.run_for_email(mail.name)
		self.assertEqual(row_counts(), before)
		self.assertEqual(len(made_from(mail, "Lead")), 1)
		self.assertEqual(len(made_from(mail, "Task")), 1)
		unknown.reload()
		self.assertEqual(unknown.match_count, 1)

	def test_two_rules_creating_a_lead_make_one_lead(self):
		for _ in range(2):
			make_rule(self.account, [("sender_known", "is_false")], [{"action": "create_lead"}])
		mail = self.receive(t.unique_address("twice"))
		self.assertEqual(len(made_from(mail, "Lead")), 1)

	def test_known_sender_gets_no_new_lead_and_stop_after_ends_the_rules(self):
		address = t.unique_address("known")
		lead = t.make_lead(address)
		first = make_rule(
			self.account,
			[("sender_known", "is_true")],
			[{"action": "create_issue"}],
			stop_after=1,
			sequence=1,
		)
		later = make_rule(
			self.account, [("sender", "contains", "known")], [{"action": "create_lead"}], sequence=2
		)
		mail = self.receive(address, subject="Pump broken")
		(issue,) = made_from(mail, "Issue")
		self.assertEqual(frappe.db.get_value("Issue", issue, ["subject", "lead"]), ("Pump broken", lead.name))
		self.assertEqual(frappe.get_all("Lead", filters={"email_id": address}, pluck="name"), [lead.name])
		later.reload()
		self.assertEqual(later.match_count, 0)
		first.reload()
		self.assertEqual(first.match_count, 1)

	def test_a_colleague_is_no_stranger(self):
		self.sales_rules()
		colleague = self.receive(f"ops.{frappe.generate_hash(length=5)}@ourco.example", subject="FYI")
		self.assertEqual(made_from(colleague, "Lead"), [])
		self.assertTrue(engine.facts_of(colleague).sender_known)

	def test_reply_in_a_thread_does_not_run_the_rules_again(self):
		make_rule(self.account, [("subject", "contains", "pumps")], [{"action": "create_task"}])
		first = self.receive(t.unique_address("thread"), subject="Pumps")
		message_id = f"<{first.message_id}>"
		reply = self.receive(
			t.unique_address("thread"), subject="Re: Pumps", in_reply_to=message_id, references=message_id
		)
		self.assertEqual(len(made_from(first, "Task")), 1)
		self.assertEqual(made_from(reply, "Task"), [])
		# the reply joins the thread's links, the Task among them, but makes no second Task
		self.assertEqual(t.links_of(reply).get(("Task", made_from(first, "Task")[0])), "Thread")
		self.assertFalse(frappe.db.exists("Mailbox Rule Run", {"communication": reply.name}))

	def test_link_to_record_records_rule_as_reason(self):
		customer = t.make_customer()
		make_rule(
			self.account,
			[("sender_domain", "equals", "partner.example")],
			[{"action": "link_to", "link_doctype": "Customer", "link_name": customer.name}],
		)
		mail = self.receive(t.unique_address("p", "eu.partner.example"))
		self.assertEqual(t.links_of(mail).get(("Customer", customer.name)), "Rule")
		self.assertIn(("Customer", customer.name), t.timeline_of(mail))

	def test_pathological_pattern_does_not_stall_the_worker(self):
		make_rule(self.account, [("body", "matches", r"^(a+)+$")], [{"action": "add_tag", "tag": "never"}])
		started = time.monotonic()
		mail = self.receive(t.unique_address("redos"), body="a" * 5000 + "!")
		self.assertLess(time.monotonic() - started, 10)
		self.assertNotIn("never", frappe.db.get_value("Communication", mail.name, "_user_tags") or "")

	def test_task_made_by_a_rule_from_a_forwarded_secret_carries_no_secret(self):
		make_rule(self.account, [("subject", "contains", "access details")], [{"action": "create_task"}])
		raw = t.with_message_id(t.eml("forwarded_with_secret.eml"))
		(mail,) = t.receive(self.account, raw)
		(task,) = made_from(mail, "Task")
		task = frappe.get_doc("Task", task)
		comments = " ".join(
			frappe.get_all(
				"Comment", filters={"reference_doctype": "Task", "reference_name": task.name}, pluck="content"
			)
		)
		self.assertEqual(task.subject, "Access details for the integration test")
		for secret in ("Tr0ub4dor", "482913", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI"):
			self.assertNotIn(secret, task.subject + task.description + comments)
		self.assertIn("[one-time code removed]", task.description)

	def test_dry_run_changes_nothing_and_predicts_the_live_run(self):
		mail = self.receive(t.unique_address("later"), subject="Quote for valves")
		self.assertFalse(frappe.db.exists("Mailbox Rule Run", {"communication": mail.name}))
		unknown, quotes = self.sales_rules()
		before = row_counts()
		tags_before = frappe.db.get_value("Communication", mail.name, "_user_tags")

		(report,) = [r for r in engine.preview(self.account.name, limit=5) if r.communication == mail.name]

		self.assertEqual(row_counts(), before)
		self.assertEqual(frappe.db.get_value("Communication", mail.name, "_user_tags"), tags_before)
		for rule in (unknown, quotes):
			rule.reload()
			self.assertEqual(rule.match_count, 0)
		predicted = [(s.rule, s.action, s.outcome.status, s.outcome.note) for s in report.steps]
		self.assertIn((unknown.name, "create_lead", "Done"), [p[:3] for p in predicted])
		self.assertIn((quotes.name, "create_task", "Done"), [p[:3] for p in predicted])

		live = engine.process(mail.name, dry_run=False)
		self.assertEqual(
			[(s.rule, s.action, s.outcome.status, s.outcome.note) for s in live.steps], predicted
		)


class TestRoutingInCrmMailbox(FrappeTestCase):
	"""Rules that act on the thread: owner, Ignored; CRM defaults on the Opportunity."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from crm_mailbox.mailboxes import testing as mt

		cls.people = mt.People()
		if not frappe.db.exists("Lead Source", "Mailbox Test Source"):
			frappe.get_doc({"doctype": "Lead Source", "source_name": "Mailbox Test Source"}).insert()
		cls.account = mt.crm_mailbox(
			cls.people,
			name="CRM Mailbox Rules CRM " + frappe.generate_hash(length=5),
			crm_opportunity_source="Mailbox Test Source",
			# the rules hand threads to proc2: a thread's owner must be a processor
			crm_members=[
				{"user": cls.people.proc1, "access": "Process"},
				{"user": cls.people.proc2, "access": "Process"},
			],
		)
		mt.fresh_settings()

	def receive(self, sender, **kwargs):
		(mail,) = t.receive(self.account, t.build_email(sender, to=self.account.email_id, **kwargs))
		return frappe.get_doc("Communication", mail.name)

	def test_rules_assign_the_owner_make_work_for_them_and_use_mailbox_defaults(self):
		make_rule(
			self.account,
			[("subject", "contains", "tender")],
			[
				{"action": "assign_owner", "strategy": "Fixed user", "users": self.people.proc2},
				{"action": "create_lead"},
				{"action": "create_opportunity"},
				{"action": "create_task"},
			],
		)
		mail = self.receive(t.unique_address("tender"), subject="Tender 2026/17: pumps")
		self.assertTrue(mail.crm_thread)
		self.assertEqual(
			frappe.db.get_value("Mailbox Thread", mail.crm_thread, "thread_owner"), self.people.proc2
		)
		(task,) = made_from(mail, "Task")
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_type": "Task", "reference_name": task, "allocated_to": self.people.proc2}
			)
		)
		(opportunity,) = made_from(mail, "Opportunity")
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity, "source"), "Mailbox Test Source")

	def test_mark_ignored_closes_the_thread(self):
		make_rule(self.account, [("subject", "contains", "newsletter")], [{"action": "mark_ignored"}])
		mail = self.receive(t.unique_address("news"), subject="Our newsletter for May")
		self.assertEqual(frappe.db.get_value("Mailbox Thread", mail.crm_thread, "work_status"), "Ignored")
		(run,) = frappe.get_all("Mailbox Rule Run", filters={"communication": mail.name}, pluck="name")
		self.assertEqual(frappe.get_doc("Mailbox Rule Run", run).actions[0].status, "Done")
