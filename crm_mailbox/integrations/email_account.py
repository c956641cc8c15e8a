"""doc_events for Email Account: check the mailbox's purpose, people and deadline settings."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.linking.resolver import forget_own_addresses
from crm_mailbox.mailboxes import inboxes, settings
from crm_mailbox.mailflow import deadlines
from crm_mailbox.mailflow import owner_picking as ownership
from crm_mailbox.threads.ownership import may_own

MIN_POLL_SECONDS = 15


class MailboxSettingsError(frappe.ValidationError):
	"""The mailbox's purpose, members or deadline settings do not fit together."""


def validate(doc, method=None):
	check_poll_interval(doc)
	if not doc.get("crm_purpose"):
		return
	set_archive_default(doc)
	set_intake_default(doc)
	set_share_default(doc)
	check_members(doc)
	check_people(doc)
	check_owner_strategy(doc)
	check_numbers(doc)


def on_update(doc, method=None):
	settings.clear_cache()
	forget_own_addresses()
	if doc.get("crm_purpose"):
		add_to_members_inboxes(doc)


def on_trash(doc, method=None):
	settings.clear_cache()
	forget_own_addresses()


def add_to_members_inboxes(doc):
	"""Every member, named or by role, gets the mailbox in their Email Inbox (see mailboxes.inboxes)."""
	box = settings.get_mailbox(doc.name)
	if box is not None:
		inboxes.add_inboxes(box)


def onload(doc, method=None):
	"""Name the members who cannot read the mailbox yet (the form shows them above the fields)."""
	box = settings.get_mailbox(doc.name) if doc.get("crm_purpose") and not doc.is_new() else None
	if box is not None:
		doc.set_onload("crm_member_problems", inboxes.member_problems(box))


def set_archive_default(doc):
	"""Unknown senders: archived by default in a Shared mailbox, kept out of the list in a CRM one.

	Set when the mailbox is created and when its purpose changes; a later change by hand stays.
	"""
	if doc.is_new() or (
		doc.has_value_changed("crm_purpose") and not doc.has_value_changed("crm_archive_unknown")
	):
		doc.crm_archive_unknown = int(doc.crm_purpose == settings.SHARED)


def set_share_default(doc):
	"""Linked mail: shared on the record's timeline for Shared and CRM mailboxes, not for Personal ones.

	Set when the mailbox is created and when its purpose changes; a later change by hand stays.
	"""
	if doc.is_new() or (
		doc.has_value_changed("crm_purpose") and not doc.has_value_changed("crm_share_linked_mail")
	):
		doc.crm_share_linked_mail = int(doc.crm_purpose in settings.TEAM_PURPOSES)


def set_intake_default(doc):
	"""Shared and CRM mailboxes receive with our intake by default; a Personal one may opt in.

	Set when the mailbox is created (a Personal one may opt in at once) and when its purpose changes;
	a later change by hand stays.
	"""
	if doc.is_new():
		doc.crm_own_intake = int(bool(doc.get("crm_own_intake")) or doc.crm_purpose in settings.TEAM_PURPOSES)
	elif doc.has_value_changed("crm_purpose") and not doc.has_value_changed("crm_own_intake"):
		doc.crm_own_intake = int(doc.crm_purpose in settings.TEAM_PURPOSES)


def check_poll_interval(doc):
	if doc.get("crm_own_intake") and (doc.get("crm_poll_seconds") or 0) < MIN_POLL_SECONDS:
		fail(
			_(
				"Check for new mail every {0} seconds at the least: a shorter interval burdens the server."
			).format(MIN_POLL_SECONDS)
		)


