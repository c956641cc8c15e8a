"""Custom fields, indexes and clean-up of crm_mailbox on core DocTypes.

Created in code (never as a Custom Field fixture) so that migrate is idempotent and uninstall
removes exactly what we added.
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from crm_mailbox.setup.mailbox_fields import communication_thread_fields, email_account_fields

# Lookups that run for every received email, or when earlier mail is relinked (by sender);
# each must be served by an index.
INDEXES = (
	("Communication", ["sender"]),
	("Contact Email", ["email_id"]),
	("Lead", ["email_id"]),
	("Customer", ["email_id"]),
	("Customer", ["lead_name"]),
	("Opportunity", ["party_name"]),
	("Opportunity", ["contact_email"]),
	("Customer Email Domain", ["domain"]),
	# the inbox queue pages each tab newest activity first, by (modified, name)
	("Mailbox Thread", ["work_status", "modified"]),
	("Mailbox Thread", ["thread_owner", "modified"]),
	# the inbox's work counts read only this index (inbox/counts.py, benchmarks/inbox_counts.py)
	("Mailbox Thread", ["work_status", "in_team_list", "email_account", "thread_owner", "due_at"]),
)


def get_custom_fields() -> dict[str, list[dict]]:
	return {
		"Communication": [
			{
				# Right below the message: why the email is linked is the first thing to check.
				"fieldname": "crm_mailbox_section",
				"fieldtype": "Section Break",
				"label": "CRM Mailbox",
				"insert_after": "content",
				"collapsible": 0,
			},
			{
				"fieldname": "crm_links_html",
				"fieldtype": "HTML",
				"label": "Linked Records",
				"insert_after": "crm_mailbox_section",
			},
			{
				"fieldname": "crm_details_section",
				"fieldtype": "Section Break",
				"insert_after": "crm_links_html",
			},
			{
				"fieldname": "crm_is_automated",
				"fieldtype": "Check",
				"label": "Automated Mail",
				"read_only": 1,
				"insert_after": "crm_details_section",
				"description": "Bounce, auto-reply, newsletter or notification: linked when it matches, "
				"never creates a Contact or Lead.",
			},
			{
				"fieldname": "crm_automated_signal",
				"fieldtype": "Data",
				"label": "Automated Because",
				"read_only": 1,
				"depends_on": "crm_is_automated",
				"insert_after": "crm_is_automated",
			},
			{
				"fieldname": "crm_sender_domain",
				"fieldtype": "Data",
				"label": "Sender Domain",
				"read_only": 1,
				"search_index": 1,
				"insert_after": "crm_automated_signal",
			},
			{
				"fieldname": "crm_thread_ids",
				"fieldtype": "Small Text",
				"label": "Replies To (Message IDs)",
				"read_only": 1,
				"hidden": 1,
				"insert_after": "crm_sender_domain",
			},
			{
				"fieldname": "crm_column_break",
				"fieldtype": "Column Break",
				"insert_after": "crm_thread_ids",
			},
			{
				"fieldname": "crm_needs_review",
				"fieldtype": "Check",
				"label": "Needs Review",
				"read_only": 1,
				"in_standard_filter": 1,
				"insert_after": "crm_column_break",
			},
			{
				"fieldname": "crm_review_note",
				"fieldtype": "Small Text",
				"label": "Review Note",
				"read_only": 1,
				"depends_on": "crm_needs_review",
				"insert_after": "crm_needs_review",
			},
			*communication_thread_fields(),
		],
		"Email Account": email_account_fields(),
		"Customer": [
			{
				"fieldname": "crm_email_domains_section",
				"fieldtype": "Section Break",
				"label": "Email Domains",
				"insert_after": "customer_primary_contact",
				"collapsible": 1,
			},
			{
				"fieldname": "crm_email_domains",
				"fieldtype": "Table",
				"label": "Email Domains",
				"options": "Customer Email Domain",
				"insert_after": "crm_email_domains_section",
				"description": "Mail from these domains is linked to this customer when no contact or lead "
				"has the sender's exact address. Free-mail domains such as gmail.com are refused.",
			},
		],
	}


def after_install():
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	add_indexes()


def after_migrate():
	# Idempotent: create_custom_fields updates fields that exist, add_index skips present indexes.
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	add_indexes()
	sync_frappe_pull()


def sync_frappe_pull():
	"""Frappe's scheduled pull stops while our intake owns an account (intake/schedule.py)."""
	from crm_mailbox.intake.schedule import sync_frappe_pull

	sync_frappe_pull()


def add_indexes():
	for doctype, columns in INDEXES:
		if frappe.db.table_exists(doctype):
			frappe.db.add_index(doctype, columns)
	add_unique_link_key()


# One row per email and record: concurrent writers (the receive hook, a relink job, a user linking
# by hand) cannot duplicate a link; they insert with INSERT IGNORE (linking.store).
LINK_KEY = ("Mailbox Email Link", ["communication", "link_doctype", "link_name"], "unique_email_record")


def add_unique_link_key():
	doctype, columns, name = LINK_KEY
	if not frappe.db.table_exists(doctype):
		return
	remove_duplicate_links()
	frappe.db.add_unique(doctype, columns, constraint_name=name)


def remove_duplicate_links():
	"""Keep the first row of each (email, doctype, record); written before the key existed."""
	# a self-join delete, which qb does not express
	frappe.db.sql(  # nosemgrep
		"""delete dup from `tabMailbox Email Link` dup
		join `tabMailbox Email Link` kept
			on kept.communication = dup.communication
			and kept.link_doctype = dup.link_doctype
			and kept.link_name = dup.link_name
			and (kept.creation < dup.creation
				or (kept.creation = dup.creation and kept.name < dup.name))"""
	)


def before_uninstall():
	from crm_mailbox.intake.schedule import restore_frappe_pull

	restore_frappe_pull()
	delete_custom_fields(get_custom_fields())


def delete_custom_fields(custom_fields: dict[str, list[dict]]):
	for doctype, fields in custom_fields.items():
		fieldnames = [field["fieldname"] for field in fields]
		for name in frappe.get_all(
			"Custom Field", filters={"dt": doctype, "fieldname": ("in", fieldnames)}, pluck="name"
		):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)
