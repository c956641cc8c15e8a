import socket

import pytest

from crm_mailbox.mailflow import public_suffix
from crm_mailbox.mailflow.freemail import is_free_mail
from crm_mailbox.mailflow.people import organisation_from_domain
from crm_mailbox.mailflow.public_suffix import split_domain


def test_domains_split_at_their_public_suffix():
	assert split_domain("mail.eu.acme.co.uk") == ("mail.eu", "acme", "co.uk")
	assert split_domain("acme.org.br") == ("", "acme", "org.br")
	assert split_domain("shop.acme.blogspot.com").name == "blogspot"  # private suffixes are not used
	assert split_domain("localhost").suffix == ""


def test_the_bundled_suffix_list_is_used_without_any_network(monkeypatch):
	def no_network(*args, **kwargs):
		raise AssertionError("the public suffix list must not be fetched")

	monkeypatch.setattr(socket.socket, "connect", no_network)
	monkeypatch.setattr(socket, "create_connection", no_network)
	public_suffix._extractor.cache_clear()
	public_suffix.split_domain.cache_clear()
	assert split_domain("acme.com.au") == ("", "acme", "com.au")


@pytest.mark.parametrize(
	"domain, organisation",
	[
		("acme.org.br", "Acme"),  # the hand-kept suffix list named only 40 second levels
		("nordwerk.co.at", "Nordwerk"),
		("acme.com.ng", "Acme"),
		("mail.intranet-tools.internal", "Intranet Tools"),  # unknown suffix: the label before it
	],
)
def test_organisation_from_domains_under_any_public_suffix(domain, organisation):
	assert organisation_from_domain(domain) == organisation


def test_one_free_mail_list_for_linking_and_lead_names():
	for domain in ("hey.com", "mailbox.org", "sfr.fr", "tuta.io", "gmail.com", "yahoo.co.uk", "gmx.com.tr"):
		assert is_free_mail(domain), domain
		assert organisation_from_domain(domain) == "", domain
	assert not is_free_mail("live.bbc.co.uk")
	assert not is_free_mail("outlook.acme.com")
