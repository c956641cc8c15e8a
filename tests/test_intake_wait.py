"""Waiting for new mail: IDLE where Dovecot offers it, polling where it is turned off; reconnect backoff."""

import random
import threading
import time

from intake_mail import CommitLog, account_for, message

from crm_mailbox.mailflow.intake.imap_session import ImapSession
from crm_mailbox.mailflow.intake.ledger import MemoryLedger
from crm_mailbox.mailflow.intake.puller import Backoff, drain, wait_for_mail


def _pickup_delay(dovecot, user, poll: float = 20, **options) -> tuple[bool, float, int]:
	"""Drop one message while the session waits (`poll`: its timeout, the poll interval when polling);
	seconds from delivery until the message is committed."""
	store, commits = MemoryLedger(), CommitLog()
	dropped_at = []

	def deliver():
		dropped_at.append(time.monotonic())
		user.drop(message(1, tag="fresh"), "fresh.crm-test")

	with ImapSession(account_for(dovecot, user, **options)) as session:
		drain(session, store, commits)
		timer = threading.Timer(0.5, deliver)
		timer.start()
		news = wait_for_mail(session, timeout=poll)
		while not news:  # a keep-alive woke us before the message arrived
			news = wait_for_mail(session, timeout=20)
		taken = drain(session, store, commits).taken
		timer.join()
	return news, time.monotonic() - dropped_at[0], taken


def test_idle_picks_up_a_new_message_within_seconds(dovecot, intake_user):
	with ImapSession(account_for(dovecot, intake_user)) as session:
		assert session.supports_idle

	news, delay, taken = _pickup_delay(dovecot, intake_user)

	print(f"IDLE pickup delay: {delay:.2f} s")
	assert news and taken == 1
	assert delay < 10


def test_polling_where_idle_is_turned_off(dovecot, intake_user):
	with ImapSession(account_for(dovecot, intake_user, idle=False)) as session:
		assert not session.supports_idle

	news, delay, taken = _pickup_delay(dovecot, intake_user, idle=False, poll=1.5)

	print(f"polling (1.5 s interval) pickup delay: {delay:.2f} s")
	assert news and taken == 1
	assert 0.5 <= delay < 10  # the message came during the sleep; the next poll found it


def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets():
	backoff = Backoff(base=2.0, cap=60.0, rng=random.Random(7))
	delays = [backoff.next_delay() for _ in range(8)]
	ceilings = [2, 4, 8, 16, 32, 60, 60, 60]
	assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
	assert len(set(delays)) == len(delays)  # jittered, not a fixed ladder

	backoff.reset()
	assert 1.0 <= backoff.next_delay() <= 2.0


def test_backoff_after_very_many_failures_stays_at_the_cap():
	backoff = Backoff(base=1.0, cap=300.0, attempts=10_000)
	assert 150.0 <= backoff.next_delay() <= 300.0
