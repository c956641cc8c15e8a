"""A Personal mailbox sends only for its owner.

Frappe sends a new email through the outgoing Email Account that has the sender's address
(EmailAccount.find_outgoing) and never asks whose address it is: any desk user could pass a
colleague's connected address to Frappe's composer endpoint and write to customers as them, with
their password. Communication before_insert refuses that; Administrator (Frappe's own jobs, such as
auto-replies in the receive path) and the mailbox's owner pass.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import parse_addr

from crm_mailbox.mailboxes.settings import PERSONAL


def check_sender(doc, method=None) -> None:
	"""Communication before_insert: an email sent from a Personal mailbox is its owner's."""
	if doc.communication_medium != "Email" or doc.sent_or_received != "Sent" or not doc.sender:
		return
	user = frappe.session.user
	if user == "Administrator":
		return
	address = (parse_addr(doc.sender)[1] or "").strip()
	if not address:
		return
	owner = frappe.db.get_value(
		"Email Account", {"email_id": address, "crm_purpose": PERSONAL}, "crm_mailbox_owner"
	)
	if owner and owner != user:
		frappe.throw(
			_("{0} is another user's own mailbox: send from your own address.").format(
				frappe.bold(frappe.utils.escape_html(address))
			),
			frappe.PermissionError,
			title=_("Not Your Mailbox"),
		)
