"""Up to when each user has read each thread: one "Mailbox Thread Seen" row per user and thread.

Not Frappe's View Log: that is one row per view (it grows with every click, has no per-user
"up to" time and is only written for DocTypes with track_views). A thread is unread for a user
while it has incoming mail newer than their mark.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

SEEN = "Mailbox Thread Seen"


def mark(thread: str, user: str) -> None:
	"""The user has read the thread up to now (bookkeeping: no Version, no modified of the thread)."""
	table = frappe.qb.DocType(SEEN)
	now = now_datetime()
	# one statement against the unique (user, thread) key: two tabs marking at once cannot duplicate
	(
		frappe.qb.into(table)
		.columns(
			table.name,
			table.user,
			table.thread,
			table.seen_at,
			table.creation,
			table.modified,
			table.owner,
			table.modified_by,
		)
		.insert(frappe.generate_hash(length=10), user, thread, now, now, now, user, user)
		.on_duplicate_key_update(table.seen_at, now)
		.on_duplicate_key_update(table.modified, now)
		.run()
	)
