"""bench commands: `bench --site SITE crm-mailbox ...`."""

from contextlib import contextmanager

import click
from frappe.commands import get_site, pass_context


@contextmanager
def connected(context, account: str | None = None):
	"""Connect to the command's site (and check the named Email Account exists); always disconnect."""
	import frappe

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		if account is not None and not frappe.db.exists("Email Account", account):
			click.secho(f"No Email Account named {account!r}.", fg="red")
			raise SystemExit(2)
		yield frappe
	finally:
		frappe.destroy()


def progress_line(text: str) -> None:
	"""Long work's progress goes to stderr: stdout keeps only the result, for pipes and files."""
	click.echo(text, err=True)


@click.group("crm-mailbox")
def crm_mailbox():
	"""crm_mailbox: link emails to CRM records, test mailboxes, preview rules."""


@crm_mailbox.command("relink")
@click.option("--account", help="Only emails of this Email Account")
@click.option("--since", help="Only emails on or after this date (YYYY-MM-DD)")
@click.option("--limit", type=int, default=5000, show_default=True, help="At most this many emails")
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing")
@pass_context
def relink(context, account=None, since=None, limit=5000, dry_run=False):
	"""Link earlier emails to Leads, Contacts, Customers and Opportunities again; print what changed."""
	from crm_mailbox.linking.backfill import emails_for
	from crm_mailbox.linking.backfill import relink as run_relink
	from crm_mailbox.long_work import Progress

	with connected(context) as frappe:
		names = emails_for(account=account, since=since, limit=limit)
		progress = Progress("relink", len(names), echo=progress_line)
		changes = run_relink(names, dry_run=dry_run, progress=progress)
		for change in changes:
			click.echo(
				f"{change.communication}\t{change.link.status}\t{change.link.doctype} {change.link.name}"
				f"\t{change.link.reason}: {change.link.detail}\t{change.subject[:60]}"
			)
		verb = "would change" if dry_run else "changed"
		click.echo(f"{len(names)} emails checked, {len(changes)} links {verb}.")
		if not dry_run:
			# a bench command is its own transaction: nothing commits it for us
			frappe.db.commit()  # nosemgrep


@crm_mailbox.command("demo")
@click.option("--force", is_flag=True, help="Also on a site without allow_tests or developer_mode")
@click.option("--password", help="Let the demo team (anna.demo@ourco.example, ...) log in with this password")
@pass_context
def demo(context, force=False, password=None):
	"""Fill a test site with a demo: a sales team, customers, leads, two mailboxes, rules, a week of mail."""
	from crm_mailbox.demo import DemoRefused, build

	with connected(context):
		try:
			counts = build(force=force, echo=progress_line, password=password)
		except DemoRefused as refused:
			click.secho(str(refused), fg="red")
			raise SystemExit(1) from None
	click.echo(
		"Demo ready: {mailboxes} mailboxes (Demo Sales, Demo Support), {customers} customers, {leads} leads, "
		"{users} team members, {emails} emails ({received_now} new) in {threads} threads "
		"({owned_threads} with an owner), {links} links, {rules} routing rules ({rule_runs} rule runs).".format(
			**counts
		)
	)
	click.echo("Open /app/mailbox-inbox (team: anna.demo@, ben.demo@, carla.demo@ourco.example).")


@crm_mailbox.command("test-connection")
@click.argument("account")
@click.option("--timeout", type=float, default=8.0, show_default=True, help="Seconds per network step")
@pass_context
def test_connection(context, account, timeout=8.0):
	"""Check an Email Account step by step: DNS, port, TLS, login, folder (IMAP), and SMTP."""
	from crm_mailbox.mailboxes.connection import test_account

	with connected(context, account):
		result = test_account(account, timeout=timeout)
	for title, report in (("Incoming (IMAP)", result["incoming"]), ("Outgoing (SMTP)", result["outgoing"])):
		if report is None:
			continue
		click.echo(f"{title}: {'OK' if report['ok'] else 'FAILED'}")
		for step in report["steps"]:
			mark = click.style("pass", fg="green") if step["ok"] else click.style("FAIL", fg="red")
			click.echo(f"  {mark}  {step['name']:<7} {step['seconds']:>7.3f}s  {step['detail']}")
			if step["hint"]:
				click.echo(f"        hint: {step['hint']}")
	for note in result["notes"]:
		click.echo(note)
	raise SystemExit(0 if result["ok"] else 1)


