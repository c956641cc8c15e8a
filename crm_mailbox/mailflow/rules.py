"""Routing-rule conditions evaluated over a plain snapshot of one email.

The codes a rule may use, and their labels, are in ``rule_vocabulary``.

The Frappe side builds an ``EmailFacts`` from a Communication, loads the enabled routing rules
in priority order as ``Rule`` objects, and calls ``evaluate``. The result lists the rules that
matched, in order, each with a sentence per matched condition ("sender domain is acme.com
(eu.acme.com)") that can be stored as the reason for the actions the Frappe side then runs.

Matching semantics (what a rule author can rely on)
- Text comparisons ignore case and treat any run of whitespace as one space, so a phrase
  still matches when the mail client wrapped it onto two lines. ``matches`` runs the value
  as a regular expression (case-insensitive) on the raw text, bounded by ``safe_regex``.
- ``sender_domain`` ``equals`` ``acme.com`` also matches subdomains such as ``eu.acme.com``
  (companies send from regional and system subdomains), never ``notacme.com`` nor
  ``acme.com.evil.io``. ``not_equals`` is its exact negation. A leading ``@`` or a trailing dot
  in the rule value is ignored. Use ``matches`` with ``^acme\\.com$`` for the exact domain.
- Address fields (``sender``, ``recipient``) with ``equals``: a value ending in ``@`` such as
  ``sales@`` matches that mailbox name on any domain; ``sales@acme.com`` also matches the
  sub-address ``sales+emea@acme.com``.
- Fields holding several values (``recipient``, ``attachment_name``, ``linked_party_type``)
  match when any value matches; the negative operators (``not_equals``, ``not_contains``)
  match when no value does.
- ``match="all"`` needs every condition, ``match="any"`` at least one. A rule with no
  conditions never matches (``validate_rule`` reports it): a catch-all must be explicit.
- A condition that cannot be evaluated (its regular expression timed out) counts as not
  matched and its error is reported on the rule's result; evaluation of the other rules
  continues. A rule that fails ``validate_rule`` is reported as not matched with the errors.
- Disabled rules are skipped. After a matched rule with ``stop_after``, later rules are not
  evaluated.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from crm_mailbox.mailflow import safe_regex
from crm_mailbox.mailflow.rule_vocabulary import (
	BOOLEAN_FIELDS,
	BOOLEAN_OPERATORS,
	FIELD_LABELS,
	FIELDS,
	MATCH_MODES,
	OPERATOR_LABELS,
	OPERATORS,
	OPERATORS_BY_FIELD,
)

__all__ = [
	"Condition",
	"ConditionResult",
	"EmailFacts",
	"Rule",
	"RuleResult",
	"describe_condition",
	"evaluate",
	"evaluate_rule",
	"validate_condition",
	"validate_rule",
]

NEGATED_OPERATORS = {"not_equals": "equals", "not_contains": "contains"}


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


@dataclass
class EmailFacts:
	"""What the rules may look at, for one email. Addresses and domains are lowercased on creation."""

	sender: str = ""
	sender_domain: str = ""
	recipients: list[str] = field(default_factory=list)
	subject: str = ""
	body_text: str = ""
	has_attachments: bool = False
	attachment_names: list[str] = field(default_factory=list)
	sender_known: bool = False
	linked_party_types: set[str] = field(default_factory=set)
	is_automated: bool = False
	mailbox: str = ""
	# Each text folded once per email, not once per condition (a 50-rule mailbox re-reads the body).
	_folded: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

	def folded(self, text: str) -> str:
		"""``text`` case- and whitespace-folded, computed once per email."""
		if text not in self._folded:
			self._folded[text] = _fold(text)
		return self._folded[text]

	def __post_init__(self):
		self.sender = (self.sender or "").strip().lower()
		domain = self.sender_domain or self.sender.rpartition("@")[2]
		self.sender_domain = _normalise_domain(domain)
		self.recipients = [r.strip().lower() for r in (self.recipients or []) if r and r.strip()]
		self.subject = self.subject or ""
		self.body_text = self.body_text or ""
		self.attachment_names = [n for n in (self.attachment_names or []) if n]
		self.has_attachments = bool(self.has_attachments or self.attachment_names)
		self.linked_party_types = set(self.linked_party_types or ())
		self.mailbox = self.mailbox or ""


@dataclass
class Condition:
	field: str
	operator: str
	value: str = ""

	def __post_init__(self):
		self.field = (self.field or "").strip()
		self.operator = (self.operator or "").strip()
		self.value = "" if self.value is None else str(self.value)

	@classmethod
	def from_dict(cls, data: Mapping[str, Any]) -> "Condition":
		return cls(data.get("field", ""), data.get("operator", ""), data.get("value", ""))


@dataclass
class Rule:
	name: str
	match: str = "all"
	conditions: list[Condition] = field(default_factory=list)
	actions: list[Any] = field(default_factory=list)
	stop_after: bool = False
	enabled: bool = True

	def __post_init__(self):
		self.match = (self.match or "").strip().lower()
		self.conditions = [
			c if isinstance(c, Condition) else Condition.from_dict(c) for c in self.conditions or []
		]
		self.actions = list(self.actions or [])


@dataclass
class ConditionResult:
	condition: Condition
	matched: bool
	detail: str = ""
	error: str | None = None

	@property
	def description(self) -> str:
		"""The condition as a sentence; built when read, as most checks are never shown."""
		return describe_condition(self.condition)

	@property
	def explanation(self) -> str:
		"""The condition as a sentence, with what the email actually had when that adds anything."""
		if self.error:
			return f"{self.description}: could not be checked ({self.error})"
		if not self.matched:
			return f"not matched: {self.description}"
		return f"{self.description} ({self.detail})" if self.detail else self.description


@dataclass
class RuleResult:
	rule: Rule
	matched: bool
	checks: list[ConditionResult] = field(default_factory=list)
	error: str | None = None

	@property
	def name(self) -> str:
		return self.rule.name

	@property
	def actions(self) -> list[Any]:
		return self.rule.actions

	@property
	def reasons(self) -> list[str]:
		"""One sentence per matched condition, e.g. ``sender domain is acme.com``."""
		return [c.explanation for c in self.checks if c.matched]

	@property
	def explanation(self) -> str:
		return "; ".join(self.reasons)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def validate_condition(condition: Condition) -> list[str]:
	"""Problems with one condition, as sentences (empty when it is fine)."""
	errors = []
	fieldname, operator, value = condition.field, condition.operator, condition.value.strip()
	if fieldname not in OPERATORS_BY_FIELD:
		shown = repr(fieldname) if fieldname else "(empty)"
		return [f"Unknown field {shown}. Choose one of: {', '.join(FIELDS)}."]
	allowed = OPERATORS_BY_FIELD[fieldname]
	if operator not in allowed:
		label = FIELD_LABELS[fieldname]
		if operator in OPERATORS:
			errors.append(
				f"Operator {operator!r} cannot be used with the field {label!r}; "
				f"use one of: {', '.join(allowed)}."
			)
		else:
			shown = repr(operator) if operator else "(empty)"
			errors.append(
				f"Unknown operator {shown} for the field {label!r}; use one of: {', '.join(allowed)}."
			)
		return errors
	if operator in BOOLEAN_OPERATORS:
		return errors
	if not value:
		errors.append(f"Enter a value for '{FIELD_LABELS[fieldname]} {OPERATOR_LABELS[operator]}'.")
		return errors
	if operator == "matches":
		try:
			safe_regex.compile_pattern(condition.value)
		except safe_regex.PatternError as exc:
			errors.append(
				f"The regular expression for {FIELD_LABELS[fieldname]!r} does not compile: {exc.summary}"
			)
	elif fieldname == "sender_domain" and operator in ("equals", "not_equals"):
		domain = _normalise_domain(value)
		if "@" in domain or " " in domain or "." not in domain:
			errors.append(f"{value!r} is not a domain; enter a domain such as acme.com.")
	elif fieldname in ("sender", "recipient") and operator in ("equals", "not_equals") and "@" not in value:
		errors.append(
			f"{value!r} is not an email address; enter a full address such as jane@acme.com, "
			"or a mailbox name followed by @ such as sales@."
		)
	return errors


def validate_rule(rule: Rule) -> list[str]:
	"""Every problem that stops ``rule`` from working as written, as sentences for the rule's author."""
	errors = []
	if rule.match not in MATCH_MODES:
		shown = repr(rule.match) if rule.match else "(empty)"
		errors.append(
			f"Match must be 'all' (every condition) or 'any' (at least one condition), not {shown}."
		)
	if not rule.conditions:
		errors.append("The rule has no conditions; add at least one.")
	for position, condition in enumerate(rule.conditions, start=1):
		errors.extend(f"Condition {position}: {message}" for message in validate_condition(condition))
	return errors


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def evaluate(
	rules: Iterable[Rule],
	facts: EmailFacts,
	*,
	include_unmatched: bool = False,
	regex_timeout: float = safe_regex.DEFAULT_TIMEOUT,
) -> list[RuleResult]:
	"""The enabled rules that match ``facts``, in the given order, stopping after a ``stop_after`` rule.

	Rules that could not be evaluated (invalid, or a regular expression that timed out without
	another condition deciding) are included as not matched with ``error`` set. With
	``include_unmatched`` (a dry run) every enabled rule that was evaluated is included.
	"""
	results = []
	for rule in rules:
		if not rule.enabled:
			continue
		result = evaluate_rule(rule, facts, regex_timeout=regex_timeout)
		if result.matched or result.error or include_unmatched:
			results.append(result)
		if result.matched and rule.stop_after:
			break
	return results


