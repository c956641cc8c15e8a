import pytest

from crm_mailbox.mailflow.freemail import is_free_mail  # the app's one free-mail list
from crm_mailbox.mailflow.people import (
	guess_from_signature,
	lead_from_email,
	organisation_from_domain,
	parse_display_name,
)


@pytest.mark.parametrize(
	"header, first, last, organisation",
	[
		('"Doe, Jane" <jane@acme.com>', "Jane", "Doe", ""),
		("Jane Doe <jane@acme.com>", "Jane", "Doe", ""),
		("Jane Doe (ACME Corp) <jane@acme.com>", "Jane", "Doe", "ACME Corp"),
		("Jane Doe | ACME <jane@acme.com>", "Jane", "Doe", "ACME"),
		("Sarah from Acme <sarah@acme.io>", "Sarah", "", "Acme"),
		("'Jane Doe' <jane@acme.com>", "Jane", "Doe", ""),
		("JANE DOE <jane@acme.com>", "Jane", "Doe", ""),
		("O'BRIEN, SEAN <sean@acme.ie>", "Sean", "O'Brien", ""),
		("Dr. Ludwig van Beethoven <lvb@bonn.de>", "Ludwig", "van Beethoven", ""),
		("Jane Doe, PhD <jane@acme.com>", "Jane", "Doe", ""),
		("Jane Doe (she/her) <jane@acme.com>", "Jane", "Doe", ""),
		("Jane Doe via LinkedIn <messages-noreply@linkedin.com>", "Jane", "Doe", ""),
		("=?utf-8?q?M=C3=BCller=2C_Anna?= <anna.mueller@acme-industries.com>", "Anna", "Müller", ""),
		("=?iso-8859-1?q?Fran=E7oise_Lef=E8vre?= <fl@acme.fr>", "Françoise", "Lefèvre", ""),
	],
)
def test_person_display_names(header, first, last, organisation):
	parsed = parse_display_name(header)
	assert (parsed.first_name, parsed.last_name, parsed.organisation) == (first, last, organisation)
	assert parsed.is_person


@pytest.mark.parametrize(
	"header, organisation",
	[
		("ACME Support <support@acme.com>", "ACME"),
		("The Acme Team <team@acme.com>", "Acme"),
		("Kundenservice Müller GmbH <service@mueller.de>", "Müller GmbH"),
		("ACME, Inc. <billing@acme.com>", "ACME, Inc."),
		("Acme <hello@acme.com>", "Acme"),
		("Amazon.com <shipment-tracking@amazon.com>", "Amazon.com"),
	],
)
def test_role_and_company_senders_are_not_people(header, organisation):
	parsed = parse_display_name(header)
	assert not parsed.is_person
	assert parsed.first_name == parsed.last_name == ""
	assert parsed.organisation == organisation


def test_names_that_are_just_the_address():
	parsed = parse_display_name('"jane.doe@acme.com" <jane.doe@acme.com>')
	assert (parsed.first_name, parsed.last_name, parsed.address) == ("Jane", "Doe", "jane.doe@acme.com")
	assert parse_display_name("j.smith87@acme.com").full_name == "J. Smith"
	assert not parse_display_name("info@acme.com").is_person
	assert parse_display_name("jdoe@acme.com").full_name == ""  # no reliable split


def test_job_title_in_the_display_name():
	parsed = parse_display_name("Jane Doe - Head of Sales <jane@acme.com>")
	assert (parsed.full_name, parsed.job_title, parsed.organisation) == ("Jane Doe", "Head of Sales", "")


OUTLOOK = """Hi team,

Could you send us a quote for 40 pallets of the blue widgets?

Best regards,

Jane Doe
Head of Procurement
ACME Industries Ltd.
T: +44 (0)20 7946 0958 | M: +44 7700 900123
www.acme-industries.co.uk

This email and any attachments are confidential and intended solely for the addressee.

From: Sales <sales@ourco.example>
Sent: Monday, May 6, 2024 9:12 AM
To: Jane Doe <jane@acme-industries.co.uk>
Subject: RE: Quote

Dear Jane,
thanks for your interest.

Kind regards
Bob Miller
Sales Director
OurCo Ltd
+1 212 555 0100
"""

GMAIL_MOBILE = """Yes, Thursday works. Can you call me?

Thanks,
Tom

Sent from my iPhone

On Mon, May 6, 2024 at 9:12 AM Sales Team <
sales@ourco.example> wrote:
> Would Thursday work for a call?
> Regards
> Sam Seller
> +1 212 555 0100
"""

GERMAN = """Sehr geehrte Damen und Herren,

bitte senden Sie uns ein Angebot über 200 Stück.

Mit freundlichen Grüßen

Petra Schmidt
Einkaufsleiterin
Müller Maschinenbau GmbH
Industriestraße 12
70565 Stuttgart
Tel.: +49 (0)711 123456-12
Fax: +49 (0)711 123456-99

Von meinem iPhone gesendet

Amtsgericht Stuttgart HRB 12345, Geschäftsführer: Hans Müller

-----Ursprüngliche Nachricht-----
Von: Vertrieb <vertrieb@ourco.example>
Gesendet: Montag, 6. Mai 2024 09:12
"""

