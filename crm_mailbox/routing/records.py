"""Records made from an email: Lead, Opportunity, Task, Issue, Contact, Project.

Shared by the routing rules (routing/actions.py) and the one-click actions (api/create.py), so
that both make the same record the same way. Every record made here

- gets its title and description through redaction (the email itself is never changed),
- gets copies of the chosen attachments of the email (new File rows, same privacy),
- is linked to the email (a Mailbox Email Link row with a reason, and the email's timeline),
- carries a comment pointing back to the email.

Permission checks are the caller's: the APIs check the user's permissions before calling,
rules run as the system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import escape_html, get_url_to_form, getdate

from crm_mailbox.linking import store
from crm_mailbox.mailflow.addresses import parse_address_list
from crm_mailbox.mailflow.plaintext import inert, plain_text, safe_file_name
from crm_mailbox.mailflow.precedence import LINKED, SENDER_REASONS, Link
from crm_mailbox.mailflow.redaction import redact, redact_subject

RULE = "Rule"
MANUAL = "Manual"
PARTY_DOCTYPES = ("Customer", "Lead")
OPEN_OPPORTUNITY_EXCLUDED = ("Lost", "Closed", "Converted")
EXCERPT_LIMIT = 2000

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|fw|fwd|wg|tr|rv|enc)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


@dataclass
class Origin:
	"""Who made a record from the email and why: stored as the link's reason and detail."""

	reason: str  # RULE or MANUAL
	detail: str
	user: str


# ---------------------------------------------------------------------------------------------
# Text: titles and descriptions never carry a secret
# ---------------------------------------------------------------------------------------------


def clean(text: str | None) -> str:
	"""Email text for a record: redacted, and inert (no tag openers, never entity-escaped)."""
	return inert(redact(text or "").text)


def work_title(subject: str | None, prefix: str = "", fallback: str = "") -> str:
	"""A title for work made from an email: without Re:/Fwd: prefixes, redacted, never empty."""
	title = _REPLY_PREFIX.sub("", subject or "").strip()
	title = redact_subject(title).text
	if prefix:
		title = f"{prefix.strip()}: {title}" if title else prefix.strip()
	return plain_text(title or fallback or _("Email without subject"), max_length=140)


def is_reply_subject(text: str | None) -> bool:
	"""'Re: ...', 'Fwd: ...': an email subject, not a title that says what needs doing."""
	return bool(_REPLY_PREFIX.match(text or ""))


def email_text(comm) -> str:
	"""The email's plain text (Frappe stores it for received mail; otherwise derived from HTML)."""
	if comm.get("text_content"):
		return comm.text_content
	from frappe.core.utils import html2text

	return html2text(comm.content or "")


def excerpt(comm, limit: int = EXCERPT_LIMIT) -> str:
	text = clean(email_text(comm)).strip()
	return text if len(text) <= limit else text[: limit - 1] + "…"


def email_reference_html(comm) -> str:
	"""'From the email <subject> of <sender>, <date>' with a link to the email, redacted."""
	return _("From the email {0} of {1}, {2}").format(
		f'<a href="{get_url_to_form("Communication", comm.name)}">'
		f"{escape_html(redact_subject(comm.subject or comm.name).text)}</a>",
		escape_html(comm.sender or ""),
		frappe.utils.format_datetime(comm.communication_date) if comm.communication_date else "",
	)


def quoted_excerpt(comm) -> str:
	return "<blockquote>{}</blockquote>".format(escape_html(excerpt(comm)).replace("\n", "<br>"))


# ---------------------------------------------------------------------------------------------
# What the email is already linked to
# ---------------------------------------------------------------------------------------------


def linked(comm_name: str, doctype: str | None = None) -> list[Link]:
	return [
		link
		for link in store.stored_links(comm_name)
		if link.status == LINKED and (doctype is None or link.doctype == doctype)
	]


