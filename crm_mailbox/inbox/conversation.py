"""A thread's conversation for the inbox: its emails and internal notes in order, bodies sanitised.

The caller has checked read permission on the thread; each email is checked again here
(frappe.has_permission), notes and attachments are read only for the emails the user may read.
"""

from __future__ import annotations

import frappe
from frappe.utils import get_datetime

from crm_mailbox.inbox import bodies
from crm_mailbox.threads import ownership as own

MAX_MESSAGES = 200
EMAIL_FIELDS = [
	"name",
	"subject",
	"sender",
	"sender_full_name",
	"recipients",
	"cc",
	"communication_date",
	"sent_or_received",
	"content",
	"reference_doctype",
	"reference_name",
	"email_account",
]


def messages(thread, show_images: bool = False) -> list[dict]:
	"""Emails (incoming and outgoing) and notes of the thread, oldest first."""
	names = frappe.get_list(
		"Communication",
		filters={"crm_thread": thread.name, "communication_type": "Communication"},
		pluck="name",
		order_by="communication_date desc",
		limit_page_length=MAX_MESSAGES,
	)
	if thread.first_communication and thread.first_communication not in names:
		names.append(thread.first_communication)
	readable = [n for n in names if frappe.has_permission("Communication", "read", doc=n)]
	if not readable:
		return []
	emails = frappe.get_all(  # permission checked per email just above
		"Communication", filters={"name": ("in", readable)}, fields=EMAIL_FIELDS
	)
	files = attachments(readable)
	items = [email_item(e, files.get(e.name, []), show_images) for e in emails]
	items += notes(thread.name, readable)
	items.sort(key=lambda item: (get_datetime(item["at"]), item["kind"] == "note"))
	return items


def email_item(email, files: list[dict], show_images: bool) -> dict:
	body = bodies.render(email.content, show_images)
	return {
		"kind": "email",
		"name": email.name,
		"direction": email.sent_or_received,
		"subject": email.subject or "",
		"sender": email.sender or "",
		"sender_name": bodies.snippet(email.sender_full_name, 120) if email.sender_full_name else "",
		"recipients": email.recipients or "",
		"cc": email.cc or "",
		"at": email.communication_date,
		"html": body["html"],
		"quoted_html": body["quoted_html"],
		"has_remote_images": "data-remote-src=" in body["html"] + body["quoted_html"],
		"attachments": files,
	}


def attachments(emails: list[str]) -> dict[str, list[dict]]:
	"""Files attached to these emails that the user may read (File's own and the app's rules)."""
	rows = frappe.get_list(
		"File",
		filters={"attached_to_doctype": "Communication", "attached_to_name": ("in", emails)},
		fields=["name", "file_name", "file_url", "file_size", "is_private", "attached_to_name"],
		order_by="creation asc",
	)
	found: dict[str, list[dict]] = {}
	for row in rows:
		found.setdefault(row.attached_to_name, []).append(
			{
				"name": row.name,
				"file_name": row.file_name or "",
				"file_url": row.file_url or "",
				"file_size": row.file_size,
				"is_image": (row.file_name or "").lower().rsplit(".", 1)[-1] in ("png", "jpg", "jpeg", "gif"),
			}
		)
	return found


def notes(thread: str, emails: list[str]) -> list[dict]:
	"""Internal notes: Comments on the thread and on its emails the user may read."""
	comment = frappe.qb.DocType("Comment")
	rows = (
		frappe.qb.from_(comment)
		.select(
			comment.name,
			comment.content,
			comment.comment_email,
			comment.comment_by,
			comment.creation,
			comment.reference_doctype,
			comment.reference_name,
		)
		.where(comment.comment_type == "Comment")
		.where(
			((comment.reference_doctype == "Communication") & comment.reference_name.isin(emails))
			| ((comment.reference_doctype == own.THREAD) & (comment.reference_name == thread))
		)
		.orderby(comment.creation)
		.limit(MAX_MESSAGES)
		.run(as_dict=True)
	)
	return [
		{
			"kind": "note",
			"name": row.name,
			"sender": row.comment_email or "",
			"sender_name": bodies.snippet(row.comment_by or row.comment_email, 120),
			"at": row.creation,
			# notes are stored as HTML (add_note escapes the text): sanitised all the same
			"html": bodies.sanitise(row.content),
			"on_email": row.reference_name if row.reference_doctype == "Communication" else None,
		}
		for row in rows
	]


def side_panel(thread) -> dict:
	"""The thread's links (with reasons) from its emails, and who may do what on it."""
	emails = frappe.get_list(
		"Communication", filters={"crm_thread": thread.name}, pluck="name", limit_page_length=MAX_MESSAGES
	)
	# the emails came from frappe.get_list: their links are theirs to read (as api.links.get_email_links)
	links = frappe.get_all(
		"Mailbox Email Link",
		filters={"communication": ("in", emails or [""]), "status": "Linked"},
		fields=["communication", "link_doctype", "link_name", "reason", "detail"],
		order_by="creation asc",
	)
	unique: dict[tuple, dict] = {}
	for row in links:
		unique.setdefault((row.link_doctype, row.link_name), dict(row))
	return {"links": list(unique.values())}
