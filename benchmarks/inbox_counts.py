"""Benchmark: the inbox's work counts (mine, overdue, unassigned, waiting on customer) at 100,000 threads.

Run inside the bench, against a test site (it adds threads, mailboxes and users, and commits them):

    cd ~/.cache/crm-mailbox/bench
    ./env/bin/python apps/crm_mailbox/benchmarks/inbox_counts.py --site cards.test --sites-path sites

Seeds --threads threads (once; a second run reuses them) over three Shared mailboxes, most of them
Done as in a real inbox, then times, side by side, for a System Manager and for a member of two of
the three mailboxes:
- before: the four grouped queries the counts used to make (one per count), without the covering index;
- after:  crm_mailbox.inbox.counts.work_counts, two grouped queries over the covering index.
Both answers are compared: the script stops if they differ. Prints medians of --runs runs.
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

MAILBOXES = ("Bench Counts North", "Bench Counts South", "Bench Counts West")
MEMBER = "bench-counts-member@ourco.example"
OWNERS = [f"bench-counts-owner{i}@ourco.example" for i in range(5)]
COVERING = "work_status_in_team_list_email_account_thread_owner_due_at_index"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument("--threads", type=int, default=100_000)
	parser.add_argument("--runs", type=int, default=7)
	args = parser.parse_args()

	import frappe

	# Frappe writes its logs relative to the sites folder, as bench runs it.
	os.chdir(os.path.abspath(args.sites_path))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		seed(frappe, args.threads)
		run(frappe, args.runs)
	finally:
		frappe.db.rollback()
		frappe.destroy()


def seed(frappe, wanted: int):
	from crm_mailbox.mailboxes import settings
	from crm_mailbox.testing import make_email_account, make_user

	frappe.set_user("Administrator")
	# as in the bench suite: the mailboxes are never connected to (no IMAP login on save)
	frappe.flags.in_test = True
	for user in (MEMBER, *OWNERS):
		make_user(user, ("Inbox User", "Sales User"))
	for i, name in enumerate(MAILBOXES):
		members = [{"user": u, "access": "Process"} for u in OWNERS]
		if i < 2:
			members.append({"user": MEMBER, "access": "Read"})
		make_email_account(
			email_id=f"bench-counts-{i}@ourco.example",
			name=name,
			crm_purpose="Shared",
			crm_reply_deadline_hours=24,
			crm_members=members,
		)
	frappe.flags.in_test = False
	settings.clear_cache()
	have = frappe.db.count("Mailbox Thread", {"email_account": ("in", MAILBOXES)})
	rnd = random.Random(have)
	now = frappe.utils.now_datetime()
	fields = ["name", "subject", "email_account", "sender", "thread_owner", "work_status", "in_team_list"]
	fields += ["due_at", "creation", "modified", "owner", "modified_by"]
	rows = []
	for i in range(have, wanted):
		status = rnd.choices(
			["Done", "Ignored", "New", "Waiting on us", "Waiting on customer"], [60, 10, 10, 10, 10]
		)[0]
		at = now - timedelta(minutes=rnd.randint(0, 60 * 24 * 365))
		due = at + timedelta(hours=24) if status in ("New", "Waiting on us") else None
		owner = None if rnd.random() < 0.1 else rnd.choice([*OWNERS, MEMBER])
		rows.append(
			(
				f"MT-BENCH-{i:07d}",
				f"Bench thread {i}",
				MAILBOXES[i % 3],
				f"customer{i % 5000}@bench.example",
				owner,
				status,
				0 if rnd.random() < 0.05 else 1,
				due,
				at,
				at,
				"Administrator",
				"Administrator",
			)
		)
	if rows:
		print(f"seeding {len(rows):,} threads ...")
		frappe.db.bulk_insert("Mailbox Thread", fields, rows, chunk_size=5000)
		# the measuring runs in this process and the next; nothing else reads these rows
		frappe.db.commit()  # nosemgrep
	frappe.db.sql("analyze table `tabMailbox Thread`")


def before(frappe, mailbox, user):
	"""The counts as they were (crm_mailbox 2026-11-29 06:00): one grouped query per count."""
	from crm_mailbox.inbox.queue import THREAD, readable_mailboxes, thread_filters

	totals = {key: 0 for key in ("mine", "overdue", "unassigned", "waiting_on_customer")}
	per_mailbox = {
		box: dict.fromkeys(totals, 0) for box in readable_mailboxes(user) if box == (mailbox or box)
	}
	for key in totals:
		rows = frappe.get_list(
			THREAD,
			filters=thread_filters(key, mailbox, user),
			fields=["email_account", "count(`tabMailbox Thread`.`name`) as count"],
			group_by="`tabMailbox Thread`.`email_account`",
			order_by="`tabMailbox Thread`.`email_account` asc",
		)
		for row in rows:
			totals[key] += row.count
			per_mailbox.setdefault(row.email_account, dict.fromkeys(totals, 0))[key] = row.count
	return {"total": totals, "mailboxes": per_mailbox}


def rows_read(frappe) -> int:
	"""Rows and index entries the storage engine handed to MariaDB in this session so far."""
	status = frappe.db.sql("show session status like 'Handler_read%%'")
	return sum(int(value) for _name, value in status)


def timed(frappe, fn, user, runs):
	"""(answer, median ms, rows read per call): the rows do not depend on the machine's load."""
	frappe.set_user(user)
	try:
		fn(frappe, None, user)  # a first run warms the index just made
		frappe.local.cache = {}
		before = rows_read(frappe)
		answer = fn(frappe, None, user)
		rows = rows_read(frappe) - before
		times = []
		for _ in range(runs):
			frappe.local.cache = {}
			started = time.perf_counter()
			answer = fn(frappe, None, user)
			times.append((time.perf_counter() - started) * 1000)
		return answer, statistics.median(times), rows
	finally:
		frappe.set_user("Administrator")


