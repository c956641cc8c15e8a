"""Benchmark: the cost of one received email, and how it grows with the CRM.

Run inside a bench, against a test site:

    cd ~/frappe-bench
    ./env/bin/python apps/crm_mailbox/benchmarks/linking_cost.py --site test_site --sites-path sites
    ./env/bin/python apps/crm_mailbox/benchmarks/linking_cost.py --site test_site --mode receive

--mode resolve (default) times resolving one email's links, the part that runs inside Frappe's
receive transaction, and rolls everything back. --mode receive times the whole path, Frappe's
EmailAccount.receive() with every crm_mailbox hook, on emails built in memory (only the IMAP read
is left out); it commits, like a real pull, so use a test site. Prints medians and p95 per email
for growing numbers of leads/contacts/customers. Figures, not a pass/fail test.
"""

import argparse
import os
import statistics
import time


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument("--sizes", default="0,500,2000", help="CRM sizes to measure (records of each kind)")
	parser.add_argument("--emails", type=int, default=50, help="emails per size")
	parser.add_argument("--mode", choices=("resolve", "receive"), default="resolve")
	args = parser.parse_args()

	import frappe

	# Frappe writes its logs relative to the sites folder, as bench runs it.
	os.chdir(os.path.abspath(args.sites_path))
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		sizes = [int(s) for s in args.sizes.split(",")]
		(run if args.mode == "resolve" else run_receive)(frappe, sizes, args.emails)
	finally:
		frappe.db.rollback()
		frappe.destroy()


def run(frappe, sizes, emails):
	from crm_mailbox.linking import resolver

	print(f"{'CRM size':>9} {'queries/email':>14} {'ms/email (median)':>18} {'ms/email (p95)':>15}")
	created = 0
	for size in sizes:
		while created < size:
			seed(frappe, created)
			created += 1
		query_counts, timings = [], []
		for i in range(emails):
			sender = f"person{i % 40}@bench-co-{(i * 7) % max(created, 1)}.example"
			doc = frappe._dict(
				sent_or_received="Received", sender=sender, crm_thread_ids="", in_reply_to=None
			)
			queries, ms = measure(frappe, resolver.resolve_links, doc)
			timings.append(ms)
			query_counts.append(queries)
		report(size, query_counts, timings)


def run_receive(frappe, sizes, emails):
	from crm_mailbox import testing

	frappe.flags.in_test = True  # Email Account validation would connect to a server
	account = testing.make_email_account("bench@ourco.example", "CRM Mailbox Benchmark")
	print(f"{'CRM size':>9} {'queries/email':>14} {'ms/email (median)':>18} {'ms/email (p95)':>15}")
	created = frappe.db.count("Customer", {"customer_name": ("like", "Bench Customer %")})
	for size in sizes:
		while created < size:
			seed(frappe, created)
			created += 1
		frappe.db.commit()
		query_counts, timings = [], []
		for i in range(emails):
			raw = testing.build_email(f"person{i % 40}@bench-co-{(i * 7) % max(created, 1)}.example")
			queries, ms = measure(frappe, testing.receive, account, raw)
			timings.append(ms)
			query_counts.append(queries)
		report(size, query_counts, timings)


def measure(frappe, fn, *args) -> tuple[int, float]:
	"""SQL statements and milliseconds that one call costs."""
	queries = []
	original = frappe.db.__class__.sql

	def counting(db, *a, **kw):
		queries.append(1)
		return original(db, *a, **kw)

	frappe.db.__class__.sql = counting
	started = time.perf_counter()
	try:
		fn(*args)
	finally:
		frappe.db.__class__.sql = original
	return len(queries), (time.perf_counter() - started) * 1000


def report(size, query_counts, timings):
	timings = sorted(timings)
	p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
	print(
		f"{size:>9} {statistics.median(query_counts):>14.0f} {statistics.median(timings):>18.2f} {p95:>15.2f}"
	)


def seed(frappe, i):
	"""One lead, one contact and one customer with a domain: rows that every lookup must skip."""
	domain = f"bench-co-{i}.example"
	frappe.get_doc(
		{"doctype": "Lead", "first_name": f"Bench {i}", "email_id": f"lead{i}@{domain}"}
	).db_insert()
	contact = frappe.get_doc({"doctype": "Contact", "first_name": f"Bench {i}"})
	contact.append("email_ids", {"email_id": f"person{i % 40}@{domain}", "is_primary": 1})
	contact.insert(ignore_permissions=True)
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": f"Bench Customer {i}",
			"crm_email_domains": [{"domain": domain}],
		}
	)
	customer.flags.ignore_links = True
	customer.insert(ignore_permissions=True)


if __name__ == "__main__":
	main()