@crm_mailbox.command("preview-rules")
@click.argument("account")
@click.option("--limit", type=int, default=20, show_default=True, help="The last N incoming emails")
@pass_context
def preview_rules(context, account, limit=20):
	"""Dry run: which routing rules would match the mailbox's last N emails, and what they would do."""
	from crm_mailbox.long_work import Progress
	from crm_mailbox.routing.engine import preview

	with connected(context, account) as frappe:
		progress = Progress("preview-rules", limit, echo=progress_line)
		reports = preview(account, limit=limit, progress=progress)
		rule_names = dict(frappe.get_all("Mailbox Routing Rule", fields=["name", "rule_name"], as_list=True))
		frappe.db.rollback()  # a dry run: nothing to keep, even by accident
	matched = 0
	for report in reports:
		click.echo(f"{report.communication}  {report.sender}  {report.subject[:70]}")
		if report.skipped_because:
			click.echo(f"    not run: {report.skipped_because}")
			continue
		if not report.matched:
			click.echo("    no rule matches")
		for result in report.matched:
			matched += 1
			click.echo(f"    rule {result.name} {rule_names.get(result.name, '')}: {result.explanation}")
			for step in (s for s in report.steps if s.rule == result.name):
				reference = step.outcome.reference
				ref = f"  [{reference[0]} {reference[1]}]" if reference and reference[1] else ""
				status = "would" if step.outcome.status == "Done" else step.outcome.status
				click.echo(f"      {status:<7} {step.action}: {step.outcome.note}{ref}")
	click.echo(f"{len(reports)} emails checked, {matched} rule matches. Dry run: nothing was changed.")


@crm_mailbox.command("intake")
@click.option(
	"--max-mailboxes", type=int, default=50, show_default=True, help="Mailboxes this process serves"
)
@click.option(
	"--lease-seconds", type=int, default=90, show_default=True, help="How soon another process takes over"
)
@click.option("--account", "accounts", multiple=True, help="Only this Email Account (repeatable)")
@pass_context
def intake(context, max_mailboxes=50, lease_seconds=90, accounts=()):
	"""Receive mail of the mailboxes our intake owns, on every site given, until SIGTERM (a Procfile or
	supervisor program: see README). Several processes share the mailboxes between them."""
	import frappe
	from frappe.exceptions import SiteNotSpecifiedError

	from crm_mailbox.intake.runner import run_forever

	if not context.sites:
		raise SiteNotSpecifiedError
	frappe.logger("crm_mailbox").info(f"intake: serving {', '.join(context.sites)}")
	run_forever(
		context.sites, max_mailboxes=max_mailboxes, lease_seconds=lease_seconds, accounts=list(accounts)
	)


@crm_mailbox.command("intake-status")
@pass_context
def intake_status(context):
	"""Mailbox health: how each mailbox receives, last success, lag, backlog, today, poison, last error."""
	from crm_mailbox.intake.health import account_health, visible_accounts

	with connected(context):
		rows = [account_health(account) for account in visible_accounts("Administrator")]
	for line in format_health(rows):
		click.echo(line)


def format_health(rows: list[dict]) -> list[str]:
	lines = []
	for row in rows:
		lag = f"{row['lag_seconds']}s" if row["lag_seconds"] is not None else "-"
		last = row["last_success_at"].isoformat(" ", "seconds") if row["last_success_at"] else "-"
		lines.append(f"{row['account']}: {row['mode_label']}")
		if row["owned"]:
			lines.append(
				f"  last success {last}, lag {lag}, backlog {row['backlog']}, taken today {row['taken_today']},"
				f" poison waiting {row['poison_waiting']}"
			)
			if row["holder"]:
				lines.append(f"  held by {row['holder']}")
		if row["last_error"]:
			lines.append(f"  error since {row['error_since']}: {row['last_error']}")
	return lines or ["No Email Account receives mail."]


@crm_mailbox.command("pull")
@click.argument("account")
@click.option(
	"--batch-size", type=int, default=50, show_default=True, help="Messages per batch (one commit each)"
)
@click.option("--deadline", type=float, help="Stop between batches after this many seconds")
@pass_context
def pull(context, account, batch_size=50, deadline=None):
	"""Pull one mailbox now with crm_mailbox's intake, every folder until drained; a line per batch."""
	from crm_mailbox.intake.pull import pull_account

	def progress(folder, report):
		click.echo(
			f"{folder}: batch {len(report.batch_seconds)} in {report.batch_seconds[-1]:.2f}s, so far taken "
			f"{report.taken}, kept as failed {report.failed}, already known {report.duplicates}"
		)

	with connected(context, account):
		result = pull_account(
			account, deadline_seconds=deadline, batch_size=batch_size, mode="command", on_batch=progress
		)
	if not result["pulled"]:
		click.secho(f"{account} is being pulled by {result['held_by']}; try again later.", fg="yellow")
		raise SystemExit(1)
	click.echo(
		f"{account}: taken {result['taken']}, kept as failed {result['failed']}, already known "
		f"{result['duplicates']}."
	)
	for folder, error in result["errors"].items():
		click.secho(f"{folder}: {error}", fg="red")
	raise SystemExit(1 if result["errors"] else 0)


commands = [crm_mailbox]
