"""`bench --site S crm-mailbox demo`: a realistic demo on a test site, so that a newcomer sees the
product working before connecting a real mailbox.

A sales team, customers with contacts, leads, a CRM and a Shared mailbox with routing rules, and a week
of mail fed through the intake's handler (Frappe's own InboundMail with every app's hooks; only the
IMAP read replaced, as in the bench suite). Idempotent: a second run finds everything and makes nothing
new. Only on a site with allow_tests or developer_mode, unless forced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import frappe
from frappe import _

from . import cast, week

MAILBOXES = (cast.SALES, cast.SUPPORT)


class DemoRefused(frappe.ValidationError):
	pass


def is_test_site() -> bool:
	return bool(frappe.conf.get("allow_tests") or frappe.conf.get("developer_mode"))


def build(
	force: bool = False, echo: Callable[[str], None] | None = None, password: str | None = None
) -> dict:
	"""Make the demo (what is missing of it) and commit; return what the site now holds of it.

	With `password`, the demo team can log in with it (to see the product as a member sees it)."""
	echo = echo or (lambda _text: None)
	if not (force or is_test_site()):
		frappe.throw(
			_(
				"The demo adds users, customers, leads and mail: run it on a test site (allow_tests or developer_mode), or pass --force."
			),
			DemoRefused,
			title=_("Demo"),
		)
	echo("people, customers, contacts, leads")
	cast.team(password)
	cast.customers()
	cast.leads()
	echo("mailboxes and routing rules")
	cast.mailboxes()
	cast.rules()
	# Frappe's receive commits each email; its rule and owner jobs must see these records
	frappe.db.commit()  # nosemgrep
	received = feed(echo)
	frappe.db.commit()  # nosemgrep
	return {"received_now": received, **summary()}


def feed(echo: Callable[[str], None]) -> int:
	"""Receive the week's mail that the site does not have yet; return how many were received."""
	from crm_mailbox import testing as t

	today = week.today()
	mails = week.week()
	received = 0
	# The work that follows an email (links, rules, owners) runs now, in this process, as in the bench
	# suite: the command's counts are then final, and no worker needs to be running.
	in_test = frappe.flags.in_test
	frappe.flags.in_test = True
	# Frappe hands the newsletter's HTML to cssutils, which logs modern CSS it cannot parse as errors
	css_log = logging.getLogger("CSSUTILS")
	css_level = css_log.level
	css_log.setLevel(logging.CRITICAL)
	try:
		for done, mail in enumerate(mails, start=1):
			if not frappe.db.exists("Communication", {"message_id": mail.message_id}):
				account = frappe.get_doc("Email Account", mail.mailbox)
				# the intake's handler, as a team mailbox receives: our hooks see the whole message
				# (List-Id, Auto-Submitted, References), which Frappe's own pull does not pass on
				t.receive(account, mail.message(today), through_intake=True)
				received += 1
			echo(f"mail: {done}/{len(mails)}")
	finally:
		frappe.flags.in_test = in_test
		css_log.setLevel(css_level)
	return received


def summary() -> dict:
	"""What the site holds of the demo: records, mailboxes, emails, threads, links, rules and their work."""
	emails = frappe.get_all(
		"Communication",
		filters={"email_account": ("in", MAILBOXES), "communication_medium": "Email"},
		pluck="name",
	)
	return {
		"users": len(cast.TEAM),
		"customers": frappe.db.count("Customer", {"customer_name": ("in", list(cast.CUSTOMERS))}),
		"leads": frappe.db.count("Lead", {"email_id": ("in", list(cast.LEADS))}),
		"mailboxes": frappe.db.count("Email Account", {"name": ("in", MAILBOXES)}),
		"emails": len(emails),
		"threads": frappe.db.count("Mailbox Thread", {"email_account": ("in", MAILBOXES)}),
		"links": frappe.db.count(
			"Mailbox Email Link", {"communication": ("in", emails or [""]), "status": "Linked"}
		),
		"rules": frappe.db.count("Mailbox Routing Rule", {"email_account": ("in", MAILBOXES)}),
		"rule_runs": frappe.db.count("Mailbox Rule Run", {"email_account": ("in", MAILBOXES)}),
		"owned_threads": frappe.db.count(
			"Mailbox Thread", {"email_account": ("in", MAILBOXES), "thread_owner": ("is", "set")}
		),
	}
