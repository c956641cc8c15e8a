"""Benchmark: cost per received email, our intake vs Frappe's own pull without the app, side by side.

    cd ~/.cache/crm-mailbox/bench
    ./env/bin/python apps/crm_mailbox/benchmarks/intake_cost.py --ours bench.test --frappe baseline.test

Two sites of the same kind (scripts/test-bench setup / setup-without-app): ours has crm_mailbox and
pulls a Shared mailbox (or --purpose CRM) with our intake (`intake.pull.pull_account`); the other has
no app and pulls with Frappe's own `EmailAccount.receive()`, as its scheduler does. Each site is
served by one long-lived worker process (as a background worker is), each mailbox by its own Dovecot
user on loopback (tests/servers.py), both with Frappe's defaults (unread mail, "Create Contacts from
Incoming Emails" on).

Every round delivers the same 100 messages to both mailboxes (Frappe takes at most 100 per pull):
a quarter from new senders, the rest from senders of earlier rounds, from a few company domains. Then
each worker pulls once (which goes first alternates), and afterwards runs every background job the
pull enqueued (the worker records them instead of queueing them, then runs them one after the other
and commits, as a worker would), so the cost counts them. Per side and round: seconds and SQL
statements per email, for the pull and for its jobs. The ratio is ours over Frappe's (target: 1.15).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests")]

MESSAGES_PER_ROUND = 100
RUN = time.strftime("%H%M%S")


# ---------------------------------------------------------------------------------------------
# The orchestrator (no Frappe here)
# ---------------------------------------------------------------------------------------------


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--ours", default="bench.test", help="site with crm_mailbox")
	parser.add_argument("--frappe", default="baseline.test", help="site without the app")
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument("--rounds", type=int, default=5)
	parser.add_argument(
		"--purpose",
		default="Shared",
		choices=("Personal", "Shared", "CRM"),
		help="our mailbox's purpose: Personal (opted in: links only) or a team's (threads, owners, ToDos)",
	)
	parser.add_argument("--child", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.child:
		return child(args.child, args.sites_path)

	import servers

	print(f"machine: {os.cpu_count()} CPUs, load average {load()}")
	dovecot = servers.start_dovecot()
	workers = {}
	try:
		users = dict(
			zip(
				("ours", "frappe"),
				dovecot.add_users(["cost-ours", "cost-frappe"], "cost-secret"),
				strict=True,
			)
		)
		for side, site in (("ours", args.ours), ("frappe", args.frappe)):
			workers[side] = Worker(side, site, args.sites_path)
			user = users[side]
			workers[side].ask(
				"setup",
				address=user.address,
				password=user.password,
				host=dovecot.host,
				port=dovecot.imap_port,
				purpose=args.purpose if side == "ours" else None,
			)
		# a first round (not counted) seeds both pulls' cursors and warms both workers
		rounds = []
		for number in range(args.rounds + 1):
			deliver(users.values(), number, 20 if number == 0 else MESSAGES_PER_ROUND)
			order = ("ours", "frappe") if number % 2 else ("frappe", "ours")
			results = {side: workers[side].ask("pull") for side in order}
			if number == 0:
				# Frappe's first pull leaves its messages unread on the server (it peeks, read-only,
				# while it takes the initial sync): a second pull takes them, so rounds start even
				for side in order:
					workers[side].ask("pull")
				print("warm-up round: " + ", ".join(f"{s} took {r['taken']}" for s, r in results.items()))
				continue
			rounds.append(results)
			print_round(number, results)
		print_summary(rounds, args.purpose)
	finally:
		for worker in workers.values():
			worker.close()
		dovecot.stop()


def load() -> str:
	return " ".join(f"{v:.2f}" for v in os.getloadavg())


def deliver(users, round_number: int, count: int) -> None:
	"""The same `count` messages into every user's INBOX."""
	rng = random.Random(round_number)
	for n in range(count):
		# addresses and Message-IDs new on every run: both pulls create contacts and skip known IDs
		if n % 4 == 0 or round_number == 0:
			sender = f"new-{RUN}-{round_number}-{n}@company{n % 7}.example"
		else:
			earlier = f"{rng.randrange(round_number)}-{rng.randrange(0, 100, 4)}"
			sender = f"new-{RUN}-{earlier}@company{n % 7}.example"
		message_id = f"<cost-{RUN}-{round_number}-{n}@cost.bench.example>"
		raw = message(sender, message_id, f"Order question {round_number}.{n}")
		for user in users:
			user.drop(raw, f"cost-{round_number}-{n:04d}.bench")


def message(sender: str, message_id: str, subject: str) -> bytes:
	body = ("Hello,\nplease send us a quote for 40 pallets of item 7, delivery in week 23.\n" * 30).strip()
	return (
		f"From: Customer <{sender}>\nTo: cost@crm.test\nSubject: {subject}\n"
		f"Date: Mon, 02 Jun 2025 10:00:00 +0000\nMessage-ID: {message_id}\n"
		f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
	).encode()


