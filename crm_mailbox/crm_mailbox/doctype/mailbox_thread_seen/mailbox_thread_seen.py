# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class MailboxThreadSeen(Document):
	"""Bookkeeping, written by crm_mailbox.inbox.seen only: one row per user and thread."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		seen_at: DF.Datetime | None
		thread: DF.Link
		user: DF.Link
	# end: auto-generated types


def on_doctype_update():
	# one row per user and thread: concurrent mark_seen calls upsert the same row
	frappe.db.add_unique("Mailbox Thread Seen", ["user", "thread"], constraint_name="unique_user_thread")
