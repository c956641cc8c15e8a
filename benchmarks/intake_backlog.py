"""Benchmark: draining a backlog into linked Communications with our intake, in a real bench.

    cd ~/.cache/crm-mailbox/bench
    ./env/bin/python apps/crm_mailbox/benchmarks/intake_backlog.py --site bench.test --messages 10000
    ./env/bin/python apps/crm_mailbox/benchmarks/intake_backlog.py --site bench.test --messages 2000 --workers 2

A mailbox (Shared, our intake on, Frappe's defaults otherwise) per worker, each its own Dovecot user on
loopback (tests/servers.py). A first pull of the empty INBOX sets the cursor (as after an outage:
everything that arrives later is backlog), then --messages messages are delivered to each INBOX and
each worker, a process of its own, drains its mailbox with `intake.pull.pull_account` (batches of 100
that commit as they go; the lease lets one process at a time pull a mailbox, so one mailbox is one
worker's work). Senders: one in five a contact of the site's CRM when it has some (a site grown by
linking_scale.py has 100,000), the rest from 2,000 new addresses at 400 company domains.

Prints per worker the drain time, messages/s and per-batch progress, and the total over all workers.
Background jobs the hooks enqueue during the drain are recorded, then run and timed (as
intake_cost.py does), and counted in a second total. Commits: use a test site.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", default="bench.test")
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument("--messages", type=int, default=10000, help="backlog per mailbox")
	parser.add_argument("--workers", type=int, default=1, help="mailboxes, each drained by its own process")
	parser.add_argument("--batch-size", type=int, default=100)
	parser.add_argument("--skip-jobs", action="store_true", help="do not run the recorded jobs")
	parser.add_argument("--child", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.child:
		return child(args)

	import servers

	print(f"machine: {os.cpu_count()} CPUs, load average {load()}")
	dovecot = servers.start_dovecot()
	try:
		users = dovecot.add_users([f"backlog{n}" for n in range(args.workers)], "backlog-secret")
		connection = {"host": dovecot.host, "port": dovecot.imap_port}
		workers = [spawn(args, user, connection) for user in users]
		for worker in workers:
			read_result(worker)  # the mailbox is set up and its empty INBOX pulled once
		contacts = sample_contacts(args)
		started = time.perf_counter()
		for n, user in enumerate(users):
			deliver(user, args.messages, contacts, seed=n)
		print(
			f"delivered {args.messages:,} messages to each of {len(users)} mailbox(es) "
			f"in {time.perf_counter() - started:.0f} s (not counted)"
		)
		began = time.perf_counter()
		for worker in workers:
			worker.stdin.write("go\n")
			worker.stdin.flush()
		results = [read_result(worker) for worker in workers]
		wall = time.perf_counter() - began
		for worker in workers:
			worker.wait(timeout=600)
		report(results, wall, args)
	finally:
		dovecot.stop()


def load() -> str:
	return " ".join(f"{v:.2f}" for v in os.getloadavg())


def spawn(args, user, connection) -> subprocess.Popen:
	spec = json.dumps({"address": user.address, "password": user.password, **connection})
	command = [
		sys.executable,
		__file__,
		"--child",
		spec,
		"--site",
		args.site,
		"--sites-path",
		args.sites_path,
	]
	command += ["--batch-size", str(args.batch_size)] + (["--skip-jobs"] if args.skip_jobs else [])
	return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def read_result(worker) -> dict:
	for line in worker.stdout:
		if line.startswith("RESULT "):
			answer = json.loads(line[7:])
			if "error" in answer:
				raise RuntimeError(answer["error"])
			return answer
		print(line, end="", flush=True)  # progress
	raise RuntimeError("a worker ended early")


def sample_contacts(args) -> list[str]:
	"""Addresses of contacts in the site's CRM (some senders are known), read by a short child."""
	code = (
		"import frappe,json,os,sys;os.chdir(sys.argv[2]);frappe.init(site=sys.argv[1],sites_path='.');"
		"frappe.connect();print(json.dumps(frappe.get_all('Contact Email',pluck='email_id',limit=5000)))"
	)
	done = subprocess.run(
		[sys.executable, "-c", code, args.site, os.path.abspath(args.sites_path)],
		capture_output=True,
		text=True,
		check=True,
	)
	return json.loads(done.stdout.strip().splitlines()[-1])


