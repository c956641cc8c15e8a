"""Benchmark: pickup delay of a new message through the intake process, and mailboxes per process.

    cd ~/.cache/crm-mailbox/bench
    ./env/bin/python apps/crm_mailbox/benchmarks/intake_pickup.py --site bench.test --mailboxes 50

The real intake `Runner` (what `bench --site all crm-mailbox intake` runs) in this process, against a
Dovecot on loopback (tests/servers.py), on a test site:

1. Pickup delay, side by side: one mailbox waits with IMAP IDLE, one polls every --poll-seconds (15,
   the least a mailbox may be set to; at the default 60 s the delay scales with the interval). Each
   sample delivers one message into the Maildir at a random moment and measures until its
   Communication is committed and visible to another database connection (checked every 0.1 s).
2. Mailboxes per process: --mailboxes more mailboxes (IDLE) served by the same process; how long it
   takes to hold them all, threads, memory, MariaDB connections, CPU while they wait, and the pickup
   delay of a message to a random one of them.

Its mailboxes are Personal ones that opted in; other mailboxes this script made on the site earlier
are turned off first, and these are turned off at the end.
"""

import argparse
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

PREFIX = "Pickup Benchmark"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", default="bench.test")
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument("--samples", type=int, default=20)
	parser.add_argument("--poll-seconds", type=int, default=15)
	parser.add_argument("--mailboxes", type=int, default=50, help="for the mailboxes-per-process figure")
	args = parser.parse_args()

	import frappe
	import servers

	os.chdir(os.path.abspath(args.sites_path))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	print(f"machine: {os.cpu_count()} CPUs, load average {load()}")
	turn_off_earlier_benchmark_mailboxes(frappe)
	set_aside = set_aside_other_mailboxes(frappe)
	dovecot = servers.start_dovecot()
	runner = None
	try:
		idle, poll = (
			mailbox(frappe, dovecot, "pickup-idle", use_idle=1),
			mailbox(frappe, dovecot, "pickup-poll", use_idle=0, poll_seconds=args.poll_seconds),
		)
		runner, thread = start_runner(frappe, args)
		wait_until_served(frappe, [idle, poll])
		print(f"\n== pickup delay, {args.samples} messages each, delivery -> committed and visible")
		for label, box, spread in (
			("IMAP IDLE", idle, 3.0),
			(f"polling every {args.poll_seconds} s", poll, float(args.poll_seconds)),
		):
			delays = [pickup(frappe, box, random.uniform(0, spread)) for _ in range(args.samples)]
			print(
				f"{label:>22}: p50 {percentile(delays, 0.5):6.2f} s   p95 {percentile(delays, 0.95):6.2f} s   "
				f"max {max(delays):6.2f} s   (load average {load()})"
			)
		if args.mailboxes:
			many(frappe, dovecot, runner, args.mailboxes, args.samples)
	finally:
		if runner is not None:
			runner.stop()
			thread.join(timeout=60)
		turn_off_earlier_benchmark_mailboxes(frappe)
		for name in set_aside:
			frappe.db.set_value("Email Account", name, "crm_own_intake", 1)
		frappe.db.commit()  # give the test suites' mailboxes back
		dovecot.stop()
		frappe.destroy()


def load() -> str:
	return " ".join(f"{v:.2f}" for v in os.getloadavg())


def percentile(values, share):
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def turn_off_earlier_benchmark_mailboxes(frappe) -> None:
	for name in frappe.get_all("Email Account", filters={"name": ("like", f"{PREFIX}%")}, pluck="name"):
		frappe.db.set_value("Email Account", name, {"crm_own_intake": 0, "enable_incoming": 0})
	frappe.db.commit()  # the runner's threads read the accounts in their own connections


def set_aside_other_mailboxes(frappe) -> list[str]:
	"""The site's other mailboxes our intake owns (the test suites' ones, on servers that do not exist)
	would be served by this runner too: off during the run, given back afterwards."""
	from crm_mailbox.intake.accounts import owned_accounts

	names = [name for name in owned_accounts() if not name.startswith(PREFIX)]
	if any(name.startswith("Intake Benchmark") for name in names):
		print(f"note: set aside while this runs: {', '.join(names)}")
	for name in names:
		frappe.db.set_value("Email Account", name, "crm_own_intake", 0)
	frappe.db.commit()  # the runner reads the accounts in its own connections
	return names