def evaluate_rule(
	rule: Rule, facts: EmailFacts, *, regex_timeout: float = safe_regex.DEFAULT_TIMEOUT
) -> RuleResult:
	"""Evaluate one rule regardless of ``enabled``; never raises for a bad rule or pattern."""
	problems = _problems_of(rule.match, tuple((c.field, c.operator, c.value) for c in rule.conditions))
	if problems:
		return RuleResult(rule, matched=False, error=" ".join(problems))

	checks: list[ConditionResult] = []
	for condition in rule.conditions:
		check = _check(condition, facts, regex_timeout)
		checks.append(check)
		if rule.match == "all" and not check.matched and not check.error:
			break  # decided: later conditions cannot make an "all" rule match
	if rule.match == "all":
		matched = len(checks) == len(rule.conditions) and all(c.matched for c in checks)
	else:
		matched = any(c.matched for c in checks)
	errors = [f"{c.description}: {c.error}" for c in checks if c.error]
	return RuleResult(rule, matched=matched, checks=checks, error=" ".join(errors) or None)


@lru_cache(maxsize=1024)
def _problems_of(match: str, conditions: tuple[tuple[str, str, str], ...]) -> tuple[str, ...]:
	"""``validate_rule`` once per rule text, not once per email (a mailbox checks each email against
	all its rules)."""
	return tuple(validate_rule(Rule("", match=match, conditions=[Condition(*c) for c in conditions])))


