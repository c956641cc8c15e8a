"""What a routing rule may store, in codes and in the words the rule form shows for them.

The Mailbox Rule Condition and Mailbox Rule Action DocTypes list these codes in their Select options,
``rules`` evaluates them, and ``vocabulary()`` gives the form its labels. Frappe-free.
"""

from typing import Any

__all__ = [
	"ACTIONS",
	"ACTION_LABELS",
	"BOOLEAN_FIELDS",
	"BOOLEAN_OPERATORS",
	"FIELDS",
	"FIELD_LABELS",
	"MATCH_MODES",
	"OPERATORS",
	"OPERATORS_BY_FIELD",
	"OPERATOR_LABELS",
	"TEXT_OPERATORS",
	"vocabulary",
]

# The codes are what is stored; the labels are for people. FIELD_LABELS and OPERATOR_LABELS are
# written as they read inside a sentence ("Enter a value for 'subject contains'"); the rule form
# shows a field label with a capital first letter (see ``vocabulary``).

TEXT_OPERATORS = ("equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with", "matches")
BOOLEAN_OPERATORS = ("is_true", "is_false")
OPERATORS = (*TEXT_OPERATORS, *BOOLEAN_OPERATORS)

OPERATOR_LABELS = {
	"equals": "equals",
	"not_equals": "does not equal",
	"contains": "contains",
	"not_contains": "does not contain",
	"starts_with": "starts with",
	"ends_with": "ends with",
	"matches": "matches regular expression",
	"is_true": "is true",
	"is_false": "is false",
}

FIELDS = (
	"sender",
	"sender_domain",
	"recipient",
	"subject",
	"body",
	"subject_or_body",
	"attachment_name",
	"has_attachments",
	"sender_known",
	"linked_party_type",
	"is_automated",
	"mailbox",
)

FIELD_LABELS = {
	"sender": "sender",
	"sender_domain": "sender domain",
	"recipient": "recipient",
	"subject": "subject",
	"body": "body",
	"subject_or_body": "subject or body",
	"attachment_name": "attachment name",
	"has_attachments": "has attachments",
	"sender_known": "sender is known",
	"linked_party_type": "linked party type",
	"is_automated": "is automated",
	"mailbox": "mailbox",
}

BOOLEAN_FIELDS = ("has_attachments", "sender_known", "is_automated")

OPERATORS_BY_FIELD: dict[str, tuple[str, ...]] = {
	"sender": TEXT_OPERATORS,
	"sender_domain": TEXT_OPERATORS,
	"recipient": TEXT_OPERATORS,
	"subject": TEXT_OPERATORS,
	"body": ("contains", "not_contains", "matches"),
	"subject_or_body": ("contains", "not_contains", "matches"),
	"attachment_name": TEXT_OPERATORS,
	"has_attachments": BOOLEAN_OPERATORS,
	"sender_known": BOOLEAN_OPERATORS,
	"linked_party_type": ("equals", "not_equals"),
	"is_automated": BOOLEAN_OPERATORS,
	"mailbox": ("equals", "not_equals"),
}

MATCH_MODES = ("all", "any")

ACTIONS = (
	"assign_owner",
	"create_lead",
	"create_opportunity",
	"create_task",
	"create_issue",
	"set_priority",
	"add_tag",
	"link_to",
	"mark_ignored",
)

ACTION_LABELS = {
	"assign_owner": "Assign thread owner",
	"create_lead": "Create Lead",
	"create_opportunity": "Create Opportunity",
	"create_task": "Create Task",
	"create_issue": "Create Issue",
	"set_priority": "Set priority",
	"add_tag": "Add tag",
	"link_to": "Link to record",
	"mark_ignored": "Mark Ignored",
}


def vocabulary() -> dict[str, Any]:
	"""Every code a rule may store, with the words the rule form shows for it.

	``fields``, ``operators`` and ``actions`` are ``[{"value": code, "label": words}]`` in the
	order the form lists them; ``operators_by_field`` names the operators each field accepts and
	``boolean_fields`` the fields that take no value.
	"""
	return {
		"fields": [{"value": code, "label": _sentence_case(FIELD_LABELS[code])} for code in FIELDS],
		"operators": [{"value": code, "label": OPERATOR_LABELS[code]} for code in OPERATORS],
		"operators_by_field": {code: list(OPERATORS_BY_FIELD[code]) for code in FIELDS},
		"boolean_fields": list(BOOLEAN_FIELDS),
		"actions": [{"value": code, "label": ACTION_LABELS[code]} for code in ACTIONS],
	}


def _sentence_case(label: str) -> str:
	"""``sender is known`` -> ``Sender is known``; the rest is kept, so acronyms stay as written."""
	return label[:1].upper() + label[1:]
