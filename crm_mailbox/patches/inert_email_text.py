"""Email text stored before it was made inert: subjects and display names that Frappe's sanitiser kept as
HTML (tags kept, "&" escaped, shown as "&amp;" or as markup) read as plain inert text again.

Only values holding a tag opener are touched: Frappe's sanitiser changes nothing else.

Attachment names of received mail get the clean name new attachments get. A name Frappe's sanitiser
closed with "</b>" holds a slash, and Frappe then refuses every later file with the same content
("File name cannot have /"), which stops the pull. Only the name changes: URL and file on disk stay.
"""

import frappe

from crm_mailbox.mailflow.plaintext import from_sanitised_html, safe_file_name

FIELDS = (
	("Communication", "subject", {"sent_or_received": "Received", "communication_medium": "Email"}),
	("Communication", "sender_full_name", {"sent_or_received": "Received", "communication_medium": "Email"}),
	("Mailbox Thread", "subject", {}),
)


def execute():
	for doctype, fieldname, filters in FIELDS:
		rows = frappe.get_all(
			doctype, filters={**filters, fieldname: ("like", "%<%")}, fields=["name", fieldname], limit=0
		)
		for row in rows:
			repaired = from_sanitised_html(row[fieldname])
			if repaired != row[fieldname]:
				# a repair of stored text, not a change anyone made: no Version, no modified
				frappe.db.set_value(doctype, row.name, fieldname, repaired, update_modified=False)

	clean_attachment_names()


def clean_attachment_names():
	file = frappe.qb.DocType("File")
	rows = (
		frappe.qb.from_(file)
		.select(file.name, file.file_name)
		.where(
			(file.attached_to_doctype == "Communication")
			& (
				file.file_name.like("%/%")
				| file.file_name.like("%<%")
				| file.file_name.like("%>%")
				| file.file_name.like('%"%')
				| file.file_name.like("%'%")
			)
		)
		.run(as_dict=True)
	)
	for row in rows:
		clean = safe_file_name(row.file_name)
		if clean != row.file_name:
			frappe.db.set_value("File", row.name, "file_name", clean, update_modified=False)