def describe_condition(condition: Condition) -> str:
	"""The condition as a sentence fragment: ``sender domain is acme.com``, ``email has attachments``."""
	fieldname, operator, value = condition.field, condition.operator, condition.value.strip()
	if fieldname in BOOLEAN_FIELDS:
		positive, negative = _BOOLEAN_PHRASES[fieldname]
		return positive if operator == "is_true" else negative
	if fieldname == "linked_party_type":
		article = "an" if value[:1].lower() in "aeiou" else "a"
		linked = "is not linked" if operator == "not_equals" else "is linked"
		return f"sender {linked} to {article} {value}"
	subject = FIELD_LABELS.get(fieldname, fieldname)
	if fieldname in _MULTI_VALUE_SUBJECTS:
		some, none = _MULTI_VALUE_SUBJECTS[fieldname]
		subject = none if operator in NEGATED_OPERATORS else some
		operator = NEGATED_OPERATORS.get(operator, operator)
	if operator == "matches":
		shown = f"/{value}/"
	elif fieldname == "sender_domain":
		shown = _normalise_domain(value)
	elif fieldname in ("sender", "recipient"):
		shown = value.lower()
	else:
		shown = f"'{value}'"
	return f"{subject} {_VERBS.get(operator, operator)} {shown}"


_BOOLEAN_PHRASES = {
	"has_attachments": ("email has attachments", "email has no attachments"),
	"sender_known": ("sender is known", "sender is not known"),
	"is_automated": ("email is automated", "email is not automated"),
}
_MULTI_VALUE_SUBJECTS = {
	"recipient": ("a recipient", "no recipient"),
	"attachment_name": ("an attachment name", "no attachment name"),
}
_VERBS = {
	"equals": "is",
	"not_equals": "is not",
	"contains": "contains",
	"not_contains": "does not contain",
	"starts_with": "starts with",
	"ends_with": "ends with",
	"matches": "matches",
}


def _check(condition: Condition, facts: EmailFacts, regex_timeout: float) -> ConditionResult:
	try:
		matched, detail = _evaluate_condition(condition, facts, regex_timeout)
	except (safe_regex.PatternTimeout, safe_regex.PatternError) as exc:
		return ConditionResult(condition, matched=False, error=str(exc))
	return ConditionResult(condition, matched=matched, detail=detail)


