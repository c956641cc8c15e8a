"""A mailbox that links to Customers only, or to Leads only (the connect dialog's choice)."""

from crm_mailbox.mailflow.precedence import (
	ONLY_CUSTOMERS,
	ONLY_LEADS,
	ContactCandidate,
	CustomerCandidate,
	LeadCandidate,
	only_parties,
	resolve,
)

LEAD = LeadCandidate("LEAD-1", "jane@acme.com", "2026-01-02")
CONVERTED = LeadCandidate("LEAD-2", "joe@acme.com", "2026-01-02", "Converted", "Acme Inc")
CONTACT = ContactCandidate(
	"Jane", "jane@acme.com", "2026-01-01", (("Lead", "LEAD-1"), ("Customer", "Acme Inc"))
)
DOMAIN = CustomerCandidate("Acme Inc", "2025-01-01", domain="acme.com")
THREAD = [("Lead", "LEAD-9"), ("Customer", "Globex")]


def linked(parties, address="jane@acme.com", leads=(LEAD, CONVERTED)):
	leads, contacts, customers, threads = only_parties(parties, leads, [CONTACT], [DOMAIN], THREAD)
	result = resolve([address], leads=leads, contacts=contacts, customers=customers, thread_links=threads)
	return {(link.doctype, link.name) for link in result.links}


def test_both_kinds_by_default():
	for parties in ("", "Customers and Leads", None):
		assert linked(parties) == {
			("Lead", "LEAD-1"),
			("Contact", "Jane"),
			("Lead", "LEAD-9"),
			("Customer", "Globex"),
		}


def test_customers_only_skips_leads_and_finds_the_customer_instead():
	assert linked(ONLY_CUSTOMERS) == {("Contact", "Jane"), ("Customer", "Acme Inc"), ("Customer", "Globex")}


def test_leads_only_never_links_a_customer():
	assert linked(ONLY_LEADS) == {("Lead", "LEAD-1"), ("Contact", "Jane"), ("Lead", "LEAD-9")}
	# a converted lead is linked itself, not its customer; the customer's domain is not used
	assert linked(ONLY_LEADS, "joe@acme.com") == {("Lead", "LEAD-2"), ("Lead", "LEAD-9")}
	assert linked(ONLY_LEADS, "someone@acme.com") == {("Lead", "LEAD-9")}