def mailbox(frappe, dovecot, label: str, use_idle: int = 1, poll_seconds: int = 60):
	from intake_cost import setup_account

	(user,) = dovecot.add_users([f"{label}-{uuid.uuid4().hex[:6]}"], "pickup-secret")
	name = setup_account(
		frappe,
		{
			"address": user.address,
			"password": user.password,
			"host": dovecot.host,
			"port": dovecot.imap_port,
			"purpose": "Personal",
		},
		prefix=PREFIX,
	)
	account = frappe.get_doc("Email Account", name)
	account.crm_use_idle = use_idle
	account.crm_poll_seconds = poll_seconds
	account.save(ignore_permissions=True)
	frappe.db.commit()  # the runner reads it in its own connection
	account.dovecot_user = user
	return account


def start_runner(frappe, args):
	from crm_mailbox.intake.runner import Runner

	runner = Runner([args.site], sites_path=".", max_mailboxes=args.mailboxes + 10, scan_seconds=1.0)
	thread = threading.Thread(target=runner.run, name="intake-runner", daemon=True)
	thread.start()
	return runner, thread


def wait_until_served(frappe, accounts, timeout: float = 600) -> float:
	"""Until every account had a successful pull (its first drain done); the seconds it took."""
	began = time.monotonic()
	names = [a.name for a in accounts]
	while True:
		frappe.db.commit()  # a fresh snapshot: the runner's threads commit in their own connections
		done = frappe.db.count(
			"Mailbox Intake Folder", {"email_account": ("in", names), "last_success_at": ("is", "set")}
		)
		if done >= len(names):
			return time.monotonic() - began
		if time.monotonic() - began > timeout:
			raise RuntimeError(f"only {done} of {len(names)} mailboxes were served in {timeout} s")
		time.sleep(0.2)


def pickup(frappe, account, wait_first: float) -> float:
	"""Deliver one message after `wait_first` seconds; seconds until its Communication is visible."""
	from intake_cost import message

	time.sleep(wait_first)
	message_id = f"<pickup-{uuid.uuid4().hex}@pickup.bench.example>"
	raw = message(f"sender-{uuid.uuid4().hex[:6]}@firm.example", message_id, "Pickup")
	account.dovecot_user.drop(raw, f"{uuid.uuid4().hex}.bench")
	delivered = time.monotonic()
	while True:
		frappe.db.commit()  # a fresh snapshot
		if frappe.db.exists(
			"Communication", {"message_id": message_id.strip("<>"), "email_account": account.name}
		):
			return time.monotonic() - delivered
		if time.monotonic() - delivered > 300:
			raise RuntimeError(f"{account.name}: no Communication after 300 s")
		time.sleep(0.1)


def rss_mb() -> float:
	for line in Path("/proc/self/status").read_text().splitlines():
		if line.startswith("VmRSS:"):
			return int(line.split()[1]) / 1024
	return 0.0


def connections(frappe) -> int:
	return int(frappe.db.sql("SHOW STATUS LIKE 'Threads_connected'")[0][1])


def many(frappe, dovecot, runner, count: int, samples: int) -> None:
	print(f"\n== {count} more mailboxes (IMAP IDLE) in the same process")
	before = {"threads": threading.active_count(), "rss": rss_mb(), "db": connections(frappe)}
	accounts = [mailbox(frappe, dovecot, f"many{n}") for n in range(count)]
	seconds = wait_until_served(frappe, accounts)
	time.sleep(2)
	after = {"threads": threading.active_count(), "rss": rss_mb(), "db": connections(frappe)}
	print(
		f"all {count} held and drained once {seconds:.0f} s after they were made; the process serves "
		f"{len(runner.served())} mailboxes"
	)
	print(
		f"per mailbox: {(after['threads'] - before['threads']) / count:.2f} threads, "
		f"{(after['rss'] - before['rss']) / count:.2f} MB of memory, "
		f"{(after['db'] - before['db']) / count:.2f} MariaDB connections "
		f"(process: {after['rss']:.0f} MB, {after['threads']} threads; MariaDB: {after['db']} connections)"
	)
	cpu, wall = time.process_time(), time.monotonic()
	time.sleep(30)
	print(
		f"CPU while {len(runner.served())} mailboxes wait in IDLE: "
		f"{(time.process_time() - cpu) / (time.monotonic() - wall) * 100:.1f}% of one core"
	)
	delays = [pickup(frappe, random.choice(accounts), random.uniform(0, 3)) for _ in range(samples)]
	print(
		f"pickup delay, a message to a random one of them: p50 {percentile(delays, 0.5):.2f} s   "
		f"p95 {percentile(delays, 0.95):.2f} s   max {max(delays):.2f} s   (load average {load()})"
	)


if __name__ == "__main__":
	main()
