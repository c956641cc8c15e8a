"""Frappe's "Create Contacts from Incoming Emails", for everyone but us.

Frappe's Communication.set_timeline_links creates a Contact for every address on an email when the
Email Account says so: the mailbox's own address in To and colleagues in Cc among them. Then it
links every participant's Contact to the email. integrations.communication hides the Email Account
for the length of Frappe's validate; here we run Frappe's own get_contacts for the addresses that
are not ours, and drop the links to our own Contacts.

A Contact made for an unknown address at a customer's domain belongs to that customer (a Dynamic
Link is added before insert), so it never outranks the domain match with a bare Contact.
"""

from __future__ import annotations

import frappe
from frappe.core.doctype.communication.communication import add_contact_links_to_communication, get_contacts

from crm_mailbox.mailflow.addresses import Address, matching_key, parse_address_list

from . import candidates
from .resolver import own_addresses

CREATING_FLAG = "crm_creating_contacts"


def participants(doc) -> list[Address]:
	return parse_address_list(doc.sender, doc.recipients, doc.cc, doc.bcc)


def our_keys(addresses: list[Address]) -> set[str]:
	"""Matching keys among these addresses that are ours: a mailbox's, or a colleague's (System User)."""
	keys = {a.key for a in addresses}
	mine = own_addresses() & keys
	emails = [a.address for a in addresses if a.key not in mine]
	if emails:
		users = frappe.get_all(
			"User", filters={"email": ("in", emails), "user_type": "System User"}, pluck="email"
		)
		mine |= {matching_key(u) for u in users}
	return mine


def account_creates_contacts(email_account: str | None) -> bool:
	return bool(email_account and frappe.db.get_value("Email Account", email_account, "create_contact"))


def create_for_strangers(doc) -> None:
	"""Frappe's contact creation for the email's addresses that are not ours; link them as Frappe does."""
	addresses = participants(doc)
	ours = our_keys(addresses)
	# .invalid (RFC 2606) is never a real party: the intake's stand-in for mail that names no sender
	strangers = [a.address for a in addresses if a.key not in ours and not a.address.endswith(".invalid")]
	if not strangers:
		return
	frappe.flags[CREATING_FLAG] = True
	try:
		names = get_contacts(strangers, auto_create_contact=True)
	finally:
		frappe.flags[CREATING_FLAG] = None
	present = {(row.link_doctype, row.link_name) for row in doc.timeline_links}
	for name in names:
		if ("Contact", name) not in present:
			doc.add_link("Contact", name)
			add_contact_links_to_communication(doc, name)
	doc.deduplicate_timeline_links()


def drop_our_contacts(doc) -> None:
	"""Our own and colleagues' Contacts are never an email's participants."""
	addresses = participants(doc)
	ours = our_keys(addresses)
	if not ours:
		return
	linked = {row.link_name for row in doc.timeline_links if row.link_doctype == "Contact"}
	if not linked:
		return
	owner_of: dict[str, set[str]] = {}
	for row in frappe.get_all(
		"Contact Email",
		filters={
			"parenttype": "Contact",
			"parent": ("in", sorted(linked)),
			"email_id": ("in", candidates.address_forms([a.address for a in addresses])),
		},
		fields=["parent", "email_id"],
	):
		owner_of.setdefault(row.parent, set()).add(matching_key(row.email_id))
	for contact, keys in owner_of.items():
		if keys <= ours:  # a Contact that also holds a stranger's address stays
			doc.remove_link("Contact", contact)


def customers_by_domain(addresses: list[str]) -> dict[str, str]:
	"""{address: customer} for addresses whose most specific domain names exactly one customer."""
	result: dict[str, str] = {}
	for address in addresses:
		found = candidates._customers_by_domain(candidates.owner_domains([address]))
		if not found:
			continue
		longest = max(len(c.domain) for c in found)
		names = {c.name for c in found if len(c.domain) == longest}
		if len(names) == 1:
			result[address.lower()] = names.pop()
	return result


def claim_for_customer(contact, method=None) -> None:
	"""Contact before_insert: a Contact Frappe creates for an address at a customer's domain belongs to it."""
	if not frappe.flags.get(CREATING_FLAG) or contact.get("links"):
		return
	parties = customers_by_domain([row.email_id for row in contact.get("email_ids") or [] if row.email_id])
	for customer in parties.values():
		if customer:
			contact.append("links", {"link_doctype": "Customer", "link_name": customer})
			return
