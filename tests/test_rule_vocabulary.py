"""The codes a routing rule may store and the words the rule form shows for them (Frappe-free).

The bench test crm_mailbox/api/test_rule_vocabulary.py checks only the Frappe side: that the DocTypes'
Select options are these codes and who may call the endpoint.
"""

from crm_mailbox.mailflow.rule_vocabulary import (
	ACTION_LABELS,
	ACTIONS,
	BOOLEAN_FIELDS,
	FIELD_LABELS,
	FIELDS,
	OPERATOR_LABELS,
	OPERATORS,
	OPERATORS_BY_FIELD,
	vocabulary,
)
from crm_mailbox.mailflow.rules import Condition, Rule, validate_rule


def test_every_code_has_a_label_in_the_order_the_form_lists_them():
	words = vocabulary()
	assert [o["value"] for o in words["fields"]] == list(FIELDS)
	assert [o["value"] for o in words["operators"]] == list(OPERATORS)
	assert [o["value"] for o in words["actions"]] == list(ACTIONS)
	assert set(ACTION_LABELS) == set(ACTIONS)
	for option in words["fields"] + words["operators"] + words["actions"]:
		assert option["label"].strip() and "_" not in option["label"], option


def test_the_form_shows_words_an_admin_expects():
	words = vocabulary()
	label = {o["value"]: o["label"] for o in words["fields"] + words["operators"] + words["actions"]}
	assert label["sender_known"] == "Sender is known"
	assert label["sender_domain"] == "Sender domain"
	assert label["is_false"] == "is false"
	assert label["not_equals"] == "does not equal"
	assert label["create_lead"] == "Create Lead"
	assert label["assign_owner"] == "Assign thread owner"
	assert words["boolean_fields"] == list(BOOLEAN_FIELDS)


def test_operators_per_field_name_only_known_operators():
	words = vocabulary()
	assert list(words["operators_by_field"]) == list(FIELDS)
	for allowed in words["operators_by_field"].values():
		assert allowed and set(allowed) <= set(OPERATORS)
	for field in words["boolean_fields"]:
		assert words["operators_by_field"][field] == ["is_true", "is_false"]
	assert set(OPERATORS_BY_FIELD) == set(FIELDS)
	assert "create_lead" in ACTIONS and "mark_ignored" in ACTIONS


def test_the_form_labels_leave_the_engine_sentences_as_they_were():
	vocabulary()
	assert FIELD_LABELS["has_attachments"] == "has attachments"
	assert OPERATOR_LABELS["contains"] == "contains"
	errors = validate_rule(Rule("r", conditions=[Condition("subject", "contains", "")], actions=["x"]))
	assert errors == ["Condition 1: Enter a value for 'subject contains'."]
