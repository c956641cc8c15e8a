"""Poison messages: odd and broken mail is classified without raising, repaired where it can be, and
a folder of it drains with every message either taken or kept with its reason.

Corpus: tests/eml/odd/ (written for this suite) and CPython's own email test messages
(Lib/test/test_email/data/msg_*.txt), read from the installed Python at test time, never copied.
"""

import os
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import compat32
from pathlib import Path

import pytest
from intake_mail import CommitLog, account_for

from crm_mailbox.mailflow.intake.imap_session import ImapSession
from crm_mailbox.mailflow.intake.ledger import MemoryLedger
from crm_mailbox.mailflow.intake.poison import ORIGINAL_FROM_HEADER, classify, repair, split_head
from crm_mailbox.mailflow.intake.puller import Failed, drain

ODD = Path(__file__).parent / "eml" / "odd"
# file -> (problem codes, blocking for InboundMail as it is, blocking after repair)
EXPECTED = {
	"empty.eml": ({"empty"}, True, True),
	"no_from.eml": ({"no_from"}, True, False),
	"no_from_no_sender.eml": ({"no_from"}, True, True),
	"from_without_at.eml": ({"bad_from"}, True, False),
	"zero_byte_part.eml": ({"zero_byte_part"}, False, False),
	"broken_boundary.eml": ({"broken_boundary"}, False, False),
	"nested_rfc822.eml": ({"nested_message"}, False, False),
	"tnef_winmail.eml": ({"tnef"}, False, False),
	"bad_charset.eml": ({"bad_charset"}, False, False),
	"slash_in_attachment_name.eml": ({"bad_attachment_name"}, False, False),
	"eight_bit_headers_utf8.eml": ({"eight_bit_headers"}, False, False),
	"eight_bit_headers_cp1252.eml": ({"eight_bit_headers"}, False, False),
}


def cpython_email_corpus() -> list[Path]:
	try:
		import test.test_email
	except ImportError:  # some distributions ship Python without its test package
		return []
	return sorted((Path(os.path.dirname(test.test_email.__file__)) / "data").glob("msg_*.txt"))


def header(raw: bytes, name: str) -> str:
	value = message_from_bytes(raw, policy=compat32).get(name)
	return str(make_header(decode_header(str(value)))) if value is not None else None


def test_every_odd_sample_has_an_expectation():
	assert {p.name for p in ODD.glob("*.eml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_odd_message_is_classified_and_repaired_where_possible(name):
	codes, blocking, blocking_after_repair = EXPECTED[name]
	raw = (ODD / name).read_bytes()

	verdict = classify(raw)
	repaired = repair(raw)

	assert set(verdict.codes) == codes and verdict.reason
	assert verdict.blocking == blocking
	assert classify(repaired.raw).blocking == blocking_after_repair
	assert split_head(repaired.raw)[2] == split_head(raw)[2]  # the body is never touched


def test_missing_from_is_taken_from_sender_and_marked():
	repaired = repair((ODD / "no_from.eml").read_bytes())
	assert header(repaired.raw, "From") == "export@outlook-archive.test"
	assert header(repaired.raw, ORIGINAL_FROM_HEADER) is None  # there was none to keep
	assert "From set to export@outlook-archive.test" in header(repaired.raw, "X-CRM-Mailbox-Repaired")


def test_unusable_from_is_replaced_and_kept_outside_frappes_x_original_from():
	repaired = repair((ODD / "from_without_at.eml").read_bytes())
	assert header(repaired.raw, "From") == "jane.buyer@customer.test"
	assert header(repaired.raw, ORIGINAL_FROM_HEADER).strip() == "Outlook Export"
	assert header(repaired.raw, "X-Original-From") is None  # Frappe would read that one before From


def test_no_sender_anywhere_uses_the_fallback_when_given():
	raw = (ODD / "no_from_no_sender.eml").read_bytes()
	assert repair(raw).changes == ()
	repaired = repair(raw, fallback_sender="unknown-sender@crm.invalid")
	assert header(repaired.raw, "From") == "unknown-sender@crm.invalid"
	assert not classify(repaired.raw).blocking


@pytest.mark.parametrize(
	"name, sender, subject",
	[
		("eight_bit_headers_utf8.eml", "Jürgen Müller <juergen@kunde.test>", "Angebot für Größe M"),
		("eight_bit_headers_cp1252.eml", "René Dupont <rene@client.test>", "Devis révisé"),
	],
)
def test_eight_bit_headers_become_rfc2047_words_that_read_the_same(name, sender, subject):
	repaired = repair((ODD / name).read_bytes())
	head = split_head(repaired.raw)[0]
	assert head.isascii()
	assert header(repaired.raw, "From") == sender
	assert header(repaired.raw, "Subject") == subject
	assert classify(repaired.raw).ok


def test_huge_headers_are_blocking():
	raw = (
		b"From: a@x.test\n" + b"".join(b"X-Loop-%d: %s\n" % (n, b"y" * 200) for n in range(1500)) + b"\nbody"
	)
	verdict = classify(raw)
	assert "huge_headers" in verdict.codes and verdict.blocking


def test_cpython_email_corpus_classifies_without_raising():
	corpus = cpython_email_corpus()
	if not corpus:
		pytest.skip("this Python has no test.test_email package; only tests/eml/odd is used")
	verdicts = {path.name: classify(path.read_bytes()) for path in corpus}
	for path in corpus:  # repair never raises either, and never makes a message blocking
		raw = path.read_bytes()
		assert classify(repair(raw).raw).blocking <= verdicts[path.name].blocking
	# samples whose oddity is known from CPython's own tests
	assert "no_from" in verdicts["msg_18.txt"].codes  # headers only, no From
	assert "bad_from" in verdicts["msg_43.txt"].codes  # bounce: From: MAILER DAEMON <>
	assert "broken_boundary" in verdicts["msg_15.txt"].codes
	assert "nested_message" in verdicts["msg_02.txt"].codes
	print(f"CPython corpus: {len(corpus)} messages, {sum(v.ok for v in verdicts.values())} without problems")


def test_a_folder_of_odd_mail_drains_every_message_taken_or_kept_with_its_reason(dovecot, intake_user):
	samples = [ODD / name for name in sorted(EXPECTED)] + cpython_email_corpus()
	for n, path in enumerate(samples):
		intake_user.drop(path.read_bytes(), f"odd-{n:03d}.crm-test")
	commits = CommitLog()

	def handler(fetched):
		"""What the Frappe side will do: repair, then store as a Communication unless still blocking."""
		repaired = repair(fetched.raw, fallback_sender="unknown-sender@crm.invalid")
		verdict = classify(repaired.raw)
		if verdict.blocking:
			return Failed(verdict.reason)
		return commits(fetched)

	store = MemoryLedger()
	with ImapSession(account_for(dovecot, intake_user)) as session:
		report = drain(session, store, handler, batch_size=10)
		assert drain(session, store, handler).handled == 0

	# several CPython samples share one Message-ID: those are recorded as duplicates, not taken twice
	assert report.handled == len(samples) == len(store.entries)
	assert report.failed >= 1  # the zero-byte message at least
	assert all(e.reason for e in store.failed())
	print(
		f"odd folder: {report.taken} taken, {report.failed} kept with a reason, {report.duplicates} duplicates"
	)
