"""Candidate records for an email's addresses, fetched with a fixed number of indexed queries.

However many leads, contacts and customers a site has, one email costs the same queries:
each is an `IN (...)` over the few spellings of the email's addresses (see
mailflow.addresses.lookup_forms) on an indexed column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe.query_builder import Order

from crm_mailbox.mailflow.addresses import lookup_forms, parent_domains
from crm_mailbox.mailflow.freemail import company_domain
from crm_mailbox.mailflow.precedence import (
	CLOSED_OPPORTUNITY_STATUSES,
	ContactCandidate,
	CustomerCandidate,
	LeadCandidate,
	OpportunityCandidate,
)


@dataclass
class Candidates:
	leads: list[LeadCandidate] = field(default_factory=list)
	contacts: list[ContactCandidate] = field(default_factory=list)
	customers: list[CustomerCandidate] = field(default_factory=list)


def address_forms(addresses: list[str]) -> list[str]:
	forms: list[str] = []
	for address in addresses:
		forms.extend(form for form in lookup_forms(address) if form not in forms)
	return forms


def owner_domains(addresses: list[str]) -> list[str]:
	domains: list[str] = []
	for address in addresses:
		domain = company_domain(address)
		if domain:
			domains.extend(d for d in parent_domains(domain) if d not in domains)
	return domains


def fetch(addresses: list[str]) -> Candidates:
	forms = address_forms(addresses)
	if not forms:
		return Candidates()
	return Candidates(
		leads=_leads(forms),
		contacts=_contacts(forms),
		customers=_customers_by_email(forms) + _customers_by_domain(owner_domains(addresses)),
	)


def _leads(forms: list[str]) -> list[LeadCandidate]:
	lead = frappe.qb.DocType("Lead")
	customer = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(lead)
		.left_join(customer)
		.on(customer.lead_name == lead.name)
		.select(lead.name, lead.email_id, lead.creation, lead.status, customer.name.as_("customer"))
		.where(lead.email_id.isin(forms))
		.run(as_dict=True)
	)
	return [LeadCandidate(r.name, r.email_id, r.creation, r.status or "", r.customer or "") for r in rows]


def _contacts(forms: list[str]) -> list[ContactCandidate]:
	contact_email = frappe.qb.DocType("Contact Email")
	contact = frappe.qb.DocType("Contact")
	dynamic_link = frappe.qb.DocType("Dynamic Link")
	rows = (
		frappe.qb.from_(contact_email)
		.join(contact)
		.on(contact.name == contact_email.parent)
		.left_join(dynamic_link)
		.on((dynamic_link.parent == contact.name) & (dynamic_link.parenttype == "Contact"))
		.select(
			contact.name,
			contact_email.email_id,
			contact.creation,
			dynamic_link.link_doctype,
			dynamic_link.link_name,
		)
		.where(contact_email.email_id.isin(forms))
		.where(contact_email.parenttype == "Contact")
		.orderby(dynamic_link.idx)
		.run(as_dict=True)
	)
	grouped: dict[tuple[str, str], dict] = {}
	for row in rows:
		entry = grouped.setdefault((row.name, row.email_id), {"creation": row.creation, "links": []})
		if row.link_doctype and row.link_name and (row.link_doctype, row.link_name) not in entry["links"]:
			entry["links"].append((row.link_doctype, row.link_name))
	return [
		ContactCandidate(name, email, entry["creation"], tuple(entry["links"]))
		for (name, email), entry in grouped.items()
	]


def _customers_by_email(forms: list[str]) -> list[CustomerCandidate]:
	customer = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(customer)
		.select(customer.name, customer.creation, customer.email_id)
		.where(customer.email_id.isin(forms))
		.where(customer.disabled == 0)
		.run(as_dict=True)
	)
	return [CustomerCandidate(r.name, r.creation, email=r.email_id) for r in rows]


def _customers_by_domain(domains: list[str]) -> list[CustomerCandidate]:
	if not domains:
		return []
	domain_row = frappe.qb.DocType("Customer Email Domain")
	customer = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(domain_row)
		.join(customer)
		.on(customer.name == domain_row.parent)
		.select(customer.name, customer.creation, domain_row.domain)
		.where(domain_row.domain.isin(domains))
		.where(domain_row.parenttype == "Customer")
		.where(customer.disabled == 0)
		.run(as_dict=True)
	)
	return [CustomerCandidate(r.name, r.creation, domain=(r.domain or "").lower()) for r in rows]


def thread_links(message_ids: list[str]) -> list[tuple[str, str]]:
	"""The records linked to the emails with these Message-IDs (the messages this one answers)."""
	if not message_ids:
		return []
	communication = frappe.qb.DocType("Communication")
	link = frappe.qb.DocType("Communication Link")
	rows = (
		frappe.qb.from_(communication)
		.left_join(link)
		.on((link.parent == communication.name) & (link.parenttype == "Communication"))
		.select(
			communication.reference_doctype,
			communication.reference_name,
			link.link_doctype,
			link.link_name,
		)
		.where(communication.message_id.isin(message_ids))
		.run(as_dict=True)
	)
	found: list[tuple[str, str]] = []
	for row in rows:
		for pair in ((row.reference_doctype, row.reference_name), (row.link_doctype, row.link_name)):
			if all(pair) and pair[0] != "Communication" and pair not in found:
				found.append(pair)
	return found


def open_opportunities(parties: list[tuple[str, str]], forms: list[str]) -> list[OpportunityCandidate]:
	"""Open opportunities of the given parties, or whose contact email is one of the addresses."""
	if not parties and not forms:
		return []
	opportunity = frappe.qb.DocType("Opportunity")
	condition = None
	party_names = [name for _doctype, name in parties]
	if party_names:
		condition = opportunity.party_name.isin(party_names)
	if forms:
		by_email = opportunity.contact_email.isin(forms)
		condition = by_email if condition is None else (condition | by_email)
	rows = (
		frappe.qb.from_(opportunity)
		.select(
			opportunity.name,
			opportunity.opportunity_from,
			opportunity.party_name,
			opportunity.creation,
			opportunity.status,
			opportunity.contact_email,
		)
		.where(condition)
		.where(opportunity.status.notin(list(CLOSED_OPPORTUNITY_STATUSES)))
		.where(opportunity.docstatus < 2)
		.orderby(opportunity.creation, order=Order.desc)
		.limit(50)
		.run(as_dict=True)
	)
	wanted = set(parties)
	return [
		OpportunityCandidate(
			r.name, r.opportunity_from, r.party_name, r.creation, r.status, r.contact_email or ""
		)
		for r in rows
		if (r.opportunity_from, r.party_name) in wanted or (r.contact_email or "").lower() in forms
	]
