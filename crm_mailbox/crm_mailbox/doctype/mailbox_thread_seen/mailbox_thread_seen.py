# Copyright (c) 2026, crm_mailbox developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class MailboxThreadSeen(Document):
	"""Bookkeeping, written by crm_mailbox.inbox.seen only: one row per user and thread."""

	pass


def on_doctype_update():
	# one row per user and thread: concurrent mark_seen calls upsert the same row
	frappe.db.add_unique("Mailbox Thread Seen", ["user", "thread"], constraint_name="unique_user_thread")
