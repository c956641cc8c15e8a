"""doc_events for Lead, Contact and Customer: a new address or domain links earlier emails."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mailbox.linking.backfill import enqueue_relink
from crm_mailbox.mailflow.addresses import ascii_domain
from crm_mailbox.mailflow.freemail import is_free_mail


def _before(doc):
	return doc.get_doc_before_save() if not doc.is_new() else None


def _emails_of_contact(contact) -> set[str]:
	return {(row.email_id or "").strip().lower() for row in (contact.get("email_ids") or []) if row.email_id}


def _domains_of_customer(customer) -> set[str]:
	return {(row.domain or "").strip().lower() for row in (customer.get("crm_email_domains") or [])}


def lead_on_update(doc, method=None):
	before = _before(doc)
	if doc.email_id and (before is None or before.email_id != doc.email_id):
		enqueue_relink([doc.email_id], [])


def contact_on_update(doc, method=None):
	before = _before(doc)
	new_addresses = _emails_of_contact(doc) - (_emails_of_contact(before) if before else set())
	links_changed = before is not None and {(row.link_doctype, row.link_name) for row in before.links} != {
		(row.link_doctype, row.link_name) for row in doc.links
	}
	addresses = _emails_of_contact(doc) if links_changed else new_addresses
	enqueue_relink(sorted(addresses), [])


def customer_validate(doc, method=None):
	"""Normalise the customer's email domains and refuse free-mail ones."""
	seen = set()
	for row in doc.get("crm_email_domains") or []:
		domain = ascii_domain((row.domain or "").strip().lower().lstrip("@").split("@")[-1])
		if "." not in domain or " " in domain:
			frappe.throw(
				_("Row {0}: {1} is not an email domain. Enter it like acme-industries.com.").format(
					row.idx, frappe.bold(row.domain)
				),
				title=_("Invalid Email Domain"),
			)
		if is_free_mail(domain):
			frappe.throw(
				_(
					"Row {0}: {1} is a free-mail domain. Its addresses belong to private people, "
					"so it cannot identify a customer."
				).format(row.idx, frappe.bold(domain)),
				title=_("Free-mail Domain"),
			)
		if domain in seen:
			frappe.throw(
				_("Row {0}: the domain {1} is listed twice.").format(row.idx, frappe.bold(domain)),
				title=_("Duplicate Email Domain"),
			)
		seen.add(domain)
		row.domain = domain


def customer_on_update(doc, method=None):
	before = _before(doc)
	new_domains = _domains_of_customer(doc) - (_domains_of_customer(before) if before else set())
	addresses = []
	if doc.get("email_id") and (before is None or before.get("email_id") != doc.email_id):
		addresses.append(doc.email_id)
	enqueue_relink(addresses, sorted(new_domains))
