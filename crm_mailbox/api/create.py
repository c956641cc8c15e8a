"""Whitelisted endpoints: one click from an email to a Lead, Opportunity, Task, Issue, Contact or Project.

Each checks that the user may read the email and may create the record, then makes it through
routing/records.py (redacted text, copied attachments, link back to the email).
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.api.dialog_fields import about_field
from crm_mailbox.routing import records

CREATABLE = ("Lead", "Opportunity", "Task", "Issue", "Contact", "Project")


def readable_email(communication: str):
	"""The email, if the session user may read it; a PermissionError otherwise."""
	if not frappe.db.exists("Communication", communication):
		frappe.throw(_("Email {0} not found").format(frappe.bold(communication)), frappe.DoesNotExistError)
	comm = frappe.get_doc("Communication", communication)
	comm.check_permission("read")
	return comm


def may_create(doctype: str) -> None:
	frappe.has_permission(doctype, "create", throw=True)


def origin(what: str) -> records.Origin:
	return records.Origin(
		records.MANUAL, _("{0} by {1}").format(what, frappe.session.user), frappe.session.user
	)


def result(doc, created: bool = True) -> dict:
	return {"doctype": doc.doctype, "name": doc.name, "created": created, "title": doc.get_title()}


@frappe.whitelist()
def get_create_context(communication: str) -> dict:
	"""What the Create dialogs prefill: sender's Lead, parsed name, party, attachments, defaults."""
	comm = readable_email(communication)
	party = records.party_of(comm.name)
	defaults = records.mailbox_defaults(comm.email_account)
	return {
		"lead": records.sender_lead(comm),
		"lead_values": records.lead_values(comm) if comm.sender else {},
		"party": {"doctype": party[0], "name": party[1]} if party else None,
		"open_opportunity": records.open_opportunity_of(comm.name),
		"opportunity_defaults": defaults,
		"opportunity_missing": [
			f for f in ("opportunity_type", "source", "sales_stage", "company") if not defaults.get(f)
		],
		"title": records.work_title(comm.subject),
		"attachments": records.email_attachments(comm.name),
		"made": {doctype: records.made_from(comm.name, doctype) for doctype in CREATABLE},
	}


@frappe.whitelist(methods=["POST"])
def create_lead(communication: str, values: dict | str | None = None) -> dict:
	"""The sender's Lead: the existing one, or a new one from the display name and signature."""
	comm = readable_email(communication)
	records.refuse_our_own(comm, "Lead")
	existing = records.sender_lead(comm)
	if existing:
		frappe.has_permission("Lead", "read", doc=existing, throw=True)
		return result(frappe.get_doc("Lead", existing), created=False)
	may_create("Lead")
	if not comm.sender:
		frappe.throw(_("The email has no sender address."), title=_("Cannot Make a Lead"))
	lead = records.create_lead(comm, origin(_("Lead made")), frappe.parse_json(values) or {})
	return result(lead)


@frappe.whitelist(methods=["POST"])
def create_opportunity(communication: str, values: dict | str | None = None) -> dict:
	"""An Opportunity for the email's Customer or Lead, with the mailbox's CRM defaults."""
	comm = readable_email(communication)
	may_create("Opportunity")
	values = frappe.parse_json(values) or {}
	party = records.party_of(comm.name)
	if values.get("party_doctype") and values.get("party_name"):
		party = (values.pop("party_doctype"), values.pop("party_name"))
	if not party:
		frappe.throw(
			_("The email is not linked to a Customer or Lead. Make a Lead first, or link the email."),
			title=_("No Party"),
		)
	frappe.has_permission(party[0], "read", doc=party[1], throw=True)
	allowed = ("opportunity_type", "source", "sales_stage", "opportunity_owner", "company", "title")
	opportunity = records.create_opportunity(
		comm, party, origin(_("Opportunity made")), {k: v for k, v in values.items() if k in allowed}
	)
	return result(opportunity)


@frappe.whitelist(methods=["POST"])
def create_task(
	communication: str,
	title: str,
	expected_result: str = "",
	definition_of_done: str = "",
	assignee: str = "",
	deadline: str = "",
	priority: str = "",
	project: str = "",
	attachments: list | str | None = None,
) -> dict:
	"""An ERPNext Task with a brief the assignee can act on, and a ToDo for the assignee."""
	comm = readable_email(communication)
	may_create("Task")
	with about_field("title"):
		title = checked_title(
			title,
			_("Write a title for the task."),
			_("Write what needs doing as the title, not the email's subject {0}."),
			_("Task Title"),
		)
	with about_field("deadline"):
		if not (deadline or priority):
			frappe.throw(_("Give the task a deadline or a priority."), title=_("Task"))
	with about_field("assignee"):
		if assignee and not frappe.db.get_value("User", {"name": assignee, "enabled": 1}):
			frappe.throw(
				_("{0} is not an enabled user.").format(frappe.bold(frappe.utils.escape_html(assignee))),
				title=_("Assignee"),
			)
	with about_field("project"):
		if project and not frappe.db.exists("Project", project):
			frappe.throw(
				_("Project {0} not found.").format(frappe.bold(frappe.utils.escape_html(project))),
				frappe.DoesNotExistError,
				title=_("Project"),
			)
		if project:
			frappe.has_permission("Project", "read", doc=project, throw=True)
	brief = records.TaskBrief(
		title=title,
		expected_result=expected_result,
		definition_of_done=definition_of_done,
		assignee=assignee,
		deadline=deadline,
		priority=priority,
		project=project,
		attachments=_file_names(comm, attachments),
	)
	task = records.create_task(comm, brief, origin(_("Task made")))
	return result(task)


