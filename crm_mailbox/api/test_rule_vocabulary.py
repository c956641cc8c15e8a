"""Bench suite, Frappe side of the rule vocabulary: the DocTypes store exactly its codes, and who may ask.

The vocabulary itself (labels, operators per field) is tested without Frappe in tests/test_rule_vocabulary.py.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox.api import rules
from crm_mailbox.mailboxes import settings
from crm_mailbox.routing import actions
from crm_mailbox.testing import make_email_account, make_user

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

	def test_the_doctypes_store_exactly_the_codes_the_form_has_words_for(self):
		vocabulary = rules.get_rule_vocabulary()
		for (doctype, fieldname), key in CODES.items():
			with self.subTest(doctype=doctype, fieldname=fieldname):
				self.assertEqual([o["value"] for o in vocabulary[key]], select_options(doctype, fieldname))

	def test_every_action_offered_can_run(self):
		offered = {o["value"] for o in rules.get_rule_vocabulary()["actions"]}
		self.assertEqual(offered, set(actions.ACTIONS))

	def test_only_for_users_who_may_read_rules_and_by_get(self):
		self.assertEqual(frappe.allowed_http_methods_for_whitelisted_func[rules.get_rule_vocabulary], ["GET"])
		member = make_user("crm-mailbox-sales-user@example.com", ["Sales User"])
		make_email_account(
			"crm-mailbox-vocabulary@ourco.example",
			name="CRM Mailbox Vocabulary",
			crm_purpose="Shared",
			crm_members=[{"user": "Administrator", "access": "Process"}, {"user": member, "access": "Read"}],
		)
		settings.clear_cache()
		frappe.set_user(member)
		self.assertTrue(rules.get_rule_vocabulary()["fields"])
		# a Sales User of no mailbox reads no mailbox's rules
		for stranger, roles in (
			("crm-mailbox-no-rules@example.com", ["Inbox User"]),
			("crm-mailbox-no-box@example.com", ["Sales User"]),
		):
			frappe.set_user(make_user(stranger, roles))
			with self.assertRaises(frappe.PermissionError):
				rules.get_rule_vocabulary()
