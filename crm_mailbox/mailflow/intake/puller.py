"""The pull loop for one mailbox folder: drain in batches, wait for news (IDLE or polling), back off.

`drain` records a message in the ledger only after the handler returned for it, and the handler
returns only once its Communication is committed: a pull that stops anywhere (the server goes away,
the worker is killed) leaves every recorded message committed, and the next pull starts after it.
A handler that raises fails that one message, with the reason, and the batch goes on. Connection
problems stop the drain with a typed IntakeError (network, login, folder) for the caller's backoff.

Never two drains of one folder at once: the caller holds a lock per mailbox (the Frappe side uses
one Redis lock per Email Account) around `drain`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crm_mailbox.mailflow.intake.imap_session import Fetched, ImapSession
from crm_mailbox.mailflow.intake.ledger import FAILED, LedgerStore, message_key, plan

DEFAULT_BATCH_SIZE = 50
# RFC 2177: clients re-issue IDLE at least every 29 minutes, or servers may drop them.
MAX_IDLE_SECONDS = 25 * 60
MAX_REASON = 1000


@dataclass(frozen=True)
class Taken:
	communication: str


@dataclass(frozen=True)
class Failed:
	reason: str


Outcome = Taken | Failed
Handler = Callable[[Fetched], Outcome]


@dataclass
class DrainReport:
	uidvalidity: int = 0
	rescan: bool = False
	taken: int = 0
	failed: int = 0
	duplicates: int = 0
	batch_seconds: list[float] = field(default_factory=list)
	# False when the drain stopped at its deadline with messages still waiting
	complete: bool = True

	@property
	def handled(self) -> int:
		return self.taken + self.failed + self.duplicates


def drain(
	session: ImapSession,
	store: LedgerStore,
	handler: Handler,
	batch_size: int = DEFAULT_BATCH_SIZE,
	mark_seen: bool = False,
	deadline: float | None = None,
	on_batch: Callable[[DrainReport], None] | None = None,
) -> DrainReport:
	"""Take every message of the folder that the ledger does not hold yet, batch by batch.

	`mark_seen`: set \\Seen on the server for the messages taken, after they are recorded (failed
	ones stay unread there, for a person to see; the ledger keeps them from being handled again).
	`deadline` (a time.monotonic() value): stop between batches once it has passed, with
	`complete` False; the next drain goes on from there. `on_batch(report)` runs after each batch
	(progress, renewing a lock); an exception it raises stops the drain.
	"""
	if batch_size < 1:
		raise ValueError("batch_size must be at least 1")
	state = session.state or session.open()
	uidvalidity = state.uidvalidity
	fetch_plan = plan(store.cursor(), uidvalidity)
	report = DrainReport(uidvalidity=uidvalidity, rescan=fetch_plan.rescan)
	after = fetch_plan.search_after
	while True:  # until a search finds nothing new (mail may arrive while we drain)
		pending = [uid for uid in session.uids_after(after) if not store.recorded(uidvalidity, uid)]
		if not pending:
			return report
		for start in range(0, len(pending), batch_size):
			batch = pending[start : start + batch_size]
			began = time.perf_counter()
			taken = [m.uid for m in session.fetch(batch) if _take(m, uidvalidity, store, handler, report)]
			if mark_seen:
				session.mark_seen(taken)
			report.batch_seconds.append(time.perf_counter() - began)
			if on_batch is not None:
				on_batch(report)
			if deadline is not None and time.monotonic() >= deadline:
				report.complete = False
				return report
		after = pending[-1]


def _take(
	message: Fetched, uidvalidity: int, store: LedgerStore, handler: Handler, report: DrainReport
) -> bool:
	"""Hand one message over (unless the ledger already holds it) and record the outcome; True if taken."""
	key = message_key(message.raw)
	earlier = store.find(key)
	if earlier is not None:
		# the same message seen before (the folder was re-read, or it is in the folder twice)
		same = (earlier.uidvalidity, earlier.uid)
		if earlier.status == FAILED:
			store.record_failed(uidvalidity, message.uid, key, earlier.reason or "", duplicate_of=same)
		else:
			store.record_taken(uidvalidity, message.uid, key, earlier.communication or "", duplicate_of=same)
		report.duplicates += 1
		return earlier.status != FAILED
	try:
		outcome = handler(message)
	except Exception as e:  # one bad message must not stop the mailbox
		outcome = Failed(f"{type(e).__name__}: {e}")
	if isinstance(outcome, Taken):
		store.record_taken(uidvalidity, message.uid, key, outcome.communication)
		report.taken += 1
		return True
	reason = outcome.reason if isinstance(outcome, Failed) else f"handler returned {outcome!r}"
	store.record_failed(uidvalidity, message.uid, key, reason[:MAX_REASON])
	report.failed += 1
	return False


def wait_for_mail(session: ImapSession, timeout: float, sleep: Callable[[float], None] = time.sleep) -> bool:
	"""Block until new mail may be there, at most `timeout` seconds: IDLE when the server offers it,
	else sleep (the poll interval) and ask with NOOP. True when a drain is worth running now."""
	if session.supports_idle:
		return session.idle_wait(min(timeout, MAX_IDLE_SECONDS))
	sleep(timeout)
	session.noop()  # also notices a connection the server dropped while we slept
	return True


@dataclass
class Backoff:
	"""Delays between reconnects: doubling from `base` up to `cap` seconds, with jitter so that many
	mailboxes of one failed server do not all come back in the same second."""

	base: float = 2.0
	cap: float = 300.0
	rng: random.Random = field(default_factory=random.Random)
	attempts: int = 0

	def next_delay(self) -> float:
		ceiling = min(self.cap, self.base * 2 ** min(self.attempts, 32))
		self.attempts += 1
		return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

	def reset(self) -> None:
		"""After a successful pull."""
		self.attempts = 0
