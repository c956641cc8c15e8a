# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

from crm_mailbox.inbox import realtime
from crm_mailbox.threads import ownership


class MailboxThread(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assigned_at: DF.Datetime | None
		due_at: DF.Datetime | None
		email_account: DF.Link
		escalate_at: DF.Datetime | None
		first_communication: DF.Link | None
		in_team_list: DF.Check
		is_overdue: DF.Check
		last_incoming_at: DF.Datetime | None
		last_outgoing_at: DF.Datetime | None
		message_count: DF.Int
		overdue_stage: DF.Int
		sender: DF.Data | None
		status_changed_at: DF.Datetime | None
		subject: DF.Data | None
		thread_owner: DF.Link | None
		work_status: DF.Literal["New", "Waiting on us", "Waiting on customer", "Done", "Ignored"]
	# end: auto-generated types

	def validate(self):
		if self.is_new():
			return
		if self.has_value_changed("thread_owner"):
			if self.thread_owner:
				# every channel (REST PUT, desk form, rules, assign) passes here
				ownership.check_owner(self.email_account, self.thread_owner)
			self.assigned_at = now_datetime() if self.thread_owner else None
		if self.has_value_changed("work_status"):
			ownership.before_status_change(self)

	def on_update(self):
		# whoever changes owner or status, and by whichever channel, ToDos and emails follow
		if self.is_new_thread():
			return
		if self.has_value_changed("thread_owner") or self.has_value_changed("work_status"):
			realtime.publish(self.email_account, self.name)
		if self.has_value_changed("thread_owner"):
			ownership.on_owner_change(self)
		if self.has_value_changed("work_status"):
			ownership.on_status_change(self)

	def is_new_thread(self) -> bool:
		return self.get_doc_before_save() is None


def on_doctype_update():
	# the overdue job and the per-mailbox counts
	frappe.db.add_index("Mailbox Thread", ["work_status", "due_at"])
