"""Whitelisted endpoints about an email's links to CRM records."""

import frappe

from crm_mailbox.linking.store import DOCTYPE
from crm_mailbox.permissions.mailbox import may_list_email

LINK_INLINE = 20  # more emails are linked in the background
RELINK_INLINE = 200


@frappe.whitelist()
def get_email_links(communication: str) -> list[dict]:
	"""The links of an email with the reason for each, for the email's form.

	Only for those who may list the email (permissions/mailbox.py): opening it because its linked
	record is readable does not show why it was linked.
	"""
	frappe.get_doc("Communication", communication).check_permission("read")
	if not may_list_email(communication, frappe.session.user):
		return []
	return frappe.get_all(
		DOCTYPE,
		filters={"communication": communication},
		fields=["name", "link_doctype", "link_name", "status", "reason", "detail", "linked_by", "modified"],
		order_by="creation asc",
	)


@frappe.whitelist()
def suggest_customer_domains(customer: str) -> list[str]:
	"""Email domains shared by all of the customer's contacts, when that domain is not free-mail."""
	from crm_mailbox.linking.domains import suggest_domains

	frappe.get_doc("Customer", customer).check_permission("read")
	return suggest_domains(customer)


def _checked(communication: str, link_doctype: str, link_name: str):
	"""The email and the record, after checking the user may read the email and change the record."""
	from frappe import _

	from crm_mailbox.api.create import readable_email

	comm = readable_email(communication)
	if not (link_doctype and link_name) or not frappe.db.exists(link_doctype, link_name):
		frappe.throw(
			_("{0} {1} not found").format(
				frappe.utils.escape_html(link_doctype), frappe.bold(frappe.utils.escape_html(link_name))
			),
			frappe.DoesNotExistError,
		)
	if frappe.get_meta(link_doctype).istable or link_doctype in ("Communication", DOCTYPE):
		frappe.throw(_("An email cannot be linked to a {0}.").format(link_doctype), title=_("Link"))
	# the email joins the record's timeline and work: that is changing the record
	frappe.has_permission(link_doctype, "write", doc=link_name, throw=True)
	return comm


@frappe.whitelist(methods=["POST"])
def link_email(communication: str, link_doctype: str, link_name: str) -> list[dict]:
	"""Link the email by hand to a record the user may change; the link records who did it."""
	from crm_mailbox.linking import store
	from crm_mailbox.mailflow.precedence import MANUAL, Link

	_checked(communication, link_doctype, link_name)
	link = Link(link_doctype, link_name, MANUAL, f"linked by hand by {frappe.session.user}")
	changed = store.record(communication, [link], linked_by=frappe.session.user, by_hand=True)
	store.sync_timeline(communication, changed)
	return get_email_links(communication)


@frappe.whitelist(methods=["POST"])
def unlink_email(communication: str, link_doctype: str, link_name: str) -> list[dict]:
	"""Remove a link by hand; automatic linking will not bring it back."""
	from crm_mailbox.linking import store
	from crm_mailbox.mailflow.precedence import MANUAL, REMOVED, Link

	_checked(communication, link_doctype, link_name)
	link = Link(link_doctype, link_name, MANUAL, f"removed by hand by {frappe.session.user}", REMOVED)
	changed = store.record(communication, [link], linked_by=frappe.session.user, by_hand=True)
	store.sync_timeline(communication, changed)
	return get_email_links(communication)


@frappe.whitelist(methods=["POST"])
def link_emails(communications: list | str, link_doctype: str, link_name: str) -> dict:
	"""List view and report bulk action: link several emails by hand to one record.

	{"result": {"linked": [...], "refused": [...]}} when done at once; {"job_id": ...} when more than
	LINK_INLINE emails are linked in the background, with progress for the user who asked."""
	from frappe import _

	from crm_mailbox import long_work

	names = list(frappe.parse_json(communications) or [])
	return long_work.run(
		"crm_mailbox.api.links.link_each",
		_("Linking {0} emails").format(len(names)),
		len(names),
		LINK_INLINE,
		communications=names,
		link_doctype=link_doctype,
		link_name=link_name,
	)


def link_each(communications: list[str], link_doctype: str, link_name: str, progress=None) -> dict:
	"""Link each email the session user may link; the rest are reported as refused."""
	linked, refused = [], []
	for name in communications:
		try:
			link_email(name, link_doctype, link_name)
			linked.append(name)
		except (frappe.PermissionError, frappe.DoesNotExistError):
			frappe.clear_last_message()
			refused.append(name)
		if progress:
			progress.advance()
	return {"linked": linked, "refused": refused}


@frappe.whitelist(methods=["POST"])
def relink_emails(email_account: str, since: str | None = None) -> dict:
	"""Link the mailbox's earlier emails again (as `bench crm-mailbox relink --account` does).

	For those who may change the Email Account; in the background when there are many emails."""
	from frappe import _

	from crm_mailbox import long_work
	from crm_mailbox.linking.backfill import emails_for

	frappe.has_permission("Email Account", "write", doc=email_account, throw=True)
	names = emails_for(account=email_account, since=since or None)
	return long_work.run(
		"crm_mailbox.linking.backfill.relink_summary",
		_("Linking the emails of {0} again").format(email_account),
		len(names),
		RELINK_INLINE,
		names=names,
	)
