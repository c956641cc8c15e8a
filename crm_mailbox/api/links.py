"""Whitelisted endpoints about an email's links to CRM records."""

import frappe

from crm_mailbox.linking.store import DOCTYPE


@frappe.whitelist()
def get_email_links(communication: str) -> list[dict]:
	"""The links of an email with the reason for each, for the email's form."""
	frappe.get_doc("Communication", communication).check_permission("read")
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
