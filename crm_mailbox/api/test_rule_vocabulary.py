"""Bench suite: the routing rule form can put words on every code a rule stores."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox.api import rules
from crm_mailbox.api.test_create import make_user
from crm_mailbox.routing import actions

CODES = {
	("Mailbox Rule Condition", "field"): "fields",
	("Mailbox Rule Condition", "operator"): "operators",
	("Mailbox Rule Action", "action"): "actions",
}


def select_options(doctype: str, fieldname: str) -> list[str]:
	return [o for o in frappe.get_meta(doctype).get_field(fieldname).options.split("\n") if o]


class TestRuleVocabulary(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_every_stored_code_has_a_label(self):
		vocabulary = rules.get_rule_vocabulary()
		for (doctype, fieldname), key in CODES.items():
			labels = {o["value"]: o["label"] for o in vocabulary[key]}
			with self.subTest(doctype=doctype, fieldname=fieldname):
				self.assertEqual(list(labels), select_options(doctype, fieldname))
				for code, label in labels.items():
					self.assertTrue(label.strip(), code)
					self.assertNotIn("_", label, code)
		labels = {o["value"]: o["label"] for key in CODES.values() for o in vocabulary[key]}
		self.assertEqual(labels["sender_known"], "Sender is known")
		self.assertEqual(labels["is_false"], "is false")
		self.assertEqual(labels["create_lead"], "Create Lead")

	def test_operators_per_field_name_only_known_operators(self):
		vocabulary = rules.get_rule_vocabulary()
		fields = [o["value"] for o in vocabulary["fields"]]
		operators = {o["value"] for o in vocabulary["operators"]}
		self.assertEqual(list(vocabulary["operators_by_field"]), fields)
		for field, allowed in vocabulary["operators_by_field"].items():
			with self.subTest(field=field):
				self.assertTrue(allowed)
				self.assertLessEqual(set(allowed), operators)
		for field in vocabulary["boolean_fields"]:
			self.assertEqual(set(vocabulary["operators_by_field"][field]), {"is_true", "is_false"})

	def test_every_action_offered_can_run(self):
		offered = {o["value"] for o in rules.get_rule_vocabulary()["actions"]}
		self.assertEqual(offered, set(actions.ACTIONS))

	def test_only_for_users_who_may_read_rules_and_by_get(self):
		self.assertEqual(frappe.allowed_http_methods_for_whitelisted_func[rules.get_rule_vocabulary], ["GET"])
		frappe.set_user(make_user("crm-mailbox-sales-user@example.com", ["Sales User"]).name)
		self.assertTrue(rules.get_rule_vocabulary()["fields"])
		frappe.set_user(make_user("crm-mailbox-no-rules@example.com", ["Inbox User"]).name)
		with self.assertRaises(frappe.PermissionError):
			rules.get_rule_vocabulary()