def check_members(doc):
	seen = set()
	for row in doc.get("crm_members") or []:
		if bool(row.user) == bool(row.role):
			fail(_("Members row {0}: choose either a user or a role.").format(row.idx))
		key = row.user or f"role:{row.role}"
		if key in seen:
			fail(
				_("Members row {0}: {1} is listed twice.").format(row.idx, frappe.bold(row.user or row.role))
			)
		seen.add(key)
	if doc.crm_purpose == settings.PERSONAL:
		if not doc.get("crm_mailbox_owner"):
			fail(_("A personal mailbox needs an owner: set Mailbox Owner."))
		return
	processor_rows = [row for row in doc.get("crm_members") or [] if row.access == settings.PROCESS]
	if not processor_rows:
		fail(
			_("A {0} mailbox needs at least one processor: add a member with access Process.").format(
				_(doc.crm_purpose)
			)
		)
	users = [row.user for row in processor_rows if row.user]
	roles = [row.role for row in processor_rows if row.role]
	if not settings.enabled_users(users + settings.users_with_roles(roles)):
		fail(_("No processor of this mailbox is an enabled user: add an enabled user with access Process."))


def check_people(doc):
	"""Every named user exists and is enabled."""
	named = [
		(_("Mailbox Owner"), doc.get("crm_mailbox_owner")),
		(_("Fixed Thread Owner"), doc.get("crm_fixed_owner")),
		(_("Opportunity Owner"), doc.get("crm_opportunity_owner")),
	] + [(_("Members row {0}").format(row.idx), row.user) for row in doc.get("crm_members") or []]
	for label, user in named:
		if not user:
			continue
		enabled = frappe.db.get_value("User", user, "enabled")
		if enabled is None:
			fail(_("{0}: user {1} does not exist.").format(label, frappe.bold(user)))
		if not enabled:
			fail(_("{0}: user {1} is disabled.").format(label, frappe.bold(user)))


def check_owner_strategy(doc):
	if doc.crm_purpose not in settings.TEAM_PURPOSES:
		return
	strategy = doc.get("crm_owner_strategy") or ownership.ROUND_ROBIN
	if strategy == ownership.FIXED_USER and not doc.get("crm_fixed_owner"):
		fail(_("Thread owner strategy {0} needs a Fixed Thread Owner.").format(frappe.bold(_(strategy))))
	if strategy == ownership.MAILBOX_OWNER and not doc.get("crm_mailbox_owner"):
		fail(_("Thread owner strategy {0} needs a Mailbox Owner.").format(frappe.bold(_(strategy))))
	fixed = doc.get("crm_fixed_owner")
	if fixed and not may_own(unsaved_mailbox(doc), fixed):
		# the fixed owner gets a ToDo with each thread's subject: they must be able to open it
		fail(
			_(
				"Fixed Thread Owner {0} is not a processor of this mailbox: add them as a member with access Process."
			).format(frappe.bold(fixed))
		)


def unsaved_mailbox(doc) -> settings.Mailbox:
	"""The mailbox's people as this form holds them (the cached settings are the saved ones)."""
	rows = [row for row in doc.get("crm_members") or [] if row.access == settings.PROCESS]
	return settings.Mailbox(
		name=doc.name,
		purpose=doc.crm_purpose,
		owner=doc.get("crm_mailbox_owner") or None,
		processor_users=[row.user for row in rows if row.user],
		processor_roles=[row.role for row in rows if row.role],
	)


def check_numbers(doc):
	if (doc.get("crm_reply_deadline_hours") or 0) < 0:
		fail(_("The reply deadline cannot be negative; use 0 for no deadline."))
	if (doc.get("crm_retention_days") or 0) < 0:
		fail(_("Retention days cannot be negative; use 0 to keep processed mail in the team list."))
	if doc.get("crm_working_hours"):
		try:
			deadlines.parse_hours(doc.crm_working_hours)
		except ValueError:
			fail(
				_("Working hours {0}: write them as 09:00-17:00, ending after they start.").format(
					frappe.bold(doc.crm_working_hours)
				)
			)


def fail(message: str):
	frappe.throw(message, MailboxSettingsError, title=_("Mailbox Settings"))
