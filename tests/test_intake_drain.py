"""Draining a folder through the intake against a real Dovecot: batches, ledger, failures, \\Seen."""

import time

import imapclient
import pytest
from intake_mail import CommitLog, account_for, drop_many, message

from crm_mailbox.mailflow.intake.imap_session import ImapSession
from crm_mailbox.mailflow.intake.ledger import FAILED, MemoryLedger, message_key
from crm_mailbox.mailflow.intake.puller import Failed, Taken, drain


def test_backlog_drains_in_batches_each_recorded_as_it_is_committed(dovecot, intake_user):
	drop_many(intake_user, 300)
	store, commits = MemoryLedger(), CommitLog()
	recorded_when_handled = []

	def handler(fetched):
		# everything handed over before this message is already in the ledger: committed as we go
		recorded_when_handled.append(len(store.entries))
		return commits(fetched)

	with ImapSession(account_for(dovecot, intake_user)) as session:
		report = drain(session, store, handler, batch_size=40)

	assert report.taken == 300 and report.failed == report.duplicates == 0
	assert len(report.batch_seconds) == 8  # 7 full batches of 40 and one of 20
	assert recorded_when_handled == list(range(300))
	assert set(commits.counts().values()) == {1}
	assert {e.communication for e in store.taken()} == {f"COMM-{n:05d}" for n in range(1, 301)}


def test_second_drain_takes_nothing_twice_and_then_only_new_mail(dovecot, intake_user):
	drop_many(intake_user, 30)
	store, commits = MemoryLedger(), CommitLog()
	account = account_for(dovecot, intake_user)
	with ImapSession(account) as session:
		drain(session, store, commits, batch_size=7)
	with ImapSession(account) as session:
		again = drain(session, store, commits, batch_size=7)
	assert again.handled == 0

	drop_many(intake_user, 2, tag="later")
	with ImapSession(account) as session:
		later = drain(session, store, commits, batch_size=7)

	assert later.taken == 2
	assert len(commits.committed) == 32 and set(commits.counts().values()) == {1}


def test_a_handler_that_raises_fails_only_that_message_with_its_reason(dovecot, intake_user):
	drop_many(intake_user, 12)
	poison_key = message_key(message(5))
	store, commits = MemoryLedger(), CommitLog()

	def handler(fetched):
		if message_key(fetched.raw) == poison_key:
			raise ValueError("InboundMail could not read the sender")
		return commits(fetched)

	with ImapSession(account_for(dovecot, intake_user)) as session:
		report = drain(session, store, handler, batch_size=5)
		# the next pull does not trip on it again
		assert drain(session, store, handler, batch_size=5).handled == 0

	assert (report.taken, report.failed) == (11, 1)
	[failed] = store.failed()
	assert failed.key == poison_key
	assert failed.reason == "ValueError: InboundMail could not read the sender"


def test_handler_can_refuse_a_message_with_a_reason(dovecot, intake_user):
	drop_many(intake_user, 3)
	store = MemoryLedger()
	with ImapSession(account_for(dovecot, intake_user)) as session:
		report = drain(session, store, lambda m: Failed("no From header"), batch_size=2)
	assert report.failed == 3
	assert {e.reason for e in store.failed()} == {"no From header"}


def test_seen_is_set_only_after_commit_and_only_for_taken_mail(dovecot, intake_user):
	drop_many(intake_user, 6)
	refused = message_key(message(2))
	store, commits = MemoryLedger(), CommitLog()
	unseen_while_handled = []
	account = account_for(dovecot, intake_user)

	with ImapSession(account) as session, ImapSession(account) as observer:

		def handler(fetched):
			unseen_while_handled.append(imapclient.SEEN not in fetched.flags)
			if message_key(fetched.raw) == refused:
				return Failed("refused")
			return commits(fetched)

		drain(session, store, handler, batch_size=4, mark_seen=True)
		observer.client.noop()
		flags = observer.client.get_flags(observer.uids_after(0))

	assert all(unseen_while_handled)  # fetching did not mark anything
	seen = {uid for uid, f in flags.items() if imapclient.SEEN in f}
	failed_uid = store.failed()[0].uid
	assert seen == set(flags) - {failed_uid}


def test_the_same_message_twice_in_one_folder_is_taken_once(dovecot, intake_user):
	raw = message(1, tag="twice")
	intake_user.drop(raw, "copy-1.crm-test")
	intake_user.drop(raw, "copy-2.crm-test")
	store, commits = MemoryLedger(), CommitLog()
	with ImapSession(account_for(dovecot, intake_user)) as session:
		report = drain(session, store, commits)
	assert (report.taken, report.duplicates) == (1, 1)
	assert len(store.entries) == 2 and len(commits.committed) == 1
	assert {e.communication for e in store.entries.values()} == {"COMM-00001"}


def test_message_over_the_size_cap_arrives_as_its_header_only(dovecot, intake_user):
	intake_user.drop(message(1, tag="small"), "small.crm-test")
	intake_user.drop(message(2, tag="large", size=200_000), "large.crm-test")
	seen = {}

	def handler(fetched):
		seen[message_key(fetched.raw)] = fetched
		return Taken("COMM")

	account = account_for(dovecot, intake_user, max_message_bytes=100_000)
	with ImapSession(account) as session:
		drain(session, MemoryLedger(), handler)

	large = seen[message_key(message(2, tag="large"))]
	assert large.truncated and large.size > 200_000
	assert large.raw.startswith(b"From: Customer 2") and b"Body of" not in large.raw
	small = seen[message_key(message(1, tag="small"))]
	assert not small.truncated and small.raw.replace(b"\r\n", b"\n") == message(1, tag="small")


def test_failed_entries_keep_their_status_in_the_ledger(dovecot, intake_user):
	drop_many(intake_user, 1)
	store = MemoryLedger()
	with ImapSession(account_for(dovecot, intake_user)) as session:
		drain(session, store, lambda m: Failed("kept raw"))
	[entry] = store.entries.values()
	assert entry.status == FAILED and entry.communication is None


def test_a_drain_past_its_deadline_stops_between_batches_and_the_next_goes_on(dovecot, intake_user):
	drop_many(intake_user, 25, tag="deadline")
	store, commits = MemoryLedger(), CommitLog()
	account = account_for(dovecot, intake_user)
	with ImapSession(account) as session:
		# a deadline already passed: exactly one batch, then stop
		first = drain(session, store, commits, batch_size=10, deadline=time.monotonic())
	assert (first.taken, first.complete) == (10, False)
	seen_batches = []
	with ImapSession(account) as session:
		rest = drain(session, store, commits, batch_size=10, on_batch=lambda r: seen_batches.append(r.taken))
	assert (rest.taken, rest.complete) == (15, True)
	assert seen_batches == [10, 15]
	assert len(commits.committed) == 25 and set(commits.counts().values()) == {1}


def test_an_on_batch_callback_that_raises_stops_the_drain_after_recording_its_batch(dovecot, intake_user):
	drop_many(intake_user, 12, tag="stopped")
	store, commits = MemoryLedger(), CommitLog()

	def lost_lock(report):
		raise RuntimeError("lock lost")

	with ImapSession(account_for(dovecot, intake_user)) as session:
		with pytest.raises(RuntimeError):
			drain(session, store, commits, batch_size=5, on_batch=lost_lock)
	assert len(store.entries) == 5 and len(commits.committed) == 5
