"""Email text stored before it was made inert: subjects and display names that Frappe's sanitiser kept as
HTML (tags kept, "&" escaped, shown as "&amp;" or as markup) read as plain inert text again.

Only values holding a tag opener are touched: Frappe's sanitiser changes nothing else.
"""

import frappe

from crm_mailbox.mailflow.plaintext import from_sanitised_html

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