class Worker:
	"""One site's long-lived process, asked one JSON line at a time."""

	def __init__(self, side: str, site: str, sites_path: str):
		self.side = side
		self.process = subprocess.Popen(
			[sys.executable, __file__, "--child", site, "--sites-path", sites_path],
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			text=True,
		)

	def ask(self, command: str, **data) -> dict:
		self.process.stdin.write(json.dumps({"command": command, **data}) + "\n")
		self.process.stdin.flush()
		for line in self.process.stdout:
			if line.startswith("RESULT "):
				answer = json.loads(line[7:])
				if "error" in answer:
					raise RuntimeError(f"{self.side}: {answer['error']}")
				return answer
		raise RuntimeError(f"{self.side}: the worker ended")

	def close(self) -> None:
		if self.process.poll() is None:
			self.process.stdin.close()
			self.process.wait(timeout=30)


def per_email(result: dict, key: str) -> float:
	return result[key] / max(result["taken"], 1)


def print_round(number: int, results: dict) -> None:
	print(f"\n== round {number} (load average {load()})")
	for side, r in results.items():
		jobs = ", ".join(f"{count} × {name}" for name, count in sorted(r["jobs"].items())) or "none"
		print(
			f"{side:>7}: took {r['taken']:3d}   pull {per_email(r, 'pull_seconds') * 1000:6.1f} ms "
			f"{per_email(r, 'pull_queries'):5.1f} queries   jobs {per_email(r, 'job_seconds') * 1000:6.1f} ms "
			f"{per_email(r, 'job_queries'):5.1f} queries   per email   [{jobs}]"
		)


def print_summary(rounds: list[dict], purpose: str) -> None:
	def median(side, *keys):
		return statistics.median(sum(per_email(r[side], k) for k in keys) for r in rounds)

	print(f"\n== medians over {len(rounds)} rounds, per email (our mailbox: {purpose})")
	for label, keys in (
		("pull", ("pull_seconds",)),
		("jobs", ("job_seconds",)),
		("pull + jobs", ("pull_seconds", "job_seconds")),
	):
		ours, theirs = median("ours", *keys) * 1000, median("frappe", *keys) * 1000
		print(
			f"{label:>12}: ours {ours:7.1f} ms   Frappe {theirs:7.1f} ms   "
			+ (f"ratio {ours / theirs:.2f}" if theirs else "(Frappe: none)")
		)
	for label, keys in (("queries", ("pull_queries", "job_queries")),):
		ours, theirs = median("ours", *keys), median("frappe", *keys)
		print(
			f"{label:>12}: ours {ours:7.1f}      Frappe {theirs:7.1f}      ratio {ours / max(theirs, 1e-9):.2f}"
		)
	ratios = sorted(
		(per_email(r["ours"], "pull_seconds") + per_email(r["ours"], "job_seconds"))
		/ (per_email(r["frappe"], "pull_seconds") + per_email(r["frappe"], "job_seconds"))
		for r in rounds
	)
	print(f"per-round ratios (pull + jobs): {', '.join(f'{x:.2f}' for x in ratios)} (target <= 1.15)")


# ---------------------------------------------------------------------------------------------
# The worker (one per site, inside Frappe)
# ---------------------------------------------------------------------------------------------


def child(site: str, sites_path: str) -> None:
	import frappe

	os.chdir(os.path.abspath(sites_path))
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	recorder = JobRecorder(frappe)
	state = {}
	for line in sys.stdin:
		request = json.loads(line)
		try:
			if request["command"] == "setup":
				state["account"] = setup_account(frappe, request)
				answer = {"account": state["account"]}
			else:
				answer = pull_and_run_jobs(frappe, state["account"], recorder)
		except Exception:
			frappe.db.rollback()
			answer = {"error": frappe.get_traceback()}
		print("RESULT " + json.dumps(answer), flush=True)
	frappe.destroy()