FRENCH = """Bonjour,

Pouvez-vous me rappeler au sujet de la commande ?

Cordialement,
Claire Martin
Responsable des achats | ACME France SAS
Tél. : +33 1 44 55 66 77

Le lun. 6 mai 2024 à 09:12, Service client <sc@ourco.example> a écrit :
> Bonjour Madame,
> Cordialement,
> Paul Vendeur
"""

# The standard signature delimiter is "-- " with a trailing space.
DASH_DASH = (
	"Hello,\n\nPlease see the attached invoice.\n\n"
	"-- \n"
	"Mark Evans\n"
	"Senior Account Executive at Globex Corporation\n"
	"Mobile: (415) 555-0134\n"
)


def test_outlook_signature_ignores_the_quoted_thread():
	assert guess_from_signature(OUTLOOK) == {
		"name": "Jane Doe",
		"organisation": "ACME Industries Ltd.",
		"phone": "+44 20 7946 0958",
		"job_title": "Head of Procurement",
	}


def test_gmail_mobile_reply_with_only_a_first_name():
	assert guess_from_signature(GMAIL_MOBILE) == {
		"name": "Tom",
		"organisation": "",
		"phone": "",
		"job_title": "",
	}


def test_german_signature_skips_fax_and_register_lines():
	assert guess_from_signature(GERMAN) == {
		"name": "Petra Schmidt",
		"organisation": "Müller Maschinenbau GmbH",
		"phone": "+49 711 123456 12",
		"job_title": "Einkaufsleiterin",
	}


def test_french_signature_with_title_and_company_on_one_line():
	assert guess_from_signature(FRENCH) == {
		"name": "Claire Martin",
		"organisation": "ACME France SAS",
		"phone": "+33 1 44 55 66 77",
		"job_title": "Responsable des achats",
	}


def test_standard_signature_delimiter_and_title_at_company():
	assert guess_from_signature(DASH_DASH) == {
		"name": "Mark Evans",
		"organisation": "Globex Corporation",
		"phone": "415 555 0134",
		"job_title": "Senior Account Executive",
	}


def test_signature_without_a_closing_line():
	body = "Please call me tomorrow about the renewal.\n\nLisa Wong\nOperations Manager\nInitech\n+1 512 555 0199\n"
	assert guess_from_signature(body) == {
		"name": "Lisa Wong",
		"organisation": "Initech",
		"phone": "+1 512 555 0199",
		"job_title": "Operations Manager",
	}


def test_closing_and_name_on_one_line():
	assert guess_from_signature("Sure, send it over.\n\nThanks, Priya\n")["name"] == "Priya"


def test_text_after_a_closing_that_is_not_a_name():
	assert guess_from_signature("Sounds good.\n\nThanks!\nSee you Monday")["name"] == ""
	assert guess_from_signature("ok thx") == {"name": "", "organisation": "", "phone": "", "job_title": ""}
	assert guess_from_signature(None)["name"] == ""


def test_bare_numbers_are_not_phone_numbers_unless_labelled():
	body = "Kind regards\nDavid O'Connor\nCustomer number 12345678\n"
	assert guess_from_signature(body)["phone"] == ""
	assert guess_from_signature("Regards\nDavid O'Connor\nTel 02079460000\n")["phone"] == "02079460000"


@pytest.mark.parametrize(
	"domain, organisation",
	[
		("acme-industries.co.uk", "Acme Industries"),
		("mail.eu.acme.com", "Acme"),
		("ibm.com", "IBM"),
		("xn--bcher-mller-thbg.de", "Bücher Müller"),
		("gmail.com", ""),
		("localhost", ""),
	],
)
def test_organisation_from_domain(domain, organisation):
	assert organisation_from_domain(domain, is_free_mail) == organisation


def test_organisation_from_domain_without_a_free_mail_callable_still_knows_gmail():
	assert organisation_from_domain("gmail.com") == ""


def test_lead_from_an_outlook_email():
	assert lead_from_email("Jane Doe", "jane@acme-industries.co.uk", OUTLOOK, is_free_mail) == {
		"first_name": "Jane",
		"last_name": "Doe",
		"lead_name": "Jane Doe",
		"company_name": "ACME Industries Ltd.",
		"phone": "+44 20 7946 0958",
		"job_title": "Head of Procurement",
	}


def test_lead_from_free_mail_has_no_company_from_the_domain():
	lead = lead_from_email("", "tom.baker@gmail.com", GMAIL_MOBILE, is_free_mail)
	assert (lead["first_name"], lead["last_name"], lead["company_name"]) == ("Tom", "Baker", "")


def test_lead_company_falls_back_to_the_sender_domain():
	lead = lead_from_email("Priya", "priya@startup-labs.io", "Sure.\n\nThanks, Priya", is_free_mail)
	assert lead == {
		"first_name": "Priya",
		"last_name": "",
		"lead_name": "Priya",
		"company_name": "Startup Labs",
		"phone": "",
		"job_title": "",
	}


def test_lead_from_a_role_address_is_named_after_the_company():
	lead = lead_from_email(None, "info@acme-industries.co.uk", "Hello, a quote please.", is_free_mail)
	assert (lead["first_name"], lead["lead_name"], lead["company_name"]) == (
		"",
		"Acme Industries",
		"Acme Industries",
	)


def test_signature_completes_a_first_name_only_display_name():
	lead = lead_from_email("Claire", "claire@acme.fr", FRENCH, is_free_mail)
	assert (lead["first_name"], lead["last_name"], lead["company_name"]) == (
		"Claire",
		"Martin",
		"ACME France SAS",
	)
