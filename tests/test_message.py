"""Facts read from raw emails written by real clients and servers (tests/eml, see INDEX.md)."""

from pathlib import Path

import pytest

from crm_mailbox.mailflow.addresses import matching_key
from crm_mailbox.mailflow.freemail import company_domain
from crm_mailbox.mailflow.message import facts_from_raw

EML = Path(__file__).parent / "eml"


def facts(name):
	return facts_from_raw((EML / name).read_bytes())


@pytest.mark.parametrize(
	"name, sender, automated",
	[
		("outlook_new_inquiry.eml", "anna.mueller@acme-industries.com", False),
		("gmail_reply.eml", "bob.stone@gmail.com", False),
		("apple_mail_attachment.eml", "chloe@globex.example", False),
		("thunderbird_plain.eml", "dave+crm@initech.co.uk", False),
		("gmail_new_lead.eml", "p.kowalski@web.de", False),
		("html_only_with_script.eml", "promo@shop.example", False),
		("forwarded_with_secret.eml", "ops@ourco.example", False),
		("mailing_list.eml", "announce@lists.vendor.example", True),
		("bounce_dsn.eml", "mailer-daemon@mx.ourco.example", True),
		("auto_reply_outlook.eml", "anna.mueller@acme-industries.com", True),
		("noreply_notification.eml", "no-reply@notifications.saas.example", True),
	],
)
def test_sender_and_automated_verdict(name, sender, automated):
	found = facts(name)
	assert found.sender == sender
	assert found.automated.is_automated is automated
	assert bool(found.automated.reason) is automated


def test_signals_are_named_for_an_admin():
	assert "Auto-Submitted: auto-replied" in facts("auto_reply_outlook.eml").automated.reason
	assert "bounce" in facts("bounce_dsn.eml").automated.reason
	assert "List-Id" in facts("mailing_list.eml").automated.reason
	assert "Precedence: bulk" in facts("noreply_notification.eml").automated.reason


def test_reply_thread_ids_nearest_first():
	assert facts("gmail_reply.eml").thread_ids == ["ourco-sent-0001@ourco.example"]
	assert facts("thunderbird_plain.eml").thread_ids == [
		"a1b2c3@initech.co.uk",
		"ourco-sent-0002@ourco.example",
	]
	assert facts("outlook_new_inquiry.eml").thread_ids == []


def test_folded_message_id_is_read():
	assert facts("outlook_new_inquiry.eml").message_id.startswith("AM6PR01MB1234ABCD")


def test_utf8_sender_is_repaired_and_matches_its_punycode_form():
	utf8 = facts("idn_sender_utf8.eml")
	assert utf8.sender == "info@bücher-müller.example"
	assert matching_key(utf8.sender) == matching_key(facts("idn_sender.eml").sender)


def test_malformed_mail_still_gives_its_sender():
	found = facts("malformed.eml")
	assert found.sender == "info@schulz-haustechnik.example"
	assert found.message_id == ""


def test_garbage_bytes_give_empty_facts_not_an_error():
	assert facts_from_raw(b"\xff\xfe\x00garbage").sender == ""


def test_free_mail_senders_have_no_company_domain():
	assert company_domain(facts("gmail_new_lead.eml").sender) == ""
	assert company_domain(facts("gmail_reply.eml").sender) == ""
	assert company_domain(facts("outlook_new_inquiry.eml").sender) == "acme-industries.com"
