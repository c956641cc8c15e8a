"""Suggest a customer's email domains from its contacts' addresses."""

import frappe

from crm_mailbox.mailflow.freemail import company_domain


def suggest_domains(customer: str) -> list[str]:
	"""The one non-free-mail domain all the customer's contacts share; [] when they disagree."""
	contact_email = frappe.qb.DocType("Contact Email")
	dynamic_link = frappe.qb.DocType("Dynamic Link")
	addresses = (
		frappe.qb.from_(contact_email)
		.join(dynamic_link)
		.on((dynamic_link.parent == contact_email.parent) & (dynamic_link.parenttype == "Contact"))
		.select(contact_email.email_id)
		.where(dynamic_link.link_doctype == "Customer")
		.where(dynamic_link.link_name == customer)
		.where(contact_email.parenttype == "Contact")
		.run(pluck=True)
	)
	domains = {company_domain(address) for address in addresses if address}
	if len(domains) != 1 or "" in domains:
		return []
	known = set(frappe.get_all("Customer Email Domain", filters={"parent": customer}, pluck="domain"))
	return sorted(domains - known)
