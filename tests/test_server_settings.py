"""Server settings suggested from an address: providers, RFC 6186 SRV records, MX hosting.

The DNS cases ask a real DNS server on loopback (dnspython's wire format, served from a thread) through
the same dnspython resolver the connect dialog uses.
"""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rrset
import pytest

from crm_mailbox.mailflow import server_settings
from crm_mailbox.mailflow.server_settings import SSL, STARTTLS, Server, best_srv, host_name, suggest


class LoopbackDNS:
	"""Answers from a zone given as {(name, type): [rdata text]}; every other name is NXDOMAIN."""

	def __init__(self, zone: dict[tuple[str, str], list[str]]):
		self.zone = zone
		self.asked: list[tuple[str, str]] = []
		self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		self.sock.bind(("127.0.0.1", 0))
		self.sock.settimeout(0.2)
		self.port = self.sock.getsockname()[1]
		self.running = True
		self.thread = threading.Thread(target=self.serve, daemon=True)
		self.thread.start()

	def serve(self):
		while self.running:
			try:
				wire, peer = self.sock.recvfrom(4096)
			except TimeoutError:
				continue
			except OSError:
				return
			query = dns.message.from_wire(wire)
			question = query.question[0]
			name = question.name.to_text().rstrip(".")
			rdtype = dns.rdatatype.to_text(question.rdtype)
			self.asked.append((name, rdtype))
			response = dns.message.make_response(query)
			records = self.zone.get((name, rdtype))
			if records:
				response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", rdtype, records))
			elif not any(key[0] == name for key in self.zone):
				response.set_rcode(dns.rcode.NXDOMAIN)
			self.sock.sendto(response.to_wire(), peer)

	def lookup(self):
		return server_settings.dns_lookup(timeout=2.0, nameservers=["127.0.0.1"], port=self.port)

	def close(self):
		self.running = False
		self.thread.join()
		self.sock.close()


@pytest.fixture
def dns_server():
	servers = []

	def start(zone):
		server = LoopbackDNS(zone)
		servers.append(server)
		return server

	yield start
	for server in servers:
		server.close()


def no_dns(name, rdtype):
	raise AssertionError(f"a provider's own domain needs no DNS ({name} {rdtype})")


def test_big_providers_are_known_without_dns():
	gmail = suggest("Jane.Doe@GMail.com", no_dns)
	assert (gmail.source, gmail.provider) == ("provider", "Gmail")
	assert gmail.incoming == Server("imap.gmail.com", 993, SSL)
	assert gmail.outgoing == Server("smtp.gmail.com", 587, STARTTLS)
	assert "app password" in gmail.note
	assert suggest("x@hotmail.com", no_dns).incoming.host == "outlook.office365.com"
	assert suggest("x@icloud.com", no_dns).incoming.host == "imap.mail.me.com"
	assert suggest("x@fastmail.com", no_dns).outgoing == Server("smtp.fastmail.com", 465, SSL)
	assert suggest("x@gmx.de", no_dns).incoming.host == "imap.gmx.net"
	assert suggest("x@yahoo.com", no_dns).provider == "Yahoo"


def test_srv_records_of_a_company_domain_are_used(dns_server):
	server = dns_server(
		{
			("_imaps._tcp.acme-mail.example", "SRV"): [
				"20 0 993 backup-imap.acme-mail.example.",
				"10 5 993 imap.acme-mail.example.",
				"10 50 9993 imap2.acme-mail.example.",
			],
			("_submissions._tcp.acme-mail.example", "SRV"): ["0 0 0 ."],  # RFC 6186: not offered
			("_submission._tcp.acme-mail.example", "SRV"): ["0 1 587 smtp.acme-mail.example."],
		}
	)
	found = suggest("sales@acme-mail.example", server.lookup())
	assert found.source == "dns"
	# lowest priority first, then the heaviest weight
	assert found.incoming == Server("imap2.acme-mail.example", 9993, SSL)
	assert found.outgoing == Server("smtp.acme-mail.example", 587, STARTTLS)
	assert "_imaps._tcp.acme-mail.example" in found.checked
	assert ("_imaps._tcp.acme-mail.example", "SRV") in server.asked


def test_imap_with_starttls_when_no_imaps_record(dns_server):
	server = dns_server({("_imap._tcp.plain.example", "SRV"): ["0 0 143 mail.plain.example."]})
	found = suggest("a@plain.example", server.lookup())
	assert found.incoming == Server("mail.plain.example", 143, STARTTLS)
	assert found.outgoing is None


def test_company_domain_hosted_by_google_is_recognised_by_its_mx(dns_server):
	server = dns_server(
		{
			("hosted.example", "MX"): ["10 alt1.aspmx.l.google.com.", "1 aspmx.l.google.com."],
		}
	)
	found = suggest("ceo@hosted.example", server.lookup())
	assert (found.source, found.provider) == ("mx", "Gmail")
	assert found.incoming.host == "imap.gmail.com"


def test_unknown_domain_suggests_nothing_rather_than_guessing(dns_server):
	server = dns_server({})
	found = suggest("a@nowhere.example", server.lookup())
	assert found.source == ""
	assert found.incoming is None and found.outgoing is None
	assert found.checked[-1] == "nowhere.example"


def test_hostile_dns_answers_and_addresses_are_ignored(dns_server):
	server = dns_server(
		{
			("_imaps._tcp.evil.example", "SRV"): [
				r"0 0 993 \<img\032src=x\032onerror=alert\(1\)\>.evil.example.",
				"0 0 0 imap.evil.example.",  # port 0
			],
		}
	)
	assert suggest("a@evil.example", server.lookup()).incoming is None
	assert suggest("<script>@x", no_dns).domain == ""
	assert suggest("a@<b>.example", no_dns).domain == ""
	assert suggest("no-at-sign", no_dns).source == ""


def test_host_names_are_plain():
	assert host_name("IMAP.Example.COM.") == "imap.example.com"
	assert host_name("bücher.example") == "xn--bcher-kva.example"
	for bad in ("localhost", "a..b", "-a.example", "a b.example", "x" * 64 + ".example", "a.example/x"):
		assert host_name(bad) == "", bad
	assert best_srv([(0, 0, 993, "javascript:alert(1)")], SSL) is None


def test_a_failing_resolver_is_no_answer():
	def broken(name, rdtype):
		raise OSError("network down")

	assert suggest("a@company.example", broken).source == ""
