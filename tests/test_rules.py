import time

import pytest

from crm_mailbox.mailflow.rules import (
	Condition,
	EmailFacts,
	Rule,
	evaluate,
	validate_rule,
)


def facts(**overrides) -> EmailFacts:
	values = dict(
		sender="Jane.Doe@EU.Acme.com",
		recipients=["Sales+EMEA@ourco.example", "bob@ourco.example"],
		subject="Request for quote: 40 pallets",
		body_text="Hello,\nplease send us a quote\nfor 40 pallets.\n\nJane",
		attachment_names=["specs.PDF"],
		sender_known=True,
		linked_party_types={"Customer", "Contact"},
		is_automated=False,
		mailbox="Sales",
	)
	values.update(overrides)
	return EmailFacts(**values)


def rule(*conditions, name="r", match="all", **kwargs) -> Rule:
	return Rule(
		name, match, [Condition(*c) for c in conditions], kwargs.pop("actions", ["create_task"]), **kwargs
	)


def test_facts_are_normalised():
	f = facts()
	assert f.sender == "jane.doe@eu.acme.com"
	assert f.sender_domain == "eu.acme.com"
	assert f.recipients == ["sales+emea@ourco.example", "bob@ourco.example"]
	assert f.has_attachments is True


@pytest.mark.parametrize(
	"domain, rule_value, expected",
	[
		("acme.com", "acme.com", True),
		("eu.acme.com", "acme.com", True),
		("eu.acme.com", "@ACME.com", True),
		("notacme.com", "acme.com", False),
		("acme.com.evil.io", "acme.com", False),
		("acme.co.uk", "acme.com", False),
	],
)
def test_domain_rule_covers_subdomains_but_not_lookalikes(domain, rule_value, expected):
	result = evaluate([rule(("sender_domain", "equals", rule_value))], facts(sender=f"jane@{domain}"))
	assert bool(result) is expected


def test_not_equals_on_a_domain_is_the_exact_negation():
	r = rule(("sender_domain", "not_equals", "acme.com"))
	assert not evaluate([r], facts(sender="jane@eu.acme.com"))
	assert evaluate([r], facts(sender="jane@globex.com"))


def test_matched_rule_explains_each_condition():
	r = rule(
		("sender_domain", "equals", "acme.com"),
		("recipient", "equals", "sales@"),
		("subject", "contains", "QUOTE"),
		("has_attachments", "is_true", ""),
		("linked_party_type", "equals", "customer"),
		name="Quotes from ACME",
	)
	[result] = evaluate([r], facts())
	assert result.matched and result.name == "Quotes from ACME" and result.actions == ["create_task"]
	assert result.reasons == [
		"sender domain is acme.com (eu.acme.com)",
		"a recipient is sales@ (sales+emea@ourco.example)",
		"subject contains 'QUOTE'",
		"email has attachments",
		"sender is linked to a customer",
	]


def test_body_text_matches_across_line_wraps_and_case():
	assert evaluate([rule(("body", "contains", "Please send us a quote for 40"))], facts())
	assert evaluate([rule(("subject_or_body", "contains", "send us a quote"))], facts())
	assert not evaluate([rule(("body", "not_contains", "QUOTE"))], facts())


def test_subject_or_body_explains_where_it_matched():
	[result] = evaluate([rule(("subject_or_body", "matches", r"\d+ pallets"))], facts())
	assert result.reasons == ["subject or body matches /\\d+ pallets/ (found '40 pallets', in the subject)"]


def test_recipient_aliases_and_subaddresses():
	assert evaluate([rule(("recipient", "equals", "sales@ourco.example"))], facts())
	assert evaluate([rule(("recipient", "starts_with", "bob@"))], facts())
	assert not evaluate([rule(("recipient", "equals", "support@"))], facts())
	# negative operators hold only when no recipient matches
	assert evaluate([rule(("recipient", "not_equals", "support@"))], facts())
	assert not evaluate([rule(("recipient", "not_contains", "ourco.example"))], facts())


def test_text_operators():
	f = facts(subject="  RE:  Invoice 2024-117 overdue ")
	assert evaluate([rule(("subject", "starts_with", "re: invoice"))], f)
	assert evaluate([rule(("subject", "ends_with", "OVERDUE"))], f)
	assert evaluate([rule(("subject", "equals", "re: invoice 2024-117 overdue"))], f)
	assert evaluate([rule(("subject", "not_equals", "invoice"))], f)
	assert evaluate([rule(("attachment_name", "ends_with", ".pdf"))], facts())
	assert evaluate([rule(("mailbox", "equals", "sales"))], facts())


def test_boolean_fields():
	automated = facts(is_automated=True, sender_known=False, attachment_names=[])
	assert evaluate([rule(("is_automated", "is_true", ""))], automated)
	assert evaluate([rule(("sender_known", "is_false", ""))], automated)
	[result] = evaluate([rule(("has_attachments", "is_false", ""))], automated)
	assert result.reasons == ["email has no attachments"]


def test_linked_party_type_negation():
	[result] = evaluate([rule(("linked_party_type", "not_equals", "Lead"))], facts())
	assert result.reasons == ["sender is not linked to a Lead"]
	assert not evaluate([rule(("linked_party_type", "not_equals", "Customer"))], facts())


