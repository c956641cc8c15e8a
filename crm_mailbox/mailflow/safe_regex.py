"""Bounded regular-expression matching for patterns typed by users.

A routing rule may carry a pattern such as ``(a|aa)+$``. Against an unlucky subject the
standard library's ``re`` backtracks for minutes and blocks the worker. This module runs
user patterns through the PyPI ``regex`` package, whose matching functions accept a
``timeout`` (seconds, for the whole operation) and raise ``TimeoutError`` when it is spent.

- ``compile_pattern`` turns a pattern into a compiled object, or raises ``PatternError``
  whose message says what is wrong and where (a caret under the offending position).
- ``search`` answers "does the pattern occur in the text", raising ``PatternTimeout`` when the
  time allowance is exceeded. Text longer than ``MAX_TEXT_LENGTH`` is cut before matching.
- ``find`` is ``search`` that returns the matched text (for explanations).

Only our own user-facing patterns go through here; the fixed patterns of the mail engine use ``re``.
"""

import re
from functools import lru_cache

import regex

IGNORECASE = regex.IGNORECASE
MULTILINE = regex.MULTILINE
DOTALL = regex.DOTALL

DEFAULT_TIMEOUT = 0.25
MAX_TEXT_LENGTH = 200_000
MAX_PATTERN_LENGTH = 1_000

__all__ = [
	"DEFAULT_TIMEOUT",
	"DOTALL",
	"IGNORECASE",
	"MAX_PATTERN_LENGTH",
	"MAX_TEXT_LENGTH",
	"MULTILINE",
	"PatternError",
	"PatternTimeout",
	"compile_pattern",
	"find",
	"search",
]


class PatternError(ValueError):
	"""The pattern is not a valid regular expression; ``str(exc)`` is a message for the user."""

	def __init__(self, message: str, pattern: str = "", position: int | None = None, reason: str = ""):
		super().__init__(message)
		self.pattern = pattern
		self.position = position
		self.reason = reason or message

	@property
	def summary(self) -> str:
		"""The message on one line, without the caret diagram (for form validation messages)."""
		return str(self).splitlines()[0]


class PatternTimeout(TimeoutError):
	"""Matching took longer than allowed (a pattern with catastrophic backtracking)."""

	def __init__(self, pattern: str, timeout: float):
		super().__init__(
			f"The regular expression {pattern!r} took longer than {timeout:g} s and was stopped; "
			"simplify it (avoid nested repetition such as (a+)+ or (a|aa)+)."
		)
		self.pattern = pattern
		self.timeout = timeout


def compile_pattern(pattern: str, flags: int = IGNORECASE):
	"""Compile ``pattern`` with the ``regex`` engine, or raise ``PatternError`` explaining why not."""
	if not isinstance(pattern, str):
		raise PatternError(f"A regular expression must be text, not {type(pattern).__name__}.")
	return _compile(pattern, int(flags))


@lru_cache(maxsize=512)
def _compile(pattern: str, flags: int):
	if not pattern:
		raise PatternError("The regular expression is empty.", pattern, None, "empty pattern")
	if len(pattern) > MAX_PATTERN_LENGTH:
		raise PatternError(
			f"The regular expression is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}.",
			pattern,
			None,
			"pattern too long",
		)
	try:
		return regex.compile(pattern, flags)
	except regex.error as exc:
		raise _pattern_error(pattern, exc.msg, exc.pos) from None
	except (OverflowError, RecursionError, ValueError) as exc:
		# Absurd repeat counts or nesting depth surface as these rather than regex.error.
		raise PatternError(
			f"Invalid regular expression {pattern!r}: {exc}.", pattern, None, str(exc)
		) from None


def _pattern_error(pattern: str, reason: str, position: int | None) -> PatternError:
	message = f"Invalid regular expression {pattern!r}: {reason}"
	if position is not None:
		message += f" at position {position + 1}"
		if "\n" not in pattern and len(pattern) <= 120:
			message += f"\n    {pattern}\n    {' ' * min(position, len(pattern))}^"
	return PatternError(message, pattern, position, reason)


def _as_compiled(pattern_or_compiled):
	if isinstance(pattern_or_compiled, str):
		return compile_pattern(pattern_or_compiled)
	if isinstance(pattern_or_compiled, re.Pattern):
		# A stdlib pattern has no timeout; recompile it with the regex engine, same flags.
		return compile_pattern(pattern_or_compiled.pattern, _regex_flags(pattern_or_compiled.flags))
	if hasattr(pattern_or_compiled, "search") and hasattr(pattern_or_compiled, "pattern"):
		return pattern_or_compiled
	raise TypeError(
		f"Expected a pattern string or a compiled pattern, not {type(pattern_or_compiled).__name__}"
	)


_STDLIB_TO_REGEX_FLAGS = (
	(re.IGNORECASE, regex.IGNORECASE),
	(re.MULTILINE, regex.MULTILINE),
	(re.DOTALL, regex.DOTALL),
	(re.VERBOSE, regex.VERBOSE),
	(re.ASCII, regex.ASCII),  # 256 in re, 128 in regex
)


def _regex_flags(stdlib_flags: int) -> int:
	return sum(theirs for ours, theirs in _STDLIB_TO_REGEX_FLAGS if stdlib_flags & ours)


def find(pattern_or_compiled, text: str | None, timeout: float = DEFAULT_TIMEOUT) -> str | None:
	"""Return the first matched text (possibly ``""``), or None when the pattern does not occur.

	Raises ``PatternError`` for an invalid pattern and ``PatternTimeout`` when matching takes
	longer than ``timeout`` seconds. Text beyond ``MAX_TEXT_LENGTH`` characters is ignored.
	"""
	if timeout is None or timeout <= 0:
		raise ValueError("timeout must be a positive number of seconds")
	compiled = _as_compiled(pattern_or_compiled)
	text = (text or "")[:MAX_TEXT_LENGTH]
	try:
		match = compiled.search(text, timeout=timeout)
	except TimeoutError:
		raise PatternTimeout(compiled.pattern, timeout) from None
	return None if match is None else match.group(0)


def search(pattern_or_compiled, text: str | None, timeout: float = DEFAULT_TIMEOUT) -> bool:
	"""True when the pattern occurs anywhere in ``text`` (case-insensitive for string patterns).

	Raises ``PatternError`` for an invalid pattern and ``PatternTimeout`` when matching takes
	longer than ``timeout`` seconds. Text beyond ``MAX_TEXT_LENGTH`` characters is ignored.
	"""
	return find(pattern_or_compiled, text, timeout) is not None