def _evaluate_condition(condition: Condition, facts: EmailFacts, timeout: float) -> tuple[bool, str]:
	"""(matched, detail) where detail names what in the email made the condition true."""
	fieldname, operator, value = condition.field, condition.operator, condition.value
	if fieldname in BOOLEAN_FIELDS:
		actual = bool(getattr(facts, fieldname))
		return actual == (operator == "is_true"), ""

	if fieldname == "linked_party_type":
		wanted = value.strip().casefold()
		linked = any(p.casefold() == wanted for p in facts.linked_party_types)
		return linked == (operator == "equals"), ""

	positive = NEGATED_OPERATORS.get(operator, operator)
	compare = _comparator(fieldname, positive, value, timeout, facts.folded)
	hit = next(((where, text) for where, text in _field_values(fieldname, facts) if compare(text)), None)
	if operator in NEGATED_OPERATORS:
		return hit is None, ""
	if hit is None:
		return False, ""
	return True, _detail(fieldname, positive, value, *hit, timeout)


def _field_values(fieldname: str, facts: EmailFacts) -> list[tuple[str, str]]:
	"""(where, text) pairs the condition is checked against; any one matching is enough."""
	if fieldname == "recipient":
		return [("", r) for r in facts.recipients]
	if fieldname == "attachment_name":
		return [("", n) for n in facts.attachment_names]
	if fieldname == "subject_or_body":
		return [("subject", facts.subject), ("body", facts.body_text)]
	attribute = {"body": "body_text"}.get(fieldname, fieldname)
	return [("", getattr(facts, attribute))]


def _comparator(
	fieldname: str, operator: str, value: str, timeout: float, fold: Callable[[str], str]
) -> Callable[[str], bool]:
	if operator == "matches":
		compiled = safe_regex.compile_pattern(value)
		return lambda text: safe_regex.search(compiled, text, timeout=timeout)

	if fieldname == "sender_domain" and operator == "equals":
		wanted = _normalise_domain(value)
		return lambda domain: domain == wanted or domain.endswith("." + wanted)

	if fieldname in ("sender", "recipient") and operator == "equals":
		wanted = value.strip().casefold()
		return lambda address: _address_equals(address, wanted)

	wanted = _fold(value)
	if operator == "equals":
		return lambda text: fold(text) == wanted
	if operator == "contains":
		return lambda text: wanted in fold(text)
	if operator == "starts_with":
		return lambda text: fold(text).startswith(wanted)
	if operator == "ends_with":
		return lambda text: fold(text).endswith(wanted)
	raise ValueError(f"unsupported operator {operator!r}")  # validate_rule keeps this unreachable


def _detail(fieldname: str, operator: str, value: str, where: str, hit: str, timeout: float) -> str:
	"""What the email had, when that says more than the condition (a subdomain, an address, a match)."""
	parts = []
	if fieldname in ("sender", "recipient", "sender_domain", "attachment_name"):
		if hit.casefold() != value.strip().casefold():
			parts.append(hit)
	elif operator == "matches":
		try:
			found = safe_regex.find(value, hit, timeout=timeout)
		except (safe_regex.PatternTimeout, safe_regex.PatternError):
			found = None
		if found:
			parts.append(f"found '{_shorten(found)}'")
	if where:
		parts.append(f"in the {where}")
	return ", ".join(parts)


def _shorten(text: str, limit: int = 60) -> str:
	text = " ".join(text.split())
	return text if len(text) <= limit else text[: limit - 1] + "…"


def _fold(text: str) -> str:
	"""Case- and whitespace-insensitive form for comparisons."""
	return " ".join((text or "").casefold().split())


def _normalise_domain(domain: str) -> str:
	domain = (domain or "").strip().lower().lstrip("@").rstrip(".")
	if domain and not domain.isascii():
		try:
			domain = domain.encode("idna").decode("ascii")
		except UnicodeError:
			pass
	return domain


def _address_equals(address: str, wanted: str) -> bool:
	address = address.casefold()
	if address == wanted:
		return True
	local, _, domain = address.rpartition("@")
	if wanted.endswith("@"):
		# "sales@" means the mailbox name on any of our domains
		return bool(local) and (local == wanted[:-1] or local.split("+", 1)[0] == wanted[:-1])
	if "+" in local and "+" not in wanted:
		return f"{local.split('+', 1)[0]}@{domain}" == wanted
	return False
