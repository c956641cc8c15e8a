import re
import time

import pytest

from crm_mailbox.mailflow import safe_regex
from crm_mailbox.mailflow.safe_regex import PatternError, PatternTimeout, compile_pattern, find, search


def test_invalid_pattern_says_what_is_wrong_and_where():
	with pytest.raises(PatternError) as caught:
		compile_pattern("invoice (\\d+")
	message = str(caught.value)
	assert "missing )" in message
	assert "position 13" in message
	assert message.splitlines()[-1].index("^") == message.splitlines()[-2].index("invoice") + 12
	assert caught.value.position == 12
	assert caught.value.summary == "Invalid regular expression 'invoice (\\\\d+': missing ) at position 13"
	assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
	"pattern, reason",
	[
		("*urgent", "nothing to repeat"),
		("a{5,2}", "min repeat greater than max repeat"),
		("[a-", "unterminated character set"),
		("", "empty"),
	],
)
def test_common_mistakes_are_reported_in_plain_words(pattern, reason):
	with pytest.raises(PatternError, match=re.escape(reason)):
		compile_pattern(pattern)


def test_normal_patterns_match_case_insensitively():
	assert search(r"invoice\s+#?\d{4,}", "Re: INVOICE #100234 overdue")
	assert not search(r"^invoice", "Re: invoice 100234")
	assert find(r"PO-\d+", "please see po-4471 attached") == "po-4471"
	assert search(compile_pattern("^Re:", flags=0), "Re: hello")
	assert not search(compile_pattern("^re:", flags=0), "Re: hello")
	assert search(re.compile(r"order\s+\d+", re.IGNORECASE), "ORDER 12")


def test_compiled_patterns_are_reused():
	assert compile_pattern(r"quote\s+request") is compile_pattern(r"quote\s+request")


@pytest.mark.parametrize(
	"pattern, text",
	[
		(r"(a|aa)+$", "a" * 64 + "b"),
		(r"(a+)+$", "a" * 5000 + "b"),
		(r"^(\w+\s?)*$", "an ordinary subject line that ends with punctuation " * 20 + "!"),
		(r"(x+x+)+y", "x" * 5000),
	],
	ids=["alternation", "nested-plus", "words", "adjacent-plus"],
)
def test_catastrophic_patterns_are_stopped_not_left_running(pattern, text):
	# Unbounded, each of these runs for minutes; the bound leaves room for a loaded CI machine.
	started = time.monotonic()
	try:
		search(pattern, text, timeout=0.25)
	except PatternTimeout as exc:
		assert "took longer than 0.25 s" in str(exc)
		assert exc.pattern == pattern
	assert time.monotonic() - started < 5.0


def test_timeout_is_reported_as_pattern_timeout():
	with pytest.raises(PatternTimeout):
		search(r"(a|aa)+$", "a" * 64 + "b", timeout=0.1)
	assert issubclass(PatternTimeout, TimeoutError)


def test_text_beyond_the_cap_is_not_searched(monkeypatch):
	monkeypatch.setattr(safe_regex, "MAX_TEXT_LENGTH", 100)
	assert search("needle", "x" * 90 + "needle")
	assert not search("needle", "x" * 100 + "needle")


def test_empty_or_missing_text_simply_does_not_match():
	assert not search("x", None)
	assert search("^$", "")
