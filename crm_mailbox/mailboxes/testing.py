"""Bench-suite helpers for mailboxes with a purpose: users with roles, and a set of mailboxes."""

from __future__ import annotations

import frappe

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import settings
from crm_mailbox.testing import make_user  # noqa: F401 (the tests call it as mt.make_user)

# Inbox User may read Communications; which mailboxes is up to User Email rows and crm_mailbox's rules.
MAIL_ROLES = ("Inbox User",)


class People:
	"""The cast of the mailbox tests."""

	def __init__(self):
		self.proc1 = make_user("crm-mbx-proc1@ourco.example", (*MAIL_ROLES, "Sales User"))
		self.proc2 = make_user("crm-mbx-proc2@ourco.example", (*MAIL_ROLES, "Sales User"))
		self.reader = make_user("crm-mbx-reader@ourco.example")
		self.outsider = make_user("crm-mbx-outsider@ourco.example", (*MAIL_ROLES, "Sales User"))
		self.me = make_user("crm-mbx-me@ourco.example")
		self.sysman = make_user("crm-mbx-sysman@ourco.example", ("System Manager",))
		self.lead_reader = make_user("crm-mbx-leads@ourco.example", (*MAIL_ROLES, "Sales User"))


def team_mailbox(people: People, name: str = "CRM Mailbox Test Team", **fields):
	return t.make_email_account(
		email_id=f"{frappe.scrub(name).replace('_', '-')}@ourco.example",
		name=name,
		**{
			"crm_purpose": "Shared",
			"crm_owner_strategy": "Round robin",
			"crm_reply_deadline_hours": 24,
			"crm_archive_unknown": 1,
			"crm_retention_days": 30,
			"crm_members": [
				{"user": people.proc1, "access": "Process"},
				{"user": people.proc2, "access": "Process"},
				{"user": people.reader, "access": "Read", "warn_when_overdue": 1},
			],
			**fields,
		},
	)


def crm_mailbox(people: People, name: str = "CRM Mailbox Test CRM", **fields):
	return team_mailbox(
		people,
		name=name,
		**{
			"crm_purpose": "CRM",
			"crm_archive_unknown": 0,
			"crm_members": [{"user": people.proc1, "access": "Process"}],
			**fields,
		},
	)


def personal_mailbox(people: People, name: str = "CRM Mailbox Test Personal"):
	return t.make_email_account(
		email_id="crm-mailbox-test-personal@ourco.example",
		name=name,
		crm_purpose="Personal",
		crm_mailbox_owner=people.me,
	)


def plain_mailbox(name: str = "CRM Mailbox Test Plain"):
	return t.make_email_account(email_id="crm-mailbox-test-plain@ourco.example", name=name, crm_purpose="")


def fresh_settings():
	settings.clear_cache()
