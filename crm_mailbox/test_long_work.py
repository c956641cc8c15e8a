"""Bench suite: long work (bulk linking, rule dry runs, relinking) shows progress to the user who started
it and nobody else, runs in the background past a size, and the command line prints its progress."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from crm_mailbox import long_work
from crm_mailbox import testing as t
from crm_mailbox.api import jobs as jobs_api
from crm_mailbox.api import links as links_api
from crm_mailbox.api import rules as rules_api
from crm_mailbox.linking import backfill
from crm_mailbox.mailboxes import testing as mt


@contextmanager
def realtime_spy():
	"""Every realtime event published meanwhile: (event, message, user, after_commit)."""
	published = []
	original = frappe.publish_realtime

	def spy(event=None, message=None, *args, **kwargs):
		published.append((event, message, kwargs.get("user"), kwargs.get("after_commit", False)))
		return original(event, message, *args, **kwargs)

	frappe.publish_realtime = spy
	try:
		yield published
	finally:
		frappe.publish_realtime = original


@contextmanager
def inline_limit(module, name: str, value: int):
	"""A smaller selection counts as large, so that a few emails make a background job."""
	saved = getattr(module, name)
	setattr(module, name, value)
	try:
		yield
	finally:
		setattr(module, name, saved)


class TestLongWork(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.people = mt.People()
		cls.team = mt.team_mailbox(cls.people, name="CRM Mailbox Long Work")
		mt.fresh_settings()

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")

	def receive(self, count: int, domain: str | None = None) -> list[str]:
		domain = domain or t.random_domain()
		mails = t.receive(
			self.team,
			*(
				t.build_email(t.unique_address(f"lw{i}", domain), to=self.team.email_id, subject=f"Long {i}")
				for i in range(count)
			),
		)
		return [mail.name for mail in mails]

	def test_bulk_linking_many_emails_runs_as_a_job_whose_progress_only_its_user_hears(self):
		names = self.receive(3)
		customer = t.make_customer()
		frappe.set_user(self.people.proc1)
		with inline_limit(links_api, "LINK_INLINE", 2), realtime_spy() as published:
			started = links_api.link_emails(names, "Customer", customer.name)
		self.assertEqual(set(started), {"job_id"}, "three emails over a limit of two are a background job")

		progress = [(message, user) for event, message, user, _after in published if event == "progress"]
		self.assertEqual([m["percent"] for m, _user in progress], [33, 66, 100])
		self.assertEqual({m["job_id"] for m, _user in progress}, {started["job_id"]})
		done = [(user, after) for event, message, user, after in published if event == long_work.EVENT_DONE]
		# told once, after its links are committed, and only the user who started it
		self.assertEqual(done, [(self.people.proc1, True)])
		self.assertEqual({user for _event, _message, user, _after in published}, {self.people.proc1})

		job = jobs_api.get_job(started["job_id"])
		self.assertEqual((job["done"], job["failed"]), (True, False))
		self.assertEqual(sorted(job["result"]["linked"]), sorted(names))
		frappe.set_user("Administrator")
		for name in names:
			self.assertEqual(t.links_of(frappe._dict(name=name)).get(("Customer", customer.name)), "Manual")

		frappe.set_user(self.people.proc2)
		with self.assertRaises(frappe.PermissionError):
			jobs_api.get_job(started["job_id"])

	def test_a_job_that_fails_tells_its_user_so(self):
		names = self.receive(2)
		frappe.set_user(self.people.proc1)
		# an email cannot be linked to an email: the job stops at the first one
		with inline_limit(links_api, "LINK_INLINE", 1), realtime_spy() as published:
			started = links_api.link_emails(names, "Communication", names[0])
		job = jobs_api.get_job(started["job_id"])
		self.assertEqual((job["done"], job["failed"], job["result"]), (True, True, None))
		done = [(m["failed"], user) for event, m, user, _after in published if event == long_work.EVENT_DONE]
		self.assertEqual(done, [(True, self.people.proc1)])
		frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("Error Log", {"method": _("{0} failed").format(job["title"])}))

	def test_a_long_backfill_shows_its_progress_to_the_user_whose_change_started_it(self):
		quiet_domain, long_domain = t.random_domain(), t.random_domain()
		self.receive(2, domain=quiet_domain)
		self.receive(2, domain=long_domain)
		customer = t.make_customer()
		with realtime_spy() as published:
			customer.append("crm_email_domains", {"domain": quiet_domain})
			customer.save()
		self.assertEqual(
			[m for event, m, _u, _a in published if event == "progress"], [], "two emails flash by"
		)
		with inline_limit(backfill, "QUIET_BACKFILL", 1), realtime_spy() as published:
			customer.append("crm_email_domains", {"domain": long_domain})
			customer.save()
		progress = [(m["percent"], user) for event, m, user, _after in published if event == "progress"]
		self.assertEqual(progress, [(50, "Administrator"), (100, "Administrator")])

	def test_a_small_selection_is_linked_at_once_with_progress_for_its_user(self):
		names = self.receive(2)
		customer = t.make_customer()
		frappe.set_user(self.people.proc1)
		with realtime_spy() as published:
			outcome = links_api.link_emails(names, "Customer", customer.name)
		self.assertEqual(sorted(outcome["result"]["linked"]), sorted(names))
		progress = [(m["percent"], user) for event, m, user, _after in published if event == "progress"]
		self.assertEqual(progress, [(50, self.people.proc1), (100, self.people.proc1)])

	def test_a_large_dry_run_runs_in_the_background_and_predicts_what_the_small_one_does(self):
		self.receive(3)
		frappe.set_user(self.people.proc1)
		at_once = rules_api.preview_rules(self.team.name, limit=3)["result"]
		with inline_limit(rules_api, "PREVIEW_INLINE", 2), realtime_spy() as published:
			started = rules_api.preview_rules(self.team.name, limit=3)
		self.assertIn("job_id", started)
		self.assertEqual(jobs_api.get_job(started["job_id"])["result"], at_once)
		self.assertEqual(len(at_once), 3)
		users = {user for event, _m, user, _after in published if event in ("progress", long_work.EVENT_DONE)}
		self.assertEqual(users, {self.people.proc1})

	def test_linking_a_mailboxs_earlier_emails_again_from_the_desk(self):
		domain = t.random_domain()
		(name,) = self.receive(1, domain=domain)
		customer = t.make_customer()
		# a domain that arrived without the Customer's hooks (a data import): nothing relinked it yet
		frappe.get_doc(
			{
				"doctype": "Customer Email Domain",
				"parent": customer.name,
				"parenttype": "Customer",
				"parentfield": "crm_email_domains",
				"domain": domain,
			}
		).db_insert()
		mail = frappe._dict(name=name)
		self.assertNotIn(("Customer", customer.name), t.links_of(mail))

		frappe.set_user(self.people.proc1)  # a processor, who may not change the Email Account
		with self.assertRaises(frappe.PermissionError):
			links_api.relink_emails(self.team.name)

		frappe.set_user("Administrator")
		with realtime_spy() as published:
			outcome = links_api.relink_emails(self.team.name)
		self.assertGreaterEqual(outcome["result"]["emails"], 1)
		self.assertEqual(outcome["result"]["links_changed"], 1)
		self.assertEqual(t.links_of(mail).get(("Customer", customer.name)), "Customer domain")
		self.assertTrue(
			any(event == "progress" and user == "Administrator" for event, _m, user, _a in published)
		)

	def test_the_command_line_prints_progress_of_relinking_and_of_the_dry_run(self):
		self.receive(2)
		# the command is another process: it sees committed data only
		frappe.db.commit()  # nosemgrep
		site = frappe.local.site
		for args, title in (
			(["relink", "--dry-run", "--account", self.team.name], "relink"),
			(["preview-rules", self.team.name, "--limit", "2"], "preview-rules"),
		):
			run = subprocess.run(
				["bench", "--site", site, "crm-mailbox", *args],
				cwd=get_bench_path(),
				capture_output=True,
				text=True,
				timeout=120,
			)
			self.assertEqual(run.returncode, 0, run.stderr[-2000:])
			lines = [line for line in run.stderr.splitlines() if line.startswith(f"{title}: ")]
			self.assertTrue(lines, run.stderr[-2000:])
			done, total = lines[-1].split(" ")[1].split("/")
			self.assertEqual(done, total, lines)
			self.assertNotIn(f"{title}: ", run.stdout, "progress belongs on stderr, the result on stdout")
