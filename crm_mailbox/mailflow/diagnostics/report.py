"""What a connection test reports, and how its steps are run: timed, explained, scrubbed of the password.

A step is a function that returns Done (what it made, what it saw) or raises Failed (what it saw, what to
do about it). Runner times each step, turns any failure into a failed Step and stops at the first one.
It hands each step, scrubbed, to `on_step` as soon as it ends (a desk dialog shows it then), and starts
no step after `deadline` (a time.monotonic() value), so one test cannot run for long.
"""

import base64
import dataclasses
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, NamedTuple

_SECRET_MASK = "********"
OUT_OF_TIME_HINT = "the earlier steps used the time this test may take: run it again, or check them first"


@dataclass
class Step:
	"""One step of a connection test: what was tried, whether it worked, how long it took."""

	name: str
	ok: bool
	seconds: float
	detail: str = ""
	hint: str = ""

	def as_dict(self) -> dict:
		return dataclasses.asdict(self)


@dataclass
class Report:
	"""The steps of one connection test, in order; the last one is the failure, if any."""

	steps: list[Step] = field(default_factory=list)

	@property
	def ok(self) -> bool:
		return bool(self.steps) and all(step.ok for step in self.steps)

	@property
	def first_failure(self) -> Step | None:
		return next((step for step in self.steps if not step.ok), None)

	def as_dict(self) -> dict:
		failure = self.first_failure
		return {
			"ok": self.ok,
			"first_failure": failure.name if failure else None,
			"steps": [step.as_dict() for step in self.steps],
		}


class Done(NamedTuple):
	value: Any
	detail: str
	hint: str = ""


class Failed(Exception):
	"""Raised by a step: detail says what was seen, hint what to do about it."""

	def __init__(self, detail: str, hint: str = ""):
		super().__init__(detail)
		self.detail = detail
		self.hint = hint


class Stop(Exception):
	"""A step failed: the remaining steps are not run."""


class Runner:
	"""Runs the steps of one test; `with Runner(...) as run:` ends at the first failure and cleans up."""

	def __init__(
		self,
		timeout: float,
		on_step: Callable[[Step], Any] | None = None,
		deadline: float | None = None,
		secrets: list[str] = (),
	) -> None:
		self.timeout = timeout
		self.steps: list[Step] = []
		self.cleanups: list[Callable[[], Any]] = []
		self.on_step = on_step
		self.deadline = deadline
		self.secrets = [secret for secret in secrets if secret]

	def __enter__(self) -> "Runner":
		return self

	def __exit__(
		self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: Any
	) -> bool:
		self.close()
		return exc_type is not None and issubclass(exc_type, Stop)

	def __call__(self, name: str, func: Callable[..., Done], *args: Any) -> Any:
		start = time.perf_counter()
		if self.deadline is not None and time.monotonic() >= self.deadline:
			self._add(name, False, start, "not run: the test's time is up", OUT_OF_TIME_HINT)
			raise Stop
		try:
			done = func(*args)
		except Failed as failure:
			detail, hint = failure.detail, failure.hint
		except TimeoutError:
			detail = f"the server stopped answering (no answer within {as_seconds(self.timeout)})"
			hint = "the server or the network is too slow, or a firewall drops the traffic: try again later"
		except Exception as exc:  # a failure we have no words for: still a report, never a crash
			detail = f"unexpected error: {describe(exc)}"
			hint = "this failure is not one the test knows; the detail may help the mail provider"
		else:
			self._add(name, True, start, done.detail, done.hint)
			return done.value
		self._add(name, False, start, detail, hint)
		raise Stop

	def _add(self, name: str, ok: bool, start: float, detail: str, hint: str) -> None:
		detail, hint = _scrub(detail, self.secrets), _scrub(hint, self.secrets)
		step = Step(name, ok, round(time.perf_counter() - start, 4), detail, hint)
		self.steps.append(step)
		if self.on_step is not None:
			with suppress(Exception):  # whoever listens, the test goes on
				self.on_step(step)

	@property
	def all_ok(self) -> bool:
		"""No step has failed: the connection is in a state where saying goodbye makes sense."""
		return all(step.ok for step in self.steps)

	def on_exit(self, cleanup: Callable[[], Any]) -> None:
		self.cleanups.append(cleanup)

	def close(self) -> None:
		for cleanup in reversed(self.cleanups):
			with suppress(Exception):
				cleanup()

	def report(self, secrets: list[str]) -> Report:
		secrets = [secret for secret in secrets if secret]
		for step in self.steps:
			step.detail = _scrub(step.detail, secrets)
			step.hint = _scrub(step.hint, secrets)
		return Report(self.steps)


def password_forms(username: str, password: str) -> list[str]:
	"""The password as typed and as base64 in AUTH PLAIN / AUTH LOGIN, should a server ever echo those."""
	if not password:
		return []
	forms = [password]
	for raw in (password, f"\0{username or ''}\0{password}"):
		try:
			forms.append(base64.b64encode(raw.encode("utf-8")).decode("ascii"))
		except UnicodeError:
			pass
	return forms


def _scrub(text: str, secrets: list[str]) -> str:
	for secret in secrets:
		text = text.replace(secret, _SECRET_MASK)
	return text


def describe(exc: BaseException) -> str:
	text = str(exc)
	return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def as_seconds(timeout: float) -> str:
	return f"{timeout:g} s"
