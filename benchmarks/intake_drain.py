"""Benchmark: the intake engine against a real Dovecot on loopback (no Frappe).

    python benchmarks/intake_drain.py                      # 2,000 messages, batches of 100
    python benchmarks/intake_drain.py --messages 10000 --poll-interval 60

1. Drain: N messages are delivered into a fresh INBOX (Maildir), then drained by `puller.drain` with
   a trivial handler (it only keeps the bytes): messages/s and per-batch latency. With --classify
   the handler also runs the poison checks and repair on every message, as the Frappe side will.
2. Pickup delay, side by side: messages arrive one at a time at random moments while a session waits
   for mail with IDLE, then with polling every --poll-interval seconds; p50/p95 from delivery into
   the Maildir until the message is committed by the handler.

Needs what the Frappe-free tests need (apt dovecot-imapd openssl; pip imapclient); starts its own
Dovecot from tests/servers.py and removes it afterwards.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import servers  # noqa: E402
from intake_mail import account_for, message  # noqa: E402

from crm_mailbox.mailflow.intake.imap_session import ImapSession  # noqa: E402
from crm_mailbox.mailflow.intake.ledger import MemoryLedger, message_key  # noqa: E402
from crm_mailbox.mailflow.intake.poison import classify, repair  # noqa: E402
from crm_mailbox.mailflow.intake.puller import Taken, drain, wait_for_mail  # noqa: E402


def percentile(values: list[float], share: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def machine() -> str:
	model = "unknown CPU"
	try:
		for line in Path("/proc/cpuinfo").read_text().splitlines():
			if line.startswith("model name"):
				model = line.split(":", 1)[1].strip()
				break
	except OSError:
		pass
	return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.platform()}"


def bench_drain(dovecot, user, count: int, batch_size: int, size: int, check: bool) -> None:
	started = time.perf_counter()
	for n in range(count):
		user.drop(message(n, tag="drain", size=size), f"drain-{n:06d}.bench")
	delivered = time.perf_counter() - started

	kept = []

	def handler(fetched):
		if check:
			classify(repair(fetched.raw).raw)
		kept.append(len(fetched.raw))
		return Taken(f"C{fetched.uid}")

	store = MemoryLedger()
	began = time.perf_counter()
	with ImapSession(account_for(dovecot, user)) as session:
		report = drain(session, store, handler, batch_size=batch_size)
	seconds = time.perf_counter() - began
	assert report.taken == count == len(store.taken()), report
	batches = [b * 1000 for b in report.batch_seconds]
	print(
		f"\n== drain: {count:,} messages of ~{statistics.mean(kept) / 1024:.1f} KB, batches of {batch_size}"
	)
	print(f"delivered into the Maildir in {delivered:.1f} s (not part of the figures below)")
	print(f"drained in {seconds:.2f} s (open, first SELECT indexing, search, fetch, handler, ledger)")
	print(
		f"throughput: {count / seconds:,.0f} messages/s"
		+ (" (handler classifies and repairs)" if check else "")
	)
	print(
		f"per-batch latency: p50 {percentile(batches, 0.5):.1f} ms, p95 {percentile(batches, 0.95):.1f} ms, "
		f"max {max(batches):.1f} ms over {len(batches)} batches"
	)


def pickup(dovecot, user, samples: int, idle: bool, poll_interval: float) -> list[float]:
	"""Deliver `samples` messages at random moments; the delays from delivery to commit."""
	delivered_at: dict[str, float] = {}
	committed_at: dict[str, float] = {}
	tag = "idle" if idle else "poll"
	rng = random.Random(11)
	# arrivals independent of the poll phase: gaps spread over a whole poll interval when polling
	gaps = [rng.uniform(0.3, 1.5) if idle else rng.uniform(0.5, 1.1 * poll_interval) for _ in range(samples)]

	def deliver():
		for n, gap in enumerate(gaps):
			time.sleep(gap)
			raw = message(n, tag=tag)
			delivered_at[message_key(raw)] = time.monotonic()
			user.drop(raw, f"{tag}-{n:04d}.bench")

	def handler(fetched):
		committed_at[message_key(fetched.raw)] = time.monotonic()
		return Taken("C")

	store = MemoryLedger()
	with ImapSession(account_for(dovecot, user, idle=idle)) as session:
		drain(session, store, handler)
		sender = threading.Thread(target=deliver, daemon=True)
		sender.start()
		while len(committed_at) < samples:
			if wait_for_mail(session, timeout=poll_interval if not idle else 60):
				drain(session, store, handler)
		sender.join()
	return [committed_at[key] - delivered_at[key] for key in delivered_at]


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--messages", type=int, default=2000, help="backlog to drain (e.g. 10000)")
	parser.add_argument("--batch-size", type=int, default=100)
	parser.add_argument("--message-bytes", type=int, default=3000, help="approximate size of each message")
	parser.add_argument("--classify", action="store_true", help="handler runs poison classify + repair")
	parser.add_argument("--samples", type=int, default=20, help="messages for the pickup-delay figures")
	parser.add_argument("--poll-interval", type=float, default=5.0, help="seconds between polls")
	parser.add_argument("--skip-pickup", action="store_true")
	args = parser.parse_args()

	print(f"machine: {machine()}")
	dovecot = servers.start_dovecot()
	try:
		users = dovecot.add_users(["drain", "idle", "poll"], "bench-secret")
		print(f"Dovecot on {dovecot.host}:{dovecot.imap_port} (plain IMAP, loopback), Maildir")
		bench_drain(dovecot, users[0], args.messages, args.batch_size, args.message_bytes, args.classify)
		if args.skip_pickup:
			return
		print(f"\n== pickup delay of one new message, {args.samples} samples each, delivery -> committed")
		for label, user, idle in (
			("IDLE", users[1], True),
			(f"polling every {args.poll_interval:g} s", users[2], False),
		):
			delays = pickup(dovecot, user, args.samples, idle, args.poll_interval)
			print(
				f"{label:>22}: p50 {percentile(delays, 0.5):6.2f} s   p95 {percentile(delays, 0.95):6.2f} s   "
				f"max {max(delays):6.2f} s"
			)
	finally:
		dovecot.stop()


if __name__ == "__main__":
	main()