def has_covering_index(frappe) -> bool:
	return bool(frappe.db.sql("show index from `tabMailbox Thread` where Key_name = %s", COVERING))


def run(frappe, runs):
	from crm_mailbox.inbox import counts
	from crm_mailbox.setup.install import add_indexes

	def after(frappe, mailbox, user):
		return counts.work_counts(mailbox, user)

	users = (("System Manager (Administrator)", "Administrator"), ("member of 2 of 3 mailboxes", MEMBER))
	if has_covering_index(frappe):
		frappe.db.sql_ddl(f"alter table `tabMailbox Thread` drop index `{COVERING}`")
	old = {user: timed(frappe, before, user, runs) for _label, user in users}
	add_indexes()
	frappe.db.sql("analyze table `tabMailbox Thread`")
	new = {user: timed(frappe, after, user, runs) for _label, user in users}

	total = frappe.db.count("Mailbox Thread")
	print(f"Mailbox Thread rows: {total:,}; median of {runs} runs; ms per call of the counts\n")
	print(f"{'user':<32} {'before (4 queries)':>19} {'after (2, covering)':>20} {'speed-up':>9}")
	for label, user in users:
		(old_answer, old_ms, old_rows), (new_answer, new_ms, new_rows) = old[user], new[user]
		if old_answer != new_answer:
			raise SystemExit(f"the counts differ for {user}:\nbefore {old_answer}\nafter  {new_answer}")
		print(f"{label:<32} {old_ms:>16.1f} ms {new_ms:>17.1f} ms {old_ms / new_ms:>8.1f}x")
		print(f"{'  rows read':<32} {old_rows:>19,} {new_rows:>20,} {old_rows / max(new_rows, 1):>8.1f}x")
	print(f"\nanswer for the member: {new[MEMBER][0]['total']}")
	print("load average: " + open("/proc/loadavg").read().split(" ", 3)[:3].__str__())


if __name__ == "__main__":
	main()
