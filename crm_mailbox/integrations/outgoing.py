"""Email Queue before_insert: a reply written in the desk leaves with In-Reply-To and References.

Frappe queues a desk reply (email form, inbox page) as a new message: it knows the email answered
(the reply's reference, or its `in_reply_to`) but puts no threading header in the MIME text, so the
customer's mail program shows the answer as a new conversation. The answered email's Message-ID and
the ids it answered (stored on receipt) give both headers. A failure here never stops the email.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.mailflow.reply_headers import add_headers, reply_headers


def before_insert(doc, method=None) -> None:
	if not (doc.communication and doc.message):
		return
	try:
		headers = headers_for(doc.communication)
		if headers:
			doc.message = add_headers(doc.message, headers)
	except Exception:
		frappe.log_error(
			title=_("Reply headers not added"),
			reference_doctype="Communication",
			reference_name=doc.communication,
		)


def headers_for(communication: str) -> dict[str, str]:
	"""In-Reply-To and References for this outgoing email, or {} when it answers no stored email."""
	reply = frappe.db.get_value(
		"Communication",
		communication,
		["sent_or_received", "in_reply_to", "reference_doctype", "reference_name"],
		as_dict=True,
	)
	if not reply or reply.sent_or_received != "Sent":
		return {}
	parent = reply.in_reply_to
	if not parent and reply.reference_doctype == "Communication":
		parent = reply.reference_name
	if not parent:
		return {}
	answered = frappe.db.get_value("Communication", parent, ["message_id", "crm_thread_ids"], as_dict=True)
	if not answered:
		return {}
	return reply_headers(answered.message_id, (answered.crm_thread_ids or "").splitlines())
