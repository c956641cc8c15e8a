"""The purpose, people and deadlines of each Email Account, as plain values cached per request.

Permission hooks run for every list query, so all mailboxes with a purpose are read in two queries
and kept on frappe.local until the request ends or an Email Account is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import frappe
from frappe.utils import get_datetime, getdate

from crm_mailbox.mailflow import deadlines

PERSONAL, SHARED, CRM = "Personal", "Shared", "CRM"
PURPOSES = (PERSONAL, SHARED, CRM)
TEAM_PURPOSES = (SHARED, CRM)
READ, PROCESS = "Read", "Process"
DEFAULT_DEADLINE_HOURS = 24.0
DEFAULT_WORKING_HOURS = "09:00-17:00"

_LOCAL_KEY = "crm_mailbox_settings"


@dataclass
class Mailbox:
	name: str
	purpose: str
	owner: str | None = None
	strategy: str | None = None
	fixed_user: str | None = None
	deadline_hours: float = DEFAULT_DEADLINE_HOURS
	working_hours: str = DEFAULT_WORKING_HOURS
	holiday_list: str | None = None
	archive_unknown: bool = False
	retention_days: int = 0
	link_parties: str = ""  # "Customers", "Leads", or "" / "Customers and Leads" for both
	# member table rows, in their order
	reader_users: list[str] = field(default_factory=list)
	reader_roles: list[str] = field(default_factory=list)
	processor_users: list[str] = field(default_factory=list)
	processor_roles: list[str] = field(default_factory=list)
	warned_users: list[str] = field(default_factory=list)
	warned_roles: list[str] = field(default_factory=list)

	@property
	def is_team(self) -> bool:
		return self.purpose in TEAM_PURPOSES

	def may_read(self, user: str, roles: list[str] | set[str]) -> bool:
		"""Whether this user belongs to the mailbox (System Manager is decided by the caller)."""
		if self.purpose == PERSONAL:
			return user == self.owner
		if user in self.reader_users or user in self.processor_users or user == self.owner:
			return True
		return bool(set(roles) & (set(self.reader_roles) | set(self.processor_roles)))

	def may_process(self, user: str, roles: list[str] | set[str]) -> bool:
		if self.purpose == PERSONAL:
			return user == self.owner
		return user in self.processor_users or bool(set(roles) & set(self.processor_roles))

	def processors(self) -> list[str]:
		"""Enabled users who may own threads: named users in table order, then users of the roles."""
		return enabled_users(self.processor_users + users_with_roles(self.processor_roles))

	def warned(self) -> list[str]:
		return enabled_users(self.warned_users + users_with_roles(self.warned_roles))

	def working_time(self) -> deadlines.WorkingTime:
		holidays = holiday_dates(self.holiday_list) if self.holiday_list else ()
		# Monday to Friday, minus the Holiday List's dates (its weekly offs are among them anyway).
		try:
			start, end = deadlines.parse_hours(self.working_hours)
		except ValueError:
			start, end = deadlines.parse_hours(DEFAULT_WORKING_HOURS)
		return deadlines.office_hours(start, end, deadlines.MONDAY_TO_FRIDAY, holidays)

	def due_after(self, start: datetime, factor: float = 1.0) -> datetime | None:
		"""When a reply is due for an email received at `start`; None without a deadline."""
		if not self.deadline_hours or self.deadline_hours <= 0:
			return None
		try:
			return deadlines.add_working_hours(
				get_datetime(start), self.deadline_hours * factor, self.working_time()
			)
		except deadlines.NoWorkingTime:
			return None


def get_mailbox(email_account: str | None) -> Mailbox | None:
	"""The settings of this Email Account, or None when it has no purpose."""
	if not email_account:
		return None
	return all_mailboxes().get(email_account)


def all_mailboxes() -> dict[str, Mailbox]:
	cached = getattr(frappe.local, _LOCAL_KEY, None)
	if cached is None:
		cached = load_mailboxes()
		setattr(frappe.local, _LOCAL_KEY, cached)
	return cached


def clear_cache():
	"""Forget the settings (and so who may read what) for the rest of this request."""
	if hasattr(frappe.local, _LOCAL_KEY):
		delattr(frappe.local, _LOCAL_KEY)


def load_mailboxes() -> dict[str, Mailbox]:
	if not frappe.get_meta("Email Account").has_field("crm_purpose"):
		return {}  # during install, before our custom fields exist
	account = frappe.qb.DocType("Email Account")
	rows = (
		frappe.qb.from_(account)
		.select(
			account.name,
			account.crm_purpose,
			account.crm_mailbox_owner,
			account.crm_owner_strategy,
			account.crm_fixed_owner,
			account.crm_reply_deadline_hours,
			account.crm_working_hours,
			account.crm_holiday_list,
			account.crm_archive_unknown,
			account.crm_retention_days,
			account.crm_link_parties,
		)
		.where(account.crm_purpose.isin(PURPOSES))
		.run(as_dict=True)
	)
	mailboxes = {
		row.name: Mailbox(
			name=row.name,
			purpose=row.crm_purpose,
			owner=row.crm_mailbox_owner or None,
			strategy=row.crm_owner_strategy or None,
			fixed_user=row.crm_fixed_owner or None,
			deadline_hours=float(row.crm_reply_deadline_hours or 0),
			working_hours=row.crm_working_hours or DEFAULT_WORKING_HOURS,
			holiday_list=row.crm_holiday_list or None,
			archive_unknown=bool(row.crm_archive_unknown),
			retention_days=int(row.crm_retention_days or 0),
			link_parties=row.crm_link_parties or "",
		)
		for row in rows
	}
	if not mailboxes:
		return mailboxes
	member = frappe.qb.DocType("Mailbox Member")
	members = (
		frappe.qb.from_(member)
		.select(member.parent, member.user, member.role, member.access, member.warn_when_overdue)
		.where((member.parenttype == "Email Account") & member.parent.isin(list(mailboxes)))
		.orderby(member.parent)
		.orderby(member.idx)
		.run(as_dict=True)
	)
	for row in members:
		box = mailboxes[row.parent]
		if row.access == PROCESS:
			users, roles = box.processor_users, box.processor_roles
		else:
			users, roles = box.reader_users, box.reader_roles
		if row.user:
			users.append(row.user)
		if row.role:
			roles.append(row.role)
		if row.warn_when_overdue:
			if row.user:
				box.warned_users.append(row.user)
			if row.role:
				box.warned_roles.append(row.role)
	return mailboxes


def users_with_roles(roles: list[str]) -> list[str]:
	if not roles:
		return []
	has_role = frappe.qb.DocType("Has Role")
	rows = (
		frappe.qb.from_(has_role)
		.select(has_role.parent)
		.distinct()
		.where((has_role.parenttype == "User") & has_role.role.isin(roles))
		.orderby(has_role.parent)
		.run(pluck=True)
	)
	return [user for user in rows if user not in ("Administrator", "Guest")]


def enabled_users(users: list[str]) -> list[str]:
	"""These users, in order and each once, that exist and are enabled."""
	ordered = list(dict.fromkeys(u for u in users if u))
	if not ordered:
		return []
	enabled = set(frappe.get_all("User", filters={"name": ("in", ordered), "enabled": 1}, pluck="name"))
	return [u for u in ordered if u in enabled]


def holiday_dates(holiday_list: str) -> list[date]:
	return [
		getdate(d)
		for d in frappe.get_all(
			"Holiday", filters={"parent": holiday_list, "parenttype": "Holiday List"}, pluck="holiday_date"
		)
	]
