"""Link precedence: the cases sales and support teams expect, as pure functions."""

from crm_mailbox.mailflow.precedence import (
	CONTACT_ADDRESS,
	CONTACT_PARTY,
	CONVERTED_LEAD,
	CUSTOMER_ADDRESS,
	CUSTOMER_DOMAIN,
	LEAD_ADDRESS,
	LEAD_CONTACT,
	LINKED,
	OPEN_OPPORTUNITY,
	SUPERSEDED,
	THREAD,
	ContactCandidate,
	CustomerCandidate,
	LeadCandidate,
	OpportunityCandidate,
	pick_opportunities,
	pick_reference,
	resolve,
)


def keys(links):
	return {(link.doctype, link.name) for link in links}


def reason_of(result, doctype, name):
	return next(link.reason for link in result.all() if (link.doctype, link.name) == (doctype, name))


def test_lead_beats_contact_with_the_same_address():
	result = resolve(
		["jane@acme.com"],
		leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026-01-02")],
		contacts=[ContactCandidate("Jane Other", "Jane@Acme.com", "2026-01-01", (("Customer", "Other Co"),))],
	)
	assert keys(result.links) == {("Lead", "LEAD-1")}
	assert ("Contact", "Jane Other") in keys(result.superseded)
	assert ("Customer", "Other Co") not in keys(result.links)
	assert reason_of(result, "Lead", "LEAD-1") == LEAD_ADDRESS
	assert all(link.status == SUPERSEDED for link in result.superseded)


def test_the_leads_own_contact_is_linked_beside_it():
	result = resolve(
		["jane@acme.com"],
		leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026-01-02")],
		contacts=[ContactCandidate("Jane", "jane@acme.com", "2026-01-02", (("Lead", "LEAD-1"),))],
	)
	assert keys(result.links) == {("Lead", "LEAD-1"), ("Contact", "Jane")}
	assert reason_of(result, "Contact", "Jane") == LEAD_CONTACT


def test_first_created_contact_wins():
	result = resolve(
		["bob@initech.co.uk"],
		contacts=[
			ContactCandidate("Bob New", "bob@initech.co.uk", "2026-03-01", (("Customer", "Globex"),)),
			ContactCandidate("Bob Old", "bob@initech.co.uk", "2025-03-01", (("Customer", "Initech"),)),
		],
	)
	assert keys(result.links) == {("Contact", "Bob Old"), ("Customer", "Initech")}
	assert keys(result.superseded) == {("Contact", "Bob New"), ("Customer", "Globex")}
	assert reason_of(result, "Customer", "Initech") == CONTACT_PARTY
	assert reason_of(result, "Contact", "Bob Old") == CONTACT_ADDRESS


def test_converted_lead_leads_to_its_customer():
	result = resolve(
		["jane@acme.com"],
		leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026-01-02", "Converted", "Acme Inc")],
		contacts=[
			ContactCandidate(
				"Jane", "jane@acme.com", "2026-01-02", (("Lead", "LEAD-1"), ("Customer", "Acme Inc"))
			)
		],
	)
	assert ("Customer", "Acme Inc") in keys(result.links)
	assert ("Lead", "LEAD-1") not in keys(result.links)
	assert reason_of(result, "Customer", "Acme Inc") == CONVERTED_LEAD
	assert ("Contact", "Jane") in keys(result.links)


def test_exact_address_beats_domain():
	result = resolve(
		["jane@acme.com"],
		leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026-01-02")],
		customers=[CustomerCandidate("Acme Inc", "2025-01-01", domain="acme.com")],
	)
	assert keys(result.links) == {("Lead", "LEAD-1")}


def test_a_contact_of_no_one_does_not_hide_the_customers_domain():
	# Frappe creates a bare Contact for every new sender ("Create Contacts from Incoming Emails").
	result = resolve(
		["new.person@acme.com"],
		contacts=[ContactCandidate("new.person", "new.person@acme.com", "2026-01-02")],
		customers=[CustomerCandidate("Acme Inc", "2025-01-01", domain="acme.com")],
	)
	assert keys(result.links) == {("Contact", "new.person"), ("Customer", "Acme Inc")}
	assert reason_of(result, "Customer", "Acme Inc") == CUSTOMER_DOMAIN