def setup_account(frappe, request: dict, prefix: str = "Intake Benchmark") -> str:
	name = f"{prefix} {request['address']}"
	if frappe.db.exists("Email Account", name):
		frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
	fields = {
		"doctype": "Email Account",
		"email_account_name": name,
		"email_id": request["address"],
		"login_id": request["address"],
		"password": request["password"],
		"email_server": request["host"],
		"incoming_port": request["port"],
		"use_imap": 1,
		"use_ssl": 0,
		"use_starttls": 0,
		"enable_incoming": 1,
		"imap_folder": [{"folder_name": "INBOX"}],
	}
	team = [team_user(frappe, f"bench-{who}@ourco.example") for who in ("proc1", "proc2", "reader")]
	if request.get("purpose") == "Personal":
		fields.update(crm_purpose="Personal", crm_mailbox_owner=team[0])
	elif request.get("purpose"):
		# a team mailbox of two processors and a reader; our intake is on for it by default
		fields.update(
			crm_purpose=request["purpose"],
			crm_mailbox_owner=team[0],
			crm_members=[
				{"user": team[0], "access": "Process"},
				{"user": team[1], "access": "Process"},
				{"user": team[2], "access": "Read"},
			],
		)
	account = frappe.get_doc(fields).insert(ignore_permissions=True)
	if request.get("purpose") == "Personal":
		account.crm_own_intake = 1  # a Personal mailbox opts in (a team's is in by default)
		account.save(ignore_permissions=True)
	frappe.db.commit()  # the pulls below run in their own transactions
	if request.get("purpose") and not account.get("crm_own_intake"):
		raise RuntimeError("our intake is not on for the benchmark mailbox")
	return account.name


def team_user(frappe, email: str) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc({"doctype": "User", "email": email, "first_name": email.split("@")[0]})
		user.append("roles", {"role": "Inbox User"})
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	return email


def pull_and_run_jobs(frappe, account: str, recorder) -> dict:
	counter = QueryCounter(frappe)
	before = frappe.db.count("Communication", {"email_account": account})
	recorder.jobs.clear()
	recorder.ids.clear()  # a deduplicated job may be queued again once it ran, as in RQ
	with counter:
		started = time.perf_counter()
		if frappe.get_meta("Email Account").has_field("crm_own_intake"):
			from crm_mailbox.intake.pull import pull_account

			for _attempt in range(3):
				outcome = pull_account(account)
				# another engineer's `test-bench setup` empties the shared Redis, our lease with it:
				# the pull stops after its batch, as it must; the next one goes on from there
				if not outcome.get("errors") and outcome.get("pulled"):
					break
			else:
				raise RuntimeError(f"our pull failed: {outcome}")
		else:
			frappe.get_doc("Email Account", account).receive()
		pull_seconds = time.perf_counter() - started
	pull_queries = counter.count
	frappe.db.commit()
	taken = frappe.db.count("Communication", {"email_account": account}) - before

	names, job_seconds, job_queries = run_jobs(frappe, recorder)
	return {
		"taken": taken,
		"pull_seconds": pull_seconds,
		"pull_queries": pull_queries,
		"job_seconds": job_seconds,
		"job_queries": job_queries,
		"jobs": names,
	}


def run_jobs(frappe, recorder) -> tuple[dict[str, int], float, int]:
	"""Run the recorded jobs one after the other, as a worker would: (jobs by method, seconds, queries)."""
	names: dict[str, int] = {}
	counter = QueryCounter(frappe)
	with counter:
		started = time.perf_counter()
		while recorder.jobs:  # a job may enqueue further jobs
			method, kwargs = recorder.jobs.pop(0)
			label = method if isinstance(method, str) else f"{method.__module__}.{method.__qualname__}"
			names[label] = names.get(label, 0) + 1
			try:
				(frappe.get_attr(method) if isinstance(method, str) else method)(**kwargs)
				frappe.db.commit()  # as frappe.utils.background_jobs.execute_job
			except Exception:
				frappe.db.rollback()
				names[label + " (failed)"] = names.get(label + " (failed)", 0) + 1
		seconds = time.perf_counter() - started
	recorder.ids.clear()
	return names, seconds, counter.count


class JobRecorder:
	"""Replaces frappe.enqueue for the worker: jobs are kept, to be run and timed after the pull."""

	def __init__(self, frappe):
		import frappe.utils.background_jobs as background_jobs

		self.jobs: list[tuple] = []
		self.ids: set[str] = set()
		real = background_jobs.enqueue

		def enqueue(method, queue="default", timeout=None, event=None, is_async=True, job_name=None, now=False,
			enqueue_after_commit=False, *, on_success=None, on_failure=None, at_front=False, job_id=None,
			deduplicate=False, **kwargs):  # fmt: skip
			if now or not is_async:
				return real(method, queue=queue, now=now, is_async=is_async, **kwargs)
			if deduplicate and job_id:
				if job_id in self.ids:
					return None
				self.ids.add(job_id)
			self.jobs.append((method, kwargs))
			return None

		background_jobs.enqueue = enqueue


class QueryCounter:
	"""Counts the SQL statements run while it is active."""

	def __init__(self, frappe):
		self.frappe = frappe
		self.count = 0

	def __enter__(self):
		database = self.frappe.db.__class__
		self.original = database.sql

		def counting(db, *args, **kwargs):
			self.count += 1
			return self.original(db, *args, **kwargs)

		database.sql = counting
		return self

	def __exit__(self, *exc):
		self.frappe.db.__class__.sql = self.original


if __name__ == "__main__":
	main()