def sender_links(comm_name: str) -> list[Link]:
	"""Links that say who wrote the email (not Frappe's links to the other participants' contacts)."""
	return [link for link in linked(comm_name) if link.reason in SENDER_REASONS]


def linked_with_reason(comm_name: str, reason: str) -> list[Link]:
	return [link for link in linked(comm_name) if link.reason == reason]


def party_of(comm_name: str) -> tuple[str, str] | None:
	"""The Customer the email is linked to, else its Lead: the party of an Opportunity or Issue."""
	for doctype in PARTY_DOCTYPES:
		found = store.decided(linked(comm_name, doctype))
		if found:
			return found[0].key
	return None


def sender_lead(comm) -> str | None:
	"""The sender's Lead: the one the email is linked to, or one with the sender's address."""
	found = [link for link in sender_links(comm.name) if link.doctype == "Lead"]
	if found:
		return found[0].name
	if not comm.sender:
		return None
	return frappe.db.get_value("Lead", {"email_id": comm.sender}, "name", order_by="creation asc")


def open_opportunity_of(comm_name: str) -> str | None:
	for link in linked(comm_name, "Opportunity"):
		if frappe.db.get_value("Opportunity", link.name, "status") not in OPEN_OPPORTUNITY_EXCLUDED:
			return link.name
	return None


def made_from(comm_name: str, doctype: str) -> list[str]:
	"""Records of this type made from the email (by a rule or by hand), oldest first."""
	return [
		link.name
		for link in store.stored_links(comm_name)
		if link.doctype == doctype and link.reason in (RULE, MANUAL) and link.detail.startswith("Made from")
	]


# ---------------------------------------------------------------------------------------------
# Mailbox CRM defaults
# ---------------------------------------------------------------------------------------------

# Email Account custom field -> Opportunity field. Fields that do not exist are ignored.
MAILBOX_DEFAULTS = {
	"crm_opportunity_type": "opportunity_type",
	"crm_opportunity_source": "source",
	"crm_sales_stage": "sales_stage",
	"crm_opportunity_owner": "opportunity_owner",
	"crm_company": "company",
}


def mailbox_defaults(email_account: str | None) -> dict:
	"""The mailbox's CRM defaults as Opportunity values, then ERPNext's own defaults."""
	values = {}
	if email_account:
		meta = frappe.get_meta("Email Account")
		present = [f for f in MAILBOX_DEFAULTS if meta.has_field(f)]
		if present:
			row = frappe.db.get_value("Email Account", email_account, present, as_dict=True) or {}
			values = {MAILBOX_DEFAULTS[f]: row.get(f) for f in present if row.get(f)}
	values.setdefault(
		"company",
		frappe.defaults.get_user_default("Company") or frappe.defaults.get_global_default("company"),
	)
	if not values.get("opportunity_type") and frappe.db.exists("Opportunity Type", "Sales"):
		values["opportunity_type"] = "Sales"
	return {k: v for k, v in values.items() if v}


# ---------------------------------------------------------------------------------------------
# Making records
# ---------------------------------------------------------------------------------------------


def lead_values(comm) -> dict:
	"""Lead fields from the sender: name, organisation and phone from display name and signature."""
	from crm_mailbox.mailflow import people
	from crm_mailbox.mailflow.freemail import is_free_mail

	values = people.lead_from_email(
		comm.sender_full_name or "", comm.sender or "", email_text(comm), is_free_mail=is_free_mail
	)
	values = {k: v for k, v in dict(values).items() if v}
	values["email_id"] = comm.sender
	return values


class OurOwnAddressError(frappe.ValidationError):
	"""A Lead or Contact was asked for one of our own addresses."""


def sender_is_ours(comm) -> bool:
	"""The sender is one of our mailboxes or a colleague (a System User)."""
	from crm_mailbox.linking.contacts import our_keys

	return bool(our_keys(parse_address_list(comm.sender)))


