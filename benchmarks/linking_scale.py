"""Benchmark: the linking cost of one received email at 1,000 and at 100,000 contacts, side by side.

    cd ~/.cache/crm-mailbox/bench
    ./env/bin/python apps/crm_mailbox/benchmarks/linking_scale.py --site bench.test --sites-path sites

Issue 9 §5 asks that linking time and queries per email stay flat within 20% from 1,000 to 100,000
contacts. The run grows one CRM through the sizes (bulk SQL inserts, no document hooks: a second per
10,000 rows instead of hours of `doc.insert`). Per N contacts: N/10 customers, each with an email
domain, every contact linked to one of them; N/5 leads; N/50 open opportunities of customers.

At each size, the same mix of senders, drawn at random from the whole CRM (not from its first rows):
a contact's own address, a stranger at a customer's domain, a lead, a stranger at an unknown company.

- link: `resolver.resolve_links` (candidate queries and precedence), the part of Frappe's receive
  transaction that reads the CRM; read only.
- receive: Frappe's `EmailAccount.receive()` with every crm_mailbox hook (links written, threads,
  Frappe's own contact creation for strangers) on emails built in memory: only the IMAP read is left
  out. It commits, like a real pull: use a test site. The rows it makes are named "Bench ..." / BENCH-.

Prints per email, at each size: SQL statements, rows MariaDB read (its Handler_read_* counters, which
no other load on the machine changes) and milliseconds (median, p95). The sizes alternate (1,000 ->
100,000 -> 1,000 ...; shrinking deletes the rows beyond), so each 100,000 pass is compared with the
1,000 pass just before it, under about the same load: the machine is shared.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

KINDS = ("contact", "domain stranger", "lead", "unknown company")


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument(
		"--sizes",
		default="1000,100000,1000,100000,1000,100000",
		help="numbers of contacts to measure at, in this order (the CRM grows and shrinks)",
	)
	parser.add_argument("--emails", type=int, default=200, help="emails per size for the link figures")
	parser.add_argument("--received", type=int, default=100, help="emails per size through receive()")
	args = parser.parse_args()

	import frappe

	os.chdir(os.path.abspath(args.sites_path))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		frappe.flags.in_test = True  # Email Account validation would connect to a server
		print(f"machine: {os.cpu_count()} CPUs, load average {load()}")
		print(f"rows read: MariaDB's Handler_read_* counters of the session, over {args.emails} emails")
		rows = []
		for size in (int(s) for s in args.sizes.split(",")):
			grow_to(frappe, size)
			link = measure_link(frappe, size, args.emails)
			receive = measure_receive(frappe, size, args.received)
			rows.append((size, link, receive))
			print_row(size, link, receive)
		print_ratio(rows)
	finally:
		frappe.db.rollback()
		frappe.destroy()


def load() -> str:
	return " ".join(f"{v:.2f}" for v in os.getloadavg())


# ---------------------------------------------------------------------------------------------
# The CRM
# ---------------------------------------------------------------------------------------------


def customers_for(contacts: int) -> int:
	return -(-contacts // 10)  # ten contacts per customer: contact i works for customer i // 10


def customer_name(j: int) -> str:
	return f"Bench Customer {j:06d}"


def contact_address(i: int) -> str:
	return f"person{i}@co{i // 10}.bench.example"


def grow_to(frappe, contacts: int) -> None:
	"""Bulk-insert contacts, customers, leads and opportunities up to `contacts` contacts."""
	have = frappe.db.count("Contact", {"name": ("like", "BENCH-C-%")})
	if have > contacts:
		shrink_to(frappe, contacts)
	if have >= contacts:
		return
	started = time.perf_counter()
	now = frappe.utils.now()
	common = dict(creation=now, modified=now, owner="Administrator", modified_by="Administrator", docstatus=0)
	company = frappe.defaults.get_global_default("company") or frappe.get_all("Company", pluck="name")[0]
	group = frappe.get_all("Customer Group", filters={"is_group": 0}, pluck="name", limit=1)[0]
	territory = frappe.get_all("Territory", filters={"is_group": 0}, pluck="name", limit=1)[0]

	customers = customers_for(contacts)
	new_customers = range(customers_for(have), customers)
	insert(
		frappe,
		"Customer",
		common,
		["name", "customer_name", "customer_type", "customer_group", "territory", "disabled"],
		((customer_name(j), customer_name(j), "Company", group, territory, 0) for j in new_customers),
	)
	insert(
		frappe,
		"Customer Email Domain",
		common,
		["name", "parent", "parenttype", "parentfield", "idx", "domain"],
		(
			(
				f"BENCH-D-{j:06d}",
				customer_name(j),
				"Customer",
				"crm_email_domains",
				1,
				f"co{j}.bench.example",
			)
			for j in new_customers
		),
	)
	new_contacts = range(have, contacts)
	insert(
		frappe,
		"Contact",
		common,
		["name", "first_name", "full_name", "email_id", "status"],
		(
			(f"BENCH-C-{i:07d}", f"Person {i}", f"Person {i}", contact_address(i), "Passive")
			for i in new_contacts
		),
	)
	insert(
		frappe,
		"Contact Email",
		common,
		["name", "parent", "parenttype", "parentfield", "idx", "email_id", "is_primary"],
		(
			(f"BENCH-CE-{i:07d}", f"BENCH-C-{i:07d}", "Contact", "email_ids", 1, contact_address(i), 1)
			for i in new_contacts
		),
	)
	insert(
		frappe,
		"Dynamic Link",
		common,
		["name", "parent", "parenttype", "parentfield", "idx", "link_doctype", "link_name", "link_title"],
		(
			(f"BENCH-DL-{i:07d}", f"BENCH-C-{i:07d}", "Contact", "links", 1, "Customer", cust, cust)
			for i in new_contacts
			for cust in [customer_name(i // 10)]
		),
	)
	insert(
		frappe,
		"Lead",
		common,
		["name", "first_name", "lead_name", "email_id", "status", "company"],
		(
			(f"BENCH-L-{k:06d}", f"Lead {k}", f"Lead {k}", f"lead{k}@lead{k}.bench.example", "Lead", company)
			for k in range(have // 5, contacts // 5)
		),
	)
	insert(
		frappe,
		"Opportunity",
		common,
		["name", "opportunity_from", "party_name", "customer_name", "status", "company", "transaction_date"],
		(
			(f"BENCH-O-{m:05d}", "Customer", cust, cust, "Open", company, now[:10])
			for m in range(have // 50, contacts // 50)
			for cust in [customer_name(m * 7 % customers)]
		),
	)
	frappe.db.commit()  # the receive figures run Frappe's pull, which commits: the CRM must be there
	print(
		f"grew the CRM to {contacts:,} contacts, {customers:,} customers, {contacts // 5:,} leads, "
		f"{contacts // 50:,} opportunities in {time.perf_counter() - started:.0f} s"
	)


def shrink_to(frappe, contacts: int) -> None:
	"""Delete the rows beyond `contacts` contacts, so a run can measure 1,000 again after 100,000."""
	started = time.perf_counter()
	for doctype, prefix, first in (
		("Contact", "BENCH-C-", f"{contacts:07d}"),
		("Contact Email", "BENCH-CE-", f"{contacts:07d}"),
		("Dynamic Link", "BENCH-DL-", f"{contacts:07d}"),
		("Customer", "Bench Customer ", f"{customers_for(contacts):06d}"),
		("Customer Email Domain", "BENCH-D-", f"{customers_for(contacts):06d}"),
		("Lead", "BENCH-L-", f"{contacts // 5:06d}"),
		("Opportunity", "BENCH-O-", f"{contacts // 50:05d}"),
	):
		frappe.db.delete(
			doctype, [[doctype, "name", "like", f"{prefix}%"], [doctype, "name", ">=", prefix + first]]
		)
	frappe.db.commit()  # as in grow_to: the receive figures' pull must see the smaller CRM
	print(f"shrank the CRM to {contacts:,} contacts in {time.perf_counter() - started:.0f} s")


def insert(frappe, doctype: str, common: dict, fields: list[str], rows) -> None:
	frappe.db.bulk_insert(doctype, [*common, *fields], ((*common.values(), *row) for row in rows))


# ---------------------------------------------------------------------------------------------
# The emails
# ---------------------------------------------------------------------------------------------


def senders(size: int, count: int, seed: int) -> list[str]:
	"""`count` senders, the four kinds in turn, drawn from the whole CRM of `size` contacts."""
	rng = random.Random(seed)
	customers = customers_for(size)
	picks = []
	for n in range(count):
		kind = KINDS[n % len(KINDS)]
		if kind == "contact":
			picks.append(contact_address(rng.randrange(size)))
		elif kind == "domain stranger":
			picks.append(f"new{seed}-{n}@co{rng.randrange(customers)}.bench.example")
		elif kind == "lead":
			k = rng.randrange(size // 5)
			picks.append(f"lead{k}@lead{k}.bench.example")
		else:
			picks.append(f"new{seed}-{n}@unknown{rng.randrange(10**9)}.example")
	return picks


def measure_link(frappe, size: int, count: int) -> list[tuple[int, int, float]]:
	from crm_mailbox.linking import resolver

	found = []
	passes = measured_passes(frappe, size)
	for n, sender in enumerate(senders(size, count + 20, seed=size + passes)):
		doc = frappe._dict(sent_or_received="Received", sender=sender, crm_thread_ids="", in_reply_to=None)
		figures = measure(frappe, resolver.resolve_links, doc)
		if n >= 20:  # the first ones warm Frappe's caches
			found.append(figures)
	frappe.db.rollback()
	return found


def measure_receive(frappe, size: int, count: int) -> list[tuple[int, int, float]]:
	from crm_mailbox import testing

	passes = measured_passes(frappe, size)
	# Frappe's default "UNSEEN": with "ALL" Frappe's pull first reads max(Communication.uid), a query
	# that reads every received email of the site (EmailAccount.build_email_sync_rule): a cost that
	# grows with the mail, not with the CRM, and not one of our intake's.
	account = testing.make_email_account(
		f"bench-scale-{size}-{passes}@ourco.example",
		f"CRM Mailbox Scale Benchmark {size} {passes}",
		email_sync_option="UNSEEN",
	)
	frappe.db.commit()  # the pull below commits per email and reloads the account
	found = []
	for n, sender in enumerate(senders(size, count + 10, seed=size + passes + 1)):
		raw = testing.build_email(sender, to=account.email_id, subject=f"Order question {n}")
		figures = measure(frappe, testing.receive, account, raw)
		if n >= 10:
			found.append(figures)
	return found


_passes: dict[int, int] = {}


def measured_passes(frappe, size: int) -> int:
	"""How often this size was measured before in this run (each pass draws other senders)."""
	_passes[size] = _passes.get(size, 0) + 1
	return _passes[size] * 1000


def rows_read(frappe) -> int:
	"""Rows MariaDB read for this session so far (index lookups, index and table scans)."""
	return sum(int(value) for _name, value in frappe.db.sql("SHOW SESSION STATUS LIKE 'Handler_read%'"))


def measure(frappe, fn, *args) -> tuple[int, int, float, float]:
	"""SQL statements, rows read, milliseconds and this process's CPU milliseconds of one call."""
	queries = []
	original = frappe.db.__class__.sql

	def counting(db, *a, **kw):
		queries.append(1)
		return original(db, *a, **kw)

	before = rows_read(frappe)
	overhead = rows_read(frappe) - before  # what reading the counters itself reads
	before = rows_read(frappe)
	frappe.db.__class__.sql = counting
	started, cpu_started = time.perf_counter(), time.process_time()
	try:
		fn(*args)
	finally:
		elapsed = (time.perf_counter() - started) * 1000
		cpu = (time.process_time() - cpu_started) * 1000
		frappe.db.__class__.sql = original
	return len(queries), rows_read(frappe) - before - overhead, elapsed, cpu


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def p95(values):
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_row(size, link, receive) -> None:
	print(f"\n== {size:,} contacts (load average {load()})")
	for label, found in (("link (resolve)", link), ("receive (whole pull)", receive)):
		queries, rows, timings, cpu = zip(*found, strict=True)
		print(
			f"{label:>22}: queries/email {statistics.median(queries):4.0f} (max {max(queries):3d})   "
			f"rows read/email {statistics.median(rows):6.0f} (max {max(rows):6d})   "
			f"ms/email median {statistics.median(timings):7.2f} p95 {p95(timings):7.2f}   "
			f"CPU ms/email {statistics.median(cpu):6.2f}   ({len(timings)} emails)"
		)


def print_ratio(rows) -> None:
	sizes = sorted({size for size, _link, _receive in rows})
	if len(sizes) < 2:
		return
	small, large = sizes[0], sizes[-1]
	print(f"\n== {large:,} contacts over {small:,} (target: within 1.20)")
	for label, index in (("link (resolve)", 1), ("receive (whole pull)", 2)):

		def medians(size, column, index=index):
			return [statistics.median(f[column] for f in row[index]) for row in rows if row[0] == size]

		ratios = {}
		for column, what in ((0, "queries"), (1, "rows read"), (2, "median time"), (3, "CPU time")):
			a, b = medians(small, column), medians(large, column)
			# each pass at the large size against the pass at the small size just before it
			pairs = [y / x if x else float("nan") for x, y in zip(a, b, strict=False)]
			ratios[what] = pairs
		print(
			f"{label:>22}: "
			+ "   ".join(
				f"{what} {statistics.median(pairs):.2f}x"
				+ (
					f" ({', '.join(f'{p:.2f}' for p in pairs)})"
					if what in ("median time", "CPU time")
					else ""
				)
				for what, pairs in ratios.items()
			)
		)


if __name__ == "__main__":
	main()
