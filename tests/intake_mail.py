"""Helpers for the intake tests: messages to drop into Dovecot, an account for a test user, and a
handler that stands in for Frappe's side (it "commits" into a list and says which Communication)."""

from collections import Counter
from dataclasses import dataclass, field

from crm_mailbox.mailflow.intake.imap_session import Account, Fetched
from crm_mailbox.mailflow.intake.ledger import message_key
from crm_mailbox.mailflow.intake.puller import Taken


def message(n: int, tag: str = "backlog", size: int = 0) -> bytes:
	padding = ("x" * 76 + "\n") * (size // 77)
	return (
		f"From: Customer {n} <customer{n}@example.test>\n"
		f"To: sales@crm.test\n"
		f"Subject: {tag} message {n}\n"
		f"Date: Mon, 02 Jun 2025 10:00:00 +0000\n"
		f"Message-ID: <{tag}-{n}@example.test>\n\n"
		f"Body of {tag} message {n}.\n{padding}"
	).encode()


def drop_many(user, count: int, tag: str = "backlog", first: int = 1) -> list[bytes]:
	raws = [message(n, tag) for n in range(first, first + count)]
	for n, raw in zip(range(first, first + count), raws, strict=True):
		user.drop(raw, f"{tag}-{n:06d}.crm-test")
	return raws


def account_for(dovecot, user, **options) -> Account:
	return Account(dovecot.host, dovecot.imap_port, "plain", user.address, user.password, **options)


@dataclass
class CommitLog:
	"""A handler that commits each message to a list, as the Frappe side commits a Communication."""

	committed: list[bytes] = field(default_factory=list)

	def __call__(self, fetched: Fetched) -> Taken:
		self.committed.append(fetched.raw)
		return Taken(f"COMM-{len(self.committed):05d}")

	def counts(self) -> Counter:
		return Counter(message_key(raw) for raw in self.committed)