def refuse_our_own(comm, doctype: str) -> None:
	if sender_is_ours(comm):
		frappe.throw(
			_("{0} is one of our own addresses (a mailbox or a colleague): it gets no {1}.").format(
				frappe.bold(comm.sender), _(doctype)
			),
			OurOwnAddressError,
			title=_("Our Own Address"),
		)


def create_lead(comm, origin: Origin, values: dict | None = None, ignore_permissions: bool = False):
	refuse_our_own(comm, "Lead")
	fields = {**lead_values(comm), **{k: v for k, v in (values or {}).items() if v}}
	lead = frappe.get_doc({"doctype": "Lead", **_lead_fields(fields)})
	lead.insert(ignore_permissions=ignore_permissions)
	finish(comm, lead, origin)
	return lead


def _lead_fields(values: dict) -> dict:
	meta = frappe.get_meta("Lead")
	return {
		k: clean(v) if isinstance(v, str) and k != "email_id" else v
		for k, v in values.items()
		if meta.has_field(k)
	}


def create_opportunity(
	comm, party: tuple[str, str], origin: Origin, values: dict | None = None, ignore_permissions: bool = False
):
	doctype, name = party
	fields = {
		**mailbox_defaults(comm.email_account),
		**{k: v for k, v in (values or {}).items() if v},
	}
	title = fields.pop("title", None)
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": doctype,
			"party_name": name,
			"contact_email": comm.sender if doctype == "Lead" or _is_contact_of(comm.sender, party) else None,
			"transaction_date": frappe.utils.today(),
			**fields,
		}
	)
	if title:
		opportunity.title = clean(title)[:140]
	opportunity.insert(ignore_permissions=ignore_permissions)
	finish(comm, opportunity, origin)
	return opportunity


def _is_contact_of(address: str | None, party: tuple[str, str]) -> bool:
	if not address:
		return False
	from frappe.contacts.doctype.contact.contact import get_contact_name

	contact = get_contact_name(address)
	if not contact:
		return False
	return bool(
		frappe.db.exists(
			"Dynamic Link",
			{"parenttype": "Contact", "parent": contact, "link_doctype": party[0], "link_name": party[1]},
		)
	)


@dataclass
class TaskBrief:
	"""What the assignee needs to do the work without opening the thread."""

	title: str
	expected_result: str = ""
	definition_of_done: str = ""
	assignee: str = ""
	deadline: str = ""
	priority: str = ""
	project: str = ""
	attachments: list[str] | None = None  # File names of the email's attachments; None: all


def task_description(comm, brief: TaskBrief) -> str:
	parts = []
	if brief.expected_result:
		parts.append(_section(_("Expected result"), brief.expected_result))
	if brief.definition_of_done:
		parts.append(_section(_("Definition of done"), brief.definition_of_done))
	party = party_of(comm.name)
	context = email_reference_html(comm)
	if party:
		context += " · " + _("CRM record: {0}").format(
			f'<a href="{get_url_to_form(*party)}">{escape_html(_(party[0]))} {escape_html(party[1])}</a>'
		)
	parts.append(f"<p>{context}</p>")
	parts.append(quoted_excerpt(comm))
	return "\n".join(parts)


def _section(label: str, text: str) -> str:
	body = escape_html(clean(text)).replace("\n", "<br>")
	return f"<p><strong>{escape_html(label)}</strong><br>{body}</p>"


def create_task(comm, brief: TaskBrief, origin: Origin, ignore_permissions: bool = False):
	task = frappe.get_doc(
		{
			"doctype": "Task",
			"subject": clean(brief.title)[:140] or work_title(comm.subject),
			"description": task_description(comm, brief),
			"priority": brief.priority or "Medium",
			"exp_end_date": getdate(brief.deadline) if brief.deadline else None,
			"project": brief.project or None,
			"company": mailbox_defaults(comm.email_account).get("company"),
		}
	)
	task.insert(ignore_permissions=ignore_permissions)
	finish(comm, task, origin, attachments=brief.attachments)
	if brief.assignee:
		assign(task, brief.assignee, clean(brief.title), brief.deadline, brief.priority)
	return task


