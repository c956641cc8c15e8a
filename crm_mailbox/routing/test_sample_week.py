"""Bench suite, the issue's acceptance scenario: a CRM mailbox with three rules works a sample week.

Real-client messages (tests/eml) and a few built ones go through Frappe's receive path into a CRM
mailbox whose two processors share new threads. Three rules (noise, support, new business) must
turn the week into the expected Leads, Opportunities, Tasks and Issues, each thread with an owner;
and the dry run over the same emails must predict exactly what the live run then does.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.routing import engine
from crm_mailbox.routing.test_routing import made_from, make_rule, row_counts


def fresh(raw: bytes, tag: str) -> bytes:
	"""The same message with a new Message-ID and senders of its own, so runs never collide."""
	raw = t.with_message_id(raw, f"<{tag}>")
	for old, new in (
		(b"acme-industries.com", f"acme-{tag[:8]}.example"),
		(b"p.kowalski@web.de", f"p.kowalski.{tag[:8]}@web.de"),
		(b"initech.co.uk", f"initech-{tag[:8]}.example"),
		# the messages it answers are not in this site: it starts a thread here
		(b"<ourco-sent-", f"<ourco-sent-{tag[:8]}-"),
		(b"<a1b2c3@", f"<a1b2c3-{tag[:8]}@"),
	):
		raw = raw.replace(old, new.encode())
	return raw


class TestSampleWeek(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()
		cls.account = mt.crm_mailbox(
			cls.people,
			name="CRM Mailbox Week " + frappe.generate_hash(length=5),
			crm_owner_strategy="Round robin",
			crm_members=[
				{"user": cls.people.proc1, "access": "Process"},
				{"user": cls.people.proc2, "access": "Process"},
			],
		)
		mt.fresh_settings()
		cls.globex_domain = t.random_domain()
		cls.globex = t.make_customer(domains=[cls.globex_domain])
		# the rule jobs run after commit: the mailbox and customer must be committed first
		frappe.db.commit()  # nosemgrep

	def week(self):
		"""Monday to Friday in one mailbox: inquiries, noise, a support case, a known customer."""
		tag = frappe.generate_hash(length=12)
		to = self.account.email_id
		return {
			"inquiry (Outlook)": fresh(t.eml("outlook_new_inquiry.eml"), f"{tag}1@x"),
			"private quote request (web.de)": fresh(t.eml("gmail_new_lead.eml"), f"{tag}2@x"),
			"bounce": fresh(t.eml("bounce_dsn.eml"), f"{tag}3@x"),
			"mailing list": fresh(t.eml("mailing_list.eml"), f"{tag}4@x"),
			"support case": t.build_email(
				f"IT Desk <it@{self.globex_domain}>",
				to=to,
				subject="Pump P-20 broken: error E42 since Monday",
			),
			"customer question": t.build_email(
				f"Chloe <chloe@{self.globex_domain}>",
				to=to,
				subject="Delivery address for order SO-2026-00017",
			),
			"notification": fresh(t.eml("noreply_notification.eml"), f"{tag}5@x"),
			"reply from new prospect (Thunderbird)": fresh(t.eml("thunderbird_plain.eml"), f"{tag}6@x"),
		}

	def rules(self):
		noise = make_rule(
			self.account,
			[("is_automated", "is_true")],
			[{"action": "mark_ignored"}],
			rule_name="Noise",
			sequence=1,
			stop_after=1,
		)
		support = make_rule(
			self.account,
			[("subject_or_body", "matches", r"\b(broken|error|defect|not working)\b")],
			[{"action": "create_issue"}, {"action": "set_priority", "priority": "High"}],
			rule_name="Support requests",
			sequence=2,
			stop_after=1,
		)
		business = make_rule(
			self.account,
			[("sender_known", "is_false")],
			[{"action": "create_lead"}, {"action": "create_opportunity"}, {"action": "create_task"}],
			rule_name="New business",
			sequence=3,
		)
		return noise, support, business

	def test_three_rules_turn_a_week_of_mail_into_accountable_work(self):
		# The week arrives before the rules exist: the dry run then speaks about real, received mail.
		mails = {}
		for label, raw in self.week().items():
			(mail,) = t.receive(self.account, raw)
			self.assertIsNotNone(mail, label)
			mails[label] = frappe.get_doc("Communication", mail.name)
		noise, support, business = self.rules()

		before = row_counts()
		predicted = {r.communication: r for r in engine.preview(self.account.name, limit=len(mails))}
		self.assertEqual(row_counts(), before, "the dry run changed data")
		self.assertEqual(set(predicted), {m.name for m in mails.values()})

		live = {m.name: engine.process(m.name, dry_run=False) for m in mails.values()}
		for label, mail in mails.items():
			expected = [
				(s.rule, s.action, s.outcome.status, s.outcome.note) for s in predicted[mail.name].steps
			]
			actual = [(s.rule, s.action, s.outcome.status, s.outcome.note) for s in live[mail.name].steps]
			self.assertEqual(actual, expected, f"dry run and live run differ for the {label}")

		def matched(label):
			return {s.rule for s in live[mails[label].name].steps}

		for label in ("bounce", "mailing list", "notification"):
			self.assertEqual(matched(label), {noise.name}, label)
			thread = frappe.db.get_value("Communication", mails[label].name, "crm_thread")
			self.assertEqual(frappe.db.get_value("Mailbox Thread", thread, "work_status"), "Ignored", label)

		(issue,) = made_from(mails["support case"], "Issue")
		self.assertEqual(frappe.db.get_value("Issue", issue, "priority"), "High")
		self.assertEqual(matched("support case"), {support.name})
		self.assertEqual(
			matched("customer question"), set(), "a known customer's question is no new business"
		)

		new_business = (
			"inquiry (Outlook)",
			"private quote request (web.de)",
			"reply from new prospect (Thunderbird)",
		)
		owners = set()
		for label in new_business:
			mail = mails[label]
			steps = [(s.action, s.outcome.status, s.outcome.note) for s in live[mail.name].steps]
			self.assertEqual(len(made_from(mail, "Lead")), 1, f"{label}: {steps}")
			(lead,) = made_from(mail, "Lead")
			self.assertEqual(frappe.db.get_value("Lead", lead, "email_id"), mail.sender, label)
			(opportunity,) = made_from(mail, "Opportunity")
			self.assertEqual(
				frappe.db.get_value("Opportunity", opportunity, ["opportunity_from", "party_name"]),
				("Lead", lead),
			)
			(task,) = made_from(mail, "Task")
			thread = frappe.db.get_value("Communication", mail.name, "crm_thread")
			owner = frappe.db.get_value("Mailbox Thread", thread, "thread_owner")
			self.assertIn(owner, (self.people.proc1, self.people.proc2), label)
			self.assertTrue(
				frappe.db.exists(
					"ToDo", {"reference_type": "Task", "reference_name": task, "allocated_to": owner}
				),
				f"the {label}'s task is not assigned to its thread owner",
			)
			owners.add(owner)
		self.assertEqual(
			owners, {self.people.proc1, self.people.proc2}, "round robin gave all work to one person"
		)

		lead_of_outlook = made_from(mails["inquiry (Outlook)"], "Lead")[0]
		self.assertIn("Müller", frappe.db.get_value("Lead", lead_of_outlook, "lead_name"))

		# Running the week again makes nothing twice.
		again = row_counts()
		for mail in mails.values():
			engine.process(mail.name, dry_run=False)
		self.assertEqual(row_counts(), again)