def test_a_contact_of_another_customer_beats_the_domain():
	result = resolve(
		["agent@acme.com"],
		contacts=[ContactCandidate("Agent", "agent@acme.com", "2026-01-02", (("Customer", "Partner Ltd"),))],
		customers=[CustomerCandidate("Acme Inc", "2025-01-01", domain="acme.com")],
	)
	assert keys(result.links) == {("Contact", "Agent"), ("Customer", "Partner Ltd")}


def test_domain_links_the_owning_customer_most_specific_first():
	result = resolve(
		["new.person@eu.acme.com"],
		customers=[
			CustomerCandidate("Acme Group", "2020-01-01", domain="acme.com"),
			CustomerCandidate("Acme Europe", "2024-01-01", domain="eu.acme.com"),
		],
	)
	assert keys(result.links) == {("Customer", "Acme Europe")}
	assert reason_of(result, "Customer", "Acme Europe") == CUSTOMER_DOMAIN
	assert ("Customer", "Acme Group") in keys(result.superseded)


def test_free_mail_domain_never_links_by_domain():
	result = resolve(
		["peter@gmail.com"], customers=[CustomerCandidate("Careless Co", "2020-01-01", domain="gmail.com")]
	)
	assert result.links == []


def test_customer_own_email_links_it():
	result = resolve(
		["billing@globex.example"],
		customers=[CustomerCandidate("Globex", "2020", email="billing@globex.example")],
	)
	assert keys(result.links) == {("Customer", "Globex")}
	assert reason_of(result, "Customer", "Globex") == CUSTOMER_ADDRESS


def test_plus_address_matches_stored_base_address():
	result = resolve(
		["dave+crm@initech.co.uk"], contacts=[ContactCandidate("Dave", "dave@initech.co.uk", "2026")]
	)
	assert keys(result.links) == {("Contact", "Dave")}


def test_reply_joins_thread_links_even_for_unknown_sender():
	result = resolve(
		["stranger@unknown.example"], thread_links=[("Opportunity", "OPP-1"), ("Customer", "Acme")]
	)
	assert keys(result.links) == {("Opportunity", "OPP-1"), ("Customer", "Acme")}
	assert {link.reason for link in result.links} == {THREAD}


def test_most_recent_open_opportunity_of_each_party():
	result = resolve(["jane@acme.com"], customers=[CustomerCandidate("Acme", "2020", email="jane@acme.com")])
	picked = pick_opportunities(
		result,
		[
			OpportunityCandidate("OPP-OLD", "Customer", "Acme", "2026-01-01"),
			OpportunityCandidate("OPP-NEW", "Customer", "Acme", "2026-05-01"),
			OpportunityCandidate("OPP-LOST", "Customer", "Acme", "2026-06-01", status="Lost"),
		],
	)
	assert keys(picked) == {("Opportunity", "OPP-NEW")}
	assert picked[0].reason == OPEN_OPPORTUNITY
	assert "most recent of 2" in picked[0].detail
	assert ("Opportunity", "OPP-NEW") in keys(result.links)


def test_reference_only_when_unambiguous():
	result = resolve(["jane@acme.com"], leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026")])
	assert pick_reference(result.links) == ("Lead", "LEAD-1")
	two = resolve(
		["a@x.com", "b@y.com"],
		customers=[
			CustomerCandidate("X", "2020", email="a@x.com"),
			CustomerCandidate("Y", "2020", email="b@y.com"),
		],
	)
	assert pick_reference(two.links) is None


def test_every_link_has_a_reason_and_detail():
	result = resolve(
		["jane@acme.com"],
		leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026")],
		contacts=[ContactCandidate("Other", "jane@acme.com", "2020")],
	)
	for link in result.all():
		assert link.reason and link.detail
		assert link.status in (LINKED, SUPERSEDED)


def test_losing_contact_takes_its_parties_along():
	result = resolve(
		["bob@initech.co.uk"],
		contacts=[
			ContactCandidate("Bob Old", "bob@initech.co.uk", "2025-01-01", (("Customer", "Initech"),)),
			ContactCandidate("Bob New", "bob@initech.co.uk", "2026-01-01", (("Customer", "Globex"),)),
		],
	)
	assert ("Customer", "Globex") in keys(result.superseded)
	assert ("Customer", "Initech") in keys(result.links)


def test_converted_lead_itself_is_superseded():
	result = resolve(
		["jane@acme.com"], leads=[LeadCandidate("LEAD-1", "jane@acme.com", "2026", "Converted", "Acme")]
	)
	assert ("Lead", "LEAD-1") in keys(result.superseded)