def test_any_and_all():
	one_true = [("subject", "contains", "pallets"), ("sender", "equals", "someone@else.com")]
	assert not evaluate([rule(*one_true, match="all")], facts())
	[result] = evaluate([rule(*one_true, match="any")], facts())
	assert result.reasons == ["subject contains 'pallets'"]


def test_order_enabled_and_stop_after():
	always = ("subject", "contains", "quote")
	rules = [
		rule(always, name="disabled", enabled=False),
		rule(("subject", "contains", "nothing like this"), name="no match"),
		rule(always, name="first"),
		rule(always, name="stopper", stop_after=True),
		rule(always, name="never reached"),
	]
	assert [r.name for r in evaluate(rules, facts())] == ["first", "stopper"]
	dry_run = evaluate(rules, facts(), include_unmatched=True)
	assert [(r.name, r.matched) for r in dry_run] == [("no match", False), ("first", True), ("stopper", True)]
	assert dry_run[0].checks[0].explanation == "not matched: subject contains 'nothing like this'"


def test_a_timed_out_regex_does_not_stop_evaluation():
	slow = facts(subject="a" * 64 + "b")
	rules = [
		rule(("subject", "matches", r"(a|aa)+$"), name="slow", stop_after=True),
		rule(("subject", "contains", "aaa"), name="next"),
	]
	started = time.monotonic()
	results = evaluate(rules, slow, regex_timeout=0.1)
	assert time.monotonic() - started < 1.0
	assert [(r.name, r.matched) for r in results] == [("slow", False), ("next", True)]
	assert "took longer than 0.1 s" in results[0].error


def test_in_an_any_rule_a_timed_out_condition_counts_as_not_matched():
	r = rule(("subject", "matches", r"(a|aa)+$"), ("sender_domain", "equals", "acme.com"), match="any")
	[result] = evaluate([r], facts(subject="a" * 64 + "b"), regex_timeout=0.1)
	assert result.matched
	assert result.reasons == ["sender domain is acme.com (eu.acme.com)"]
	assert "took longer" in result.error


def test_invalid_rules_are_reported_not_raised():
	bad = rule(("subject", "matches", "(unclosed"), name="bad")
	[result] = evaluate([bad, rule(("subject", "contains", "zzz"))], facts())
	assert result.name == "bad" and not result.matched
	assert "does not compile" in result.error and "missing )" in result.error


def test_rule_without_conditions_never_matches():
	[result] = evaluate([Rule("empty", "all", [], ["mark_ignored"])], facts())
	assert not result.matched
	assert "no conditions" in result.error


def test_validate_rule_messages():
	r = Rule(
		"Bad rule",
		"every",
		[
			Condition("subjet", "contains", "x"),
			Condition("has_attachments", "contains", "pdf"),
			Condition("subject", "matches", "invoice (\\d+"),
			Condition("subject", "contains", "   "),
			Condition("body", "like", "x"),
			Condition("sender_domain", "equals", "jane@acme.com"),
			Condition("recipient", "equals", "sales"),
			Condition("is_automated", "is_true"),
		],
	)
	errors = validate_rule(r)
	assert (
		errors[0] == "Match must be 'all' (every condition) or 'any' (at least one condition), not 'every'."
	)
	assert errors[1].startswith("Condition 1: Unknown field 'subjet'. Choose one of: sender, sender_domain")
	assert errors[2] == (
		"Condition 2: Operator 'contains' cannot be used with the field 'has attachments'; "
		"use one of: is_true, is_false."
	)
	assert errors[3].startswith("Condition 3: The regular expression for 'subject' does not compile:")
	assert "missing ) at position 13" in errors[3]
	assert errors[4] == "Condition 4: Enter a value for 'subject contains'."
	assert errors[5] == (
		"Condition 5: Unknown operator 'like' for the field 'body'; use one of: contains, not_contains, matches."
	)
	assert errors[6] == "Condition 6: 'jane@acme.com' is not a domain; enter a domain such as acme.com."
	assert errors[7].startswith("Condition 7: 'sales' is not an email address")
	assert len(errors) == 8


def test_valid_rule_has_no_errors_and_accepts_dict_conditions():
	r = Rule(
		"From ACME",
		"any",
		[{"field": "sender_domain", "operator": "equals", "value": "acme.com"}],
		[{"action": "assign_owner", "user": "jane@ourco.example"}],
	)
	assert validate_rule(r) == []
	assert evaluate([r], facts())[0].actions == [{"action": "assign_owner", "user": "jane@ourco.example"}]


def test_fifty_rules_read_a_long_body_once_per_email(monkeypatch):
	"""A mailbox's 50 rules on one email fold its body once and validate each rule once (issue 9 §5:
	2,000 emails/s with 50 rules; folding a 4 KB body for every rule cost half of that)."""
	from crm_mailbox.mailflow import rules as engine

	folded, validated = [], []
	real_fold, real_validate = engine._fold, engine.validate_rule
	monkeypatch.setattr(engine, "_fold", lambda text: folded.append(text) or real_fold(text))
	monkeypatch.setattr(engine, "validate_rule", lambda r: validated.append(r) or real_validate(r))
	body = "Please quote 40 pallets.\n" * 200
	mailbox = [rule(("body", "contains", f"order {n}"), name=f"r{n}") for n in range(50)]
	for _ in range(3):
		assert evaluate(mailbox, facts(body_text=body)) == []
	assert folded.count(body) == 3  # once per email, not once per rule
	assert len(validated) <= 50  # once per rule text, not once per email