def deliver(user, count: int, contacts: list[str], seed: int) -> None:
	from intake_cost import message

	rng = random.Random(seed)
	for n in range(count):
		if contacts and n % 5 == 0:
			sender = rng.choice(contacts)
		else:
			sender = f"person{rng.randrange(2000)}@firm{rng.randrange(400)}.example"
		raw = message(sender, f"<backlog-{seed}-{n}-{time.time_ns()}@backlog.bench.example>", f"Backlog {n}")
		user.drop(raw, f"backlog-{seed}-{n:06d}.bench")


def report(results: list[dict], wall: float, args) -> None:
	taken = sum(r["taken"] for r in results)
	jobs = sum(r["job_seconds"] for r in results)
	print(f"\n== drained {taken:,} messages with {len(results)} worker(s), load average {load()}")
	for n, r in enumerate(results):
		print(
			f"worker {n}: {r['taken']:,} taken, {r['failed']} failed, {r['duplicates']} duplicates in "
			f"{r['seconds']:.0f} s = {r['taken'] / r['seconds']:.1f} messages/s; "
			f"{r['job_count']} jobs queued, running them took {r['job_seconds']:.0f} s ({r['jobs']}); "
			f"pulls cut short: {len(r['errors'] or [])} {r['errors'] or ''}"
		)
	print(f"drain, all workers: {wall:.0f} s ({wall / 60:.1f} min), {taken / wall:.1f} messages/s")
	if not args.skip_jobs:
		print(
			f"drain + its jobs run one after the other on the same worker(s): {(wall + jobs / len(results)) / 60:.1f} min"
		)


# ---------------------------------------------------------------------------------------------
# A worker: one mailbox, one process, inside Frappe
# ---------------------------------------------------------------------------------------------


def child(args) -> None:
	import frappe
	from intake_cost import JobRecorder, run_jobs, setup_account

	spec = json.loads(args.child)
	os.chdir(os.path.abspath(args.sites_path))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		recorder = JobRecorder(frappe)
		account = setup_account(frappe, {**spec, "purpose": "Shared"})
		from crm_mailbox.intake.pull import pull_account

		pull_account(account)  # sets the cursor at the empty INBOX
		print("RESULT {}", flush=True)
		sys.stdin.readline()
		recorder.jobs.clear()
		started = time.perf_counter()
		last = [started, 0]

		def progress(folder, report):
			now = time.perf_counter()
			if now - last[0] >= 30:
				rate = (report.taken - last[1]) / (now - last[0])
				print(
					f"  {spec['address']}: {report.taken:,} taken after {now - started:.0f} s ({rate:.1f}/s)",
					flush=True,
				)
				last[:] = [now, report.taken]

		outcome = {"taken": 0, "failed": 0, "duplicates": 0, "errors": []}
		for _attempt in range(20):
			pulled = pull_account(account, batch_size=args.batch_size, on_batch=progress)
			for key in ("taken", "failed", "duplicates"):
				outcome[key] += pulled.get(key, 0)
			if not pulled.get("errors"):
				break
			# the lease was lost (see RESULTS.md): the pull stops after its batch; the next goes on
			outcome["errors"].append(pulled["errors"])
		seconds = time.perf_counter() - started
		job_count = len(recorder.jobs)
		names, job_seconds, _ = ({}, 0.0, 0) if args.skip_jobs else run_jobs(frappe, recorder)
		print(
			"RESULT "
			+ json.dumps(
				{
					"taken": outcome.get("taken", 0),
					"failed": outcome.get("failed", 0),
					"duplicates": outcome.get("duplicates", 0),
					"errors": outcome.get("errors"),
					"seconds": seconds,
					"job_count": job_count,
					"job_seconds": job_seconds,
					"jobs": names,
				}
			),
			flush=True,
		)
	except Exception:
		print("RESULT " + json.dumps({"error": frappe.get_traceback()}), flush=True)
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
