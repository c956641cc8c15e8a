"""Which CRM records an email belongs to, and why: pure functions over candidate records.

The Frappe side fetches candidates with a fixed number of indexed queries and hands them here.
Precedence, for each address that decides (the sender of incoming mail, the recipients of outgoing):

1. A Lead with the address wins over Contacts with the same address; only the lead's own
   contacts are linked beside it. A converted Lead leads to its Customer instead.
2. Otherwise the first-created Contact with the address is linked, with the parties it belongs to.
3. A Customer whose own email is the address is linked.
4. Only when nothing matched the exact address: the Customer owning the address's domain
   (the most specific domain; never a free-mail domain).
Then: links of the email being replied to join (thread), and the most recent open Opportunity
of every linked party.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from .addresses import matching_key, parent_domains
from .freemail import company_domain

# Reasons, as stored and shown. Keep in sync with the "reason" options of Mailbox Email Link.
LEAD_ADDRESS = "Lead address"
LEAD_CONTACT = "Lead contact"
CONVERTED_LEAD = "Converted lead"
CONTACT_ADDRESS = "Contact address"
CONTACT_PARTY = "Contact party"
CUSTOMER_ADDRESS = "Customer address"
CUSTOMER_DOMAIN = "Customer domain"
OPEN_OPPORTUNITY = "Open opportunity"
THREAD = "Thread"
MANUAL = "Manual"
REASONS = (
	LEAD_ADDRESS,
	LEAD_CONTACT,
	CONVERTED_LEAD,
	CONTACT_ADDRESS,
	CONTACT_PARTY,
	CUSTOMER_ADDRESS,
	CUSTOMER_DOMAIN,
	OPEN_OPPORTUNITY,
	THREAD,
	MANUAL,
)

# Reasons that say who the deciding address (the sender of incoming mail) is.
SENDER_REASONS = frozenset(
	{
		LEAD_ADDRESS,
		LEAD_CONTACT,
		CONVERTED_LEAD,
		CONTACT_ADDRESS,
		CONTACT_PARTY,
		CUSTOMER_ADDRESS,
		CUSTOMER_DOMAIN,
	}
)

LINKED = "Linked"
SUPERSEDED = "Superseded"
REMOVED = "Removed"

CLOSED_OPPORTUNITY_STATUSES = frozenset({"Lost", "Closed", "Converted"})
PARTY_DOCTYPES = ("Lead", "Customer")
# Reference document preference when exactly one record of a kind is linked.
REFERENCE_PREFERENCE = ("Opportunity", "Lead", "Customer")

Sortable = datetime | str


@dataclass(frozen=True)
class LeadCandidate:
	name: str
	email: str
	creation: Sortable
	status: str = ""
	customer: str = ""  # the Customer this lead was converted to, if any


@dataclass(frozen=True)
class ContactCandidate:
	name: str
	email: str
	creation: Sortable
	links: tuple[tuple[str, str], ...] = ()  # (link_doctype, link_name) of the contact's Dynamic Links


@dataclass(frozen=True)
class CustomerCandidate:
	name: str
	creation: Sortable
	email: str = ""  # set when found by the customer's own email
	domain: str = ""  # set when found by one of the customer's email domains


@dataclass(frozen=True)
class OpportunityCandidate:
	name: str
	party_doctype: str
	party_name: str
	creation: Sortable
	status: str = "Open"
	contact_email: str = ""


@dataclass(frozen=True)
class Link:
	doctype: str
	name: str
	reason: str
	detail: str
	status: str = LINKED

	@property
	def key(self) -> tuple[str, str]:
		return (self.doctype, self.name)


@dataclass
class Resolution:
	links: list[Link] = field(default_factory=list)
	superseded: list[Link] = field(default_factory=list)

	def has(self, doctype: str, name: str) -> bool:
		return any(link.key == (doctype, name) for link in self.links)

	def add(self, link: Link) -> None:
		if not self.has(link.doctype, link.name):
			self.links.append(link)
			self.superseded = [s for s in self.superseded if s.key != link.key]

	def supersede(self, link: Link) -> None:
		if not self.has(link.doctype, link.name) and link.key not in {s.key for s in self.superseded}:
			self.superseded.append(Link(link.doctype, link.name, link.reason, link.detail, SUPERSEDED))

	def parties(self) -> list[tuple[str, str]]:
		return [link.key for link in self.links if link.doctype in PARTY_DOCTYPES]

	def all(self) -> list[Link]:
		return self.links + self.superseded


ONLY_CUSTOMERS, ONLY_LEADS = "Customers", "Leads"


def left_out(parties: str | None) -> str | None:
	"""The party DocType a mailbox linking to Customers only, or to Leads only, never links."""
	return {ONLY_CUSTOMERS: "Lead", ONLY_LEADS: "Customer"}.get(parties or "")


def only_parties(
	parties: str,
	leads: Iterable[LeadCandidate],
	contacts: Iterable[ContactCandidate],
	customers: Iterable[CustomerCandidate],
	thread_links: Iterable[tuple[str, str]],
) -> tuple[list, list, list, list]:
	"""The candidates of a mailbox that links to Customers only or to Leads only; any other value: all.

	A Contact stays, without its links to the party kind left out; under Leads only, a converted
	Lead is linked itself, not its Customer.
	"""
	leads, contacts, customers, thread_links = (
		list(leads),
		list(contacts),
		list(customers),
		list(thread_links),
	)
	dropped = left_out(parties)
	if not dropped:
		return leads, contacts, customers, thread_links
	contacts = [replace(c, links=tuple(link for link in c.links if link[0] != dropped)) for c in contacts]
	thread_links = [link for link in thread_links if link[0] != dropped]
	if dropped == "Lead":
		return [], contacts, customers, thread_links
	return [replace(lead, customer="") for lead in leads], contacts, [], thread_links


def _oldest_first(records: Iterable, key=lambda r: r) -> list:
	return sorted(records, key=lambda r: (str(key(r).creation), key(r).name))


def resolve(
	addresses: Sequence[str],
	leads: Iterable[LeadCandidate] = (),
	contacts: Iterable[ContactCandidate] = (),
	customers: Iterable[CustomerCandidate] = (),
	thread_links: Iterable[tuple[str, str]] = (),
) -> Resolution:
	"""Resolve the parties of an email from the candidates found for its deciding addresses."""
	leads, contacts, customers = list(leads), list(contacts), list(customers)
	result = Resolution()

	for address in addresses:
		key = matching_key(address)
		if not key:
			continue
		exact = _resolve_exact(
			address,
			[lead for lead in leads if matching_key(lead.email) == key],
			[c for c in contacts if matching_key(c.email) == key],
			[c for c in customers if c.email and matching_key(c.email) == key],
			result,
		)
		if not exact:  # no exact match, or only a Contact that belongs to no one
			_resolve_domain(address, [c for c in customers if c.domain], result)

	for doctype, name in thread_links:
		result.add(Link(doctype, name, THREAD, "the email it replies to is linked to it"))
	return result


def _resolve_exact(address, leads, contacts, customers, result: Resolution) -> bool:
	"""Link what has this exact address; True when that names a party (a lead, or a customer).

	A bare Contact (Frappe makes one for every new sender) names nobody: it is linked, and the
	customer's domain still decides the party.
	"""
	matched = bool(leads or customers)
	contacts = _oldest_first(contacts)

	if leads:
		lead = _oldest_first(leads)[0]
		if lead.status == "Converted" and lead.customer:
			party = ("Customer", lead.customer)
			result.add(
				Link(
					*party,
					CONVERTED_LEAD,
					f"{address} belongs to Lead {lead.name}, converted to this customer",
				)
			)
			result.supersede(
				Link(
					"Lead",
					lead.name,
					CONVERTED_LEAD,
					f"converted to Customer {lead.customer}: new mail goes to the customer, "
					"the lead keeps its earlier mail",
				)
			)
		else:
			party = ("Lead", lead.name)
			result.add(Link(*party, LEAD_ADDRESS, f"{address} is the email of this lead"))
		for contact in contacts:
			if party in contact.links or ("Lead", lead.name) in contact.links:
				result.add(Link("Contact", contact.name, LEAD_CONTACT, f"contact of {party[0]} {party[1]}"))
			else:
				_supersede_contact(result, contact, f"Lead {lead.name} has the same address")
	elif contacts:
		first, later = contacts[0], contacts[1:]
		result.add(Link("Contact", first.name, CONTACT_ADDRESS, f"{address} is the email of this contact"))
		for doctype, name in first.links:
			if doctype == "Lead":
				continue  # the lead itself did not match this address; its contact alone does not make it ours
			result.add(Link(doctype, name, CONTACT_PARTY, f"contact {first.name} belongs to it"))
			matched = True
		for contact in later:
			_supersede_contact(result, contact, f"contact {first.name} was created first")

	for customer in _oldest_first(customers):
		result.add(Link("Customer", customer.name, CUSTOMER_ADDRESS, f"{address} is the customer's email"))
	return matched


def _supersede_contact(result: Resolution, contact: ContactCandidate, why: str) -> None:
	"""A contact that lost on precedence takes the parties it alone brought along with it."""
	result.supersede(Link("Contact", contact.name, CONTACT_ADDRESS, why))
	for doctype, name in contact.links:
		result.supersede(
			Link(
				doctype, name, CONTACT_PARTY, f"only linked through contact {contact.name}, which lost: {why}"
			)
		)


def _resolve_domain(address, customers, result: Resolution) -> None:
	domain = company_domain(address)
	if not domain:
		return
	owners = parent_domains(domain)  # most specific first
	ranked = sorted(
		(c for c in customers if c.domain in owners),
		key=lambda c: (owners.index(c.domain), str(c.creation), c.name),
	)
	if not ranked:
		return
	winner = ranked[0]
	result.add(
		Link("Customer", winner.name, CUSTOMER_DOMAIN, f"the customer owns the domain {winner.domain}")
	)
	for other in ranked[1:]:
		if other.name != winner.name:
			result.supersede(
				Link(
					"Customer",
					other.name,
					CUSTOMER_DOMAIN,
					f"Customer {winner.name} owns {winner.domain} more specifically or first",
				)
			)


def pick_opportunities(result: Resolution, opportunities: Iterable[OpportunityCandidate]) -> list[Link]:
	"""The most recent open Opportunity of every linked party (or matched by its contact email)."""
	parties = set(result.parties())
	newest: dict[tuple[str, str], tuple[OpportunityCandidate, int]] = {}
	for opp in opportunities:
		if opp.status in CLOSED_OPPORTUNITY_STATUSES:
			continue
		party = (opp.party_doctype, opp.party_name)
		current = newest.get(party)
		count = (current[1] if current else 0) + 1
		if current is None or (str(opp.creation), opp.name) > (str(current[0].creation), current[0].name):
			newest[party] = (opp, count)
		else:
			newest[party] = (current[0], count)
	links = []
	for party, (opp, count) in newest.items():
		how = (
			f"open opportunity of {party[0]} {party[1]}" if party in parties else "its contact email matches"
		)
		if count > 1:
			how += f" (the most recent of {count} open)"
		links.append(Link("Opportunity", opp.name, OPEN_OPPORTUNITY, how))
	for link in links:
		result.add(link)
	return links


def pick_reference(links: Iterable[Link]) -> tuple[str, str] | None:
	"""The one record the email is unambiguously about, or None."""
	linked = [link for link in links if link.status == LINKED]
	for doctype in REFERENCE_PREFERENCE:
		of_kind = {link.name for link in linked if link.doctype == doctype}
		if len(of_kind) == 1:
			return doctype, of_kind.pop()
		if len(of_kind) > 1:
			return None
	return None
