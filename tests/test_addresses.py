from crm_mailbox.mailflow.addresses import (
	decode_words,
	domain_of,
	lookup_forms,
	matching_key,
	parent_domains,
	parse_address,
	parse_address_list,
)
from crm_mailbox.mailflow.freemail import company_domain, is_free_mail


def test_display_names_and_case_are_not_part_of_the_address():
	parsed = parse_address('"Doe, Jane" <Jane.Doe@ACME.com>')
	assert parsed.address == "jane.doe@acme.com"
	assert parsed.display_name == "Doe, Jane"


def test_encoded_display_name_is_decoded():
	parsed = parse_address("=?utf-8?q?M=C3=BCller=2C_Anna?= <anna.mueller@acme-industries.com>")
	assert parsed.display_name == "Müller, Anna"
	assert parsed.address == "anna.mueller@acme-industries.com"
	assert decode_words("=?iso-8859-1?q?Chlo=E9?=") == "Chloé"


def test_plus_addressing_matches_the_base_mailbox():
	assert matching_key("jane+sales@x.com") == matching_key("JANE@x.com") == "jane@x.com"
	assert "jane@x.com" in lookup_forms("jane+sales@x.com")


def test_idn_domains_match_in_unicode_and_punycode():
	assert matching_key("info@bücher-müller.example") == matching_key("info@xn--bcher-mller-thbg.example")
	forms = lookup_forms("info@xn--bcher-mller-thbg.example")
	assert "info@bücher-müller.example" in forms


def test_garbage_is_not_an_address():
	assert parse_address("undisclosed-recipients:;") is None
	assert parse_address("") is None
	assert matching_key("no-at-sign") == ""
	assert domain_of(None) == ""


def test_address_lists_keep_order_and_drop_duplicates():
	found = parse_address_list("a@x.com, B <b@y.com>", "A@X.com", None)
	assert [a.address for a in found] == ["a@x.com", "b@y.com"]


def test_parent_domains_most_specific_first():
	assert parent_domains("eu.sales.acme.com") == ["eu.sales.acme.com", "sales.acme.com", "acme.com"]


def test_free_mail_domains_never_identify_a_company():
	for domain in (
		"gmail.com",
		"outlook.com",
		"yahoo.co.uk",
		"yahoo.fr",
		"gmx.at",
		"gmx.de",
		"web.de",
		"icloud.com",
	):
		assert is_free_mail(domain), domain
		assert company_domain(f"someone@{domain}") == ""
	assert is_free_mail("proton.me")


def test_company_domains_are_not_free_mail():
	for domain in ("acme-industries.com", "mail.ibm.com", "live.bbc.co.uk", "initech.co.uk"):
		assert not is_free_mail(domain), domain
	assert (
		company_domain("Anna <anna@Acme-Industries.com>".split("<")[1].rstrip(">")) == "acme-industries.com"
	)