def assign(doc, user: str, description: str, date: str = "", priority: str = "") -> None:
	"""A ToDo for the user on the record (Frappe's assign_to, which also shares it if needed)."""
	from frappe.desk.form.assign_to import add

	args = {"assign_to": [user], "doctype": doc.doctype, "name": doc.name, "description": description}
	if date:
		args["date"] = str(getdate(date))
	if priority in ("Low", "Medium", "High"):
		args["priority"] = priority
	elif priority == "Urgent":
		args["priority"] = "High"
	add(args, ignore_permissions=True)


def create_issue(
	comm, origin: Origin, title: str = "", priority: str = "", assignee: str = "", ignore_permissions=False
):
	party = party_of(comm.name)
	issue = frappe.get_doc(
		{
			"doctype": "Issue",
			"subject": clean(title)[:140] if title else work_title(comm.subject),
			"raised_by": comm.sender,
			"description": f"<p>{email_reference_html(comm)}</p>{quoted_excerpt(comm)}",
			"customer": party[1] if party and party[0] == "Customer" else None,
			"lead": party[1] if party and party[0] == "Lead" else None,
			"priority": priority if priority and frappe.db.exists("Issue Priority", priority) else None,
			"company": mailbox_defaults(comm.email_account).get("company"),
		}
	)
	issue.flags.crm_from_email = comm.name
	issue.insert(ignore_permissions=ignore_permissions)
	finish(comm, issue, origin)
	if assignee:
		assign(issue, assignee, issue.subject, priority=priority)
	return issue


def create_contact(comm, origin: Origin, values: dict | None = None, ignore_permissions: bool = False):
	"""A Contact for the sender, linked to the email's party when there is one."""
	refuse_our_own(comm, "Contact")
	fields = {k: v for k, v in lead_values(comm).items() if v}
	fields.update({k: v for k, v in (values or {}).items() if v})
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": clean(fields.get("first_name") or fields.get("lead_name") or comm.sender)[:140],
			"last_name": clean(fields.get("last_name") or "")[:140] or None,
			"company_name": clean(fields.get("company_name") or "")[:140] or None,
		}
	)
	contact.add_email(comm.sender, is_primary=True)
	phone = fields.get("mobile_no") or fields.get("phone")
	if phone:
		contact.add_phone(phone, is_primary_phone=True)
	party = party_of(comm.name)
	if party:
		contact.append("links", {"link_doctype": party[0], "link_name": party[1]})
	contact.insert(ignore_permissions=ignore_permissions)
	finish(comm, contact, origin, attachments=[])
	return contact


@dataclass
class ProjectBrief:
	"""A service order: what is to be delivered, for whom and by when."""

	title: str
	customer: str = ""
	scope: str = ""
	expected_result: str = ""
	start: str = ""
	deadline: str = ""
	priority: str = ""
	project_type: str = ""
	attachments: list[str] | None = None  # File names of the email's attachments; None: all


def project_notes(comm, brief: ProjectBrief) -> str:
	parts = []
	if brief.scope:
		parts.append(_section(_("Scope"), brief.scope))
	if brief.expected_result:
		parts.append(_section(_("Expected result"), brief.expected_result))
	parts.append(f"<p>{email_reference_html(comm)}</p>")
	parts.append(quoted_excerpt(comm))
	return "\n".join(parts)


def create_project(comm, brief: ProjectBrief, origin: Origin, ignore_permissions: bool = False):
	project = frappe.get_doc(
		{
			"doctype": "Project",
			"project_name": clean(brief.title)[:140] or work_title(comm.subject),
			"customer": brief.customer or None,
			"notes": project_notes(comm, brief),
			"priority": brief.priority or "Medium",
			"expected_start_date": getdate(brief.start) if brief.start else None,
			"expected_end_date": getdate(brief.deadline) if brief.deadline else None,
			"project_type": brief.project_type or None,
			"company": mailbox_defaults(comm.email_account).get("company"),
		}
	)
	project.insert(ignore_permissions=ignore_permissions)
	finish(comm, project, origin, attachments=brief.attachments)
	return project