@frappe.whitelist(methods=["POST"])
def create_project(
	communication: str,
	title: str,
	customer: str = "",
	scope: str = "",
	expected_result: str = "",
	start: str = "",
	deadline: str = "",
	priority: str = "",
	project_type: str = "",
	attachments: list | str | None = None,
) -> dict:
	"""A Project (a services team's service order) for the email's Customer, with a brief and its files."""
	comm = readable_email(communication)
	may_create("Project")
	title = checked_title(
		title,
		_("Write a name for the project."),
		_("Name what is to be delivered, not the email's subject {0}."),
		_("Project Name"),
	)
	if customer:
		frappe.has_permission("Customer", "read", doc=customer, throw=True)
	if project_type and not frappe.db.exists("Project Type", project_type):
		frappe.throw(
			_("Project Type {0} does not exist.").format(frappe.bold(frappe.utils.escape_html(project_type)))
		)
	brief = records.ProjectBrief(
		title=title,
		customer=customer,
		scope=scope,
		expected_result=expected_result,
		start=start,
		deadline=deadline,
		priority=priority,
		project_type=project_type,
		attachments=_file_names(comm, attachments),
	)
	project = records.create_project(comm, brief, origin(_("Project made")))
	return result(project)


def checked_title(title: str, when_empty: str, when_subject: str, label: str) -> str:
	"""The title, stripped; refused when empty or when it is only the email's reply subject."""
	title = (title or "").strip()
	if not title:
		frappe.throw(when_empty, title=label)
	if records.is_reply_subject(title):
		frappe.throw(when_subject.format(frappe.bold(frappe.utils.escape_html(title))), title=label)
	return title


def _file_names(comm, attachments) -> list[str]:
	wanted = frappe.parse_json(attachments) if attachments else []
	available = {f.name for f in records.email_attachments(comm.name)}
	return [name for name in wanted or [] if name in available]


@frappe.whitelist(methods=["POST"])
def create_issue(communication: str, title: str = "", priority: str = "") -> dict:
	"""A support Issue raised by the sender, for the email's Customer or Lead."""
	comm = readable_email(communication)
	may_create("Issue")
	issue = records.create_issue(comm, origin(_("Issue made")), title=title, priority=priority)
	return result(issue)


@frappe.whitelist(methods=["POST"])
def create_contact(communication: str, values: dict | str | None = None) -> dict:
	"""A Contact for the sender (name, organisation and phone parsed from the email)."""
	comm = readable_email(communication)
	from frappe.contacts.doctype.contact.contact import get_contact_name

	records.refuse_our_own(comm, "Contact")
	existing = get_contact_name(comm.sender) if comm.sender else None
	if existing:
		frappe.has_permission("Contact", "read", doc=existing, throw=True)
		return result(frappe.get_doc("Contact", existing), created=False)
	may_create("Contact")
	allowed = ("first_name", "last_name", "company_name", "phone", "mobile_no")
	values = {k: v for k, v in (frappe.parse_json(values) or {}).items() if k in allowed}
	contact = records.create_contact(comm, origin(_("Contact made")), values)
	return result(contact)


@frappe.whitelist(methods=["POST"])
def create_for_emails(communications: list | str, doctype: str) -> list[dict]:
	"""List view bulk action: a Lead or an Issue for each email; errors reported per email."""
	if doctype not in ("Lead", "Issue"):
		frappe.throw(_("Only Leads and Issues can be made for several emails at once."))
	makers = {"Lead": create_lead, "Issue": create_issue}
	results = []
	for name in frappe.parse_json(communications) or []:
		frappe.db.savepoint("crm_mailbox_bulk_create")
		try:
			results.append({"communication": name, **makers[doctype](name)})
		except Exception as exc:
			frappe.db.rollback(save_point="crm_mailbox_bulk_create")
			frappe.clear_last_message()
			if not isinstance(exc, frappe.ValidationError):
				frappe.log_error(
					title="crm_mailbox: bulk create failed",
					reference_doctype="Communication",
					reference_name=name,
				)
			results.append({"communication": name, "error": str(exc) or type(exc).__name__})
	return results
