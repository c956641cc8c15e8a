"""The ledger's pure decisions: what to ask the server for, and how a message is recognised again."""

import pytest

from crm_mailbox.mailflow.intake.ledger import Cursor, MemoryLedger, Plan, message_key, plan


def test_same_uidvalidity_continues_after_the_last_uid():
	assert plan(Cursor(555, 40), 555) == Plan(search_after=40, rescan=False)


def test_first_pull_reads_the_folder_from_the_start():
	assert plan(Cursor(None, 0), 555) == Plan(search_after=0, rescan=False)


def test_changed_uidvalidity_rescans_the_folder():
	assert plan(Cursor(555, 40), 777) == Plan(search_after=0, rescan=True)


def test_cursor_follows_the_newest_uidvalidity_and_highest_uid():
	store = MemoryLedger()
	store.record_taken(555, 3, "mid:a@x", "C1")
	store.record_failed(555, 9, "mid:b@x", "no From")
	store.record_taken(555, 5, "mid:c@x", "C2")
	assert store.cursor() == Cursor(555, 9)  # a failed message moves the cursor too
	store.record_taken(777, 1, "mid:d@x", "C3")
	assert store.cursor() == Cursor(777, 1)


def test_a_uid_cannot_be_recorded_twice():
	store = MemoryLedger()
	store.record_taken(555, 3, "mid:a@x", "C1")
	with pytest.raises(ValueError):
		store.record_failed(555, 3, "mid:a@x", "again")


def test_message_key_is_the_message_id_unfolded():
	raw = b"From: a@x.test\r\nMessage-ID:\r\n <abc.123@x.test>\r\n\r\nbody"
	assert message_key(raw) == "mid:abc.123@x.test"


def test_message_key_without_message_id_is_a_hash_of_the_bytes():
	one = message_key(b"From: a@x.test\n\nbody one")
	assert one.startswith("sha256:")
	assert one == message_key(b"From: a@x.test\n\nbody one")
	assert one != message_key(b"From: a@x.test\n\nbody two")


@pytest.mark.parametrize(
	"header",
	[b"Message-ID: not-an-id", b"Message-ID: <" + b"x" * 600 + b"@x.test>", b"Message-ID: <\xff\xfe@x>"],
)
def test_unusable_message_ids_fall_back_to_the_hash(header):
	key = message_key(header + b"\nFrom: a@x.test\n\nbody")
	assert key.startswith("sha256:")