# ---------------------------------------------------------------------------------------------
# After making a record: attachments, links, comment
# ---------------------------------------------------------------------------------------------


def finish(comm, doc, origin: Origin, attachments: list[str] | None = None) -> None:
	copy_attachments(comm.name, doc.doctype, doc.name, attachments)
	link_back(comm, doc, origin)


def email_attachments(comm_name: str) -> list[dict]:
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Communication", "attached_to_name": comm_name, "is_folder": 0},
		fields=["name", "file_name", "file_url", "is_private", "file_size"],
		order_by="creation asc",
	)


def copy_attachments(comm_name: str, doctype: str, name: str, only: list[str] | None = None) -> list[str]:
	"""Attach the email's files (all, or the File names in `only`) to the record; same privacy.

	Each copy gets a name Frappe accepts (a sender may call a file "Q3/report.pdf"); a file that
	still cannot be copied is logged and left out: it never fails the action that made the record.
	"""
	copies = []
	for f in email_attachments(comm_name):
		if only is not None and f.name not in only:
			continue
		clean_file_name(f)
		if frappe.db.exists(
			"File", {"attached_to_doctype": doctype, "attached_to_name": name, "file_url": f.file_url}
		):
			continue
		frappe.db.savepoint("crm_mailbox_copy_file")
		try:
			copy = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f.file_name,
					"file_url": f.file_url,
					"is_private": f.is_private,
					"attached_to_doctype": doctype,
					"attached_to_name": name,
				}
			)
			copy.insert(ignore_permissions=True)
		except Exception:
			frappe.db.rollback(save_point="crm_mailbox_copy_file")
			frappe.log_error(
				title="crm_mailbox: copying an email's attachment failed",
				reference_doctype="File",
				reference_name=f.name,
			)
			continue
		copies.append(copy.name)
	return copies


def clean_file_name(f) -> None:
	"""Give the email's own File a name Frappe accepts.

	A copy shares the file's content, and Frappe's File.save_file finds the original by content hash
	and checks *its* name: "File name cannot have /" fails the copy (and any later email carrying
	the same file) until the original is renamed.
	"""
	cleaned = safe_file_name(f.file_name)
	if cleaned != f.file_name:
		frappe.db.set_value("File", f.name, "file_name", cleaned, update_modified=False)
		frappe.clear_document_cache("File", f.name)
		f.file_name = cleaned


def link_back(comm, doc, origin: Origin) -> None:
	"""Link the email to the record (with the origin as reason) and leave a comment on the record."""
	link = Link(doc.doctype, doc.name, origin.reason, f"Made from this email: {origin.detail}"[:1000])
	if link.key in {existing.key for existing in store.stored_links(comm.name)}:
		# linked already by the record's own hooks (a new Lead relinks its address): say why it exists
		store.set_status(comm.name, link, origin.user)
	else:
		store.record(comm.name, [link], linked_by=origin.user, by_hand=origin.reason == MANUAL)
	store.sync_timeline(comm.name, [link])
	doc.add_comment(
		"Info",
		_("Made from an email ({0}). {1}").format(
			escape_html(clean(origin.detail)), email_reference_html(comm)
		),
	)


def link_email(comm_name: str, doctype: str, name: str, origin: Origin) -> list[Link]:
	"""Link the email to an existing record; return what changed."""
	link = Link(doctype, name, origin.reason, origin.detail[:1000])
	changed = store.record(comm_name, [link], linked_by=origin.user, by_hand=origin.reason == MANUAL)
	store.sync_timeline(comm_name, changed)
	return changed
