"""Which IMAP and SMTP servers an address's mail lives on: a suggestion for the connect dialog.

In this order: the big providers' published settings for their own domains; the domain's DNS SRV
records (RFC 6186, with RFC 8314's implicit-TLS `_submissions`); a provider recognised by the
domain's MX hosts (a company domain hosted by Google or Microsoft); else nothing is guessed and the
user types the servers. DNS answers are data from strangers: a target that is not a plain host
name is ignored. `lookup` is injected, so the choice is tested without Frappe or the Internet;
`dns_lookup` is the real one (dnspython).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from .addresses import ascii_domain

SSL, STARTTLS = "ssl", "starttls"
MAX_HOST_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class Server:
	host: str
	port: int
	security: str  # SSL (implicit TLS) or STARTTLS


@dataclass(frozen=True)
class Provider:
	name: str
	incoming: Server
	outgoing: Server
	domains: tuple[str, ...] = ()
	mx_suffixes: tuple[str, ...] = ()  # MX hosts ending so mean the domain's mail is hosted here
	note: str = ""  # how to get an app password, or why one does not work


@dataclass
class Suggestion:
	domain: str
	source: str  # "provider", "dns" (SRV), "mx" or "" (nothing found)
	provider: str = ""
	incoming: Server | None = None
	outgoing: Server | None = None
	note: str = ""
	checked: list[str] = field(default_factory=list)  # DNS names asked, for the dialog to show

	def as_dict(self) -> dict:
		return asdict(self)


APP_PASSWORD = "Sign in with an app password (your account's security settings), not your usual password."
PROVIDERS: tuple[Provider, ...] = (
	Provider(
		"Gmail",
		Server("imap.gmail.com", 993, SSL),
		Server("smtp.gmail.com", 587, STARTTLS),
		domains=("gmail.com", "googlemail.com"),
		mx_suffixes=("google.com", "googlemail.com"),
		note="Turn on 2-Step Verification, then make an app password in your Google Account.",
	),
	Provider(
		"Outlook / Microsoft 365",
		Server("outlook.office365.com", 993, SSL),
		Server("smtp.office365.com", 587, STARTTLS),
		domains=("outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.de", "hotmail.de"),
		mx_suffixes=("mail.protection.outlook.com", "olc.protection.outlook.com"),
		note="Microsoft turned off password sign-in for most accounts: ask your administrator for "
		"OAuth (a Connected App) if the app password is refused.",
	),
	Provider(
		"Yahoo",
		Server("imap.mail.yahoo.com", 993, SSL),
		Server("smtp.mail.yahoo.com", 465, SSL),
		domains=("yahoo.com", "ymail.com", "rocketmail.com", "yahoo.de", "yahoo.co.uk", "yahoo.fr"),
		mx_suffixes=("yahoodns.net",),
		note=APP_PASSWORD,
	),
	Provider(
		"iCloud",
		Server("imap.mail.me.com", 993, SSL),
		Server("smtp.mail.me.com", 587, STARTTLS),
		domains=("icloud.com", "me.com", "mac.com"),
		mx_suffixes=("mail.icloud.com",),
		note="Make an app-specific password at appleid.apple.com.",
	),
	Provider(
		"Fastmail",
		Server("imap.fastmail.com", 993, SSL),
		Server("smtp.fastmail.com", 465, SSL),
		domains=("fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org", "messagingengine.com"),
		mx_suffixes=("messagingengine.com",),
		note=APP_PASSWORD,
	),
	Provider(
		"GMX",
		Server("imap.gmx.net", 993, SSL),
		Server("mail.gmx.net", 587, STARTTLS),
		domains=("gmx.de", "gmx.net", "gmx.at", "gmx.ch"),
		note="Allow IMAP access in GMX's settings (POP3 & IMAP) first.",
	),
	Provider(
		"GMX.com",
		Server("imap.gmx.com", 993, SSL),
		Server("mail.gmx.com", 587, STARTTLS),
		domains=("gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr"),
		note="Allow IMAP access in GMX's settings (POP3 & IMAP) first.",
	),
	Provider(
		"WEB.DE",
		Server("imap.web.de", 993, SSL),
		Server("smtp.web.de", 587, STARTTLS),
		domains=("web.de",),
		note="Allow IMAP access in WEB.DE's settings (POP3 & IMAP) first.",
	),
	Provider(
		"AOL",
		Server("imap.aol.com", 993, SSL),
		Server("smtp.aol.com", 465, SSL),
		domains=("aol.com", "aim.com"),
		note=APP_PASSWORD,
	),
	Provider(
		"Zoho Mail",
		Server("imap.zoho.com", 993, SSL),
		Server("smtp.zoho.com", 465, SSL),
		domains=("zoho.com", "zohomail.com"),
		mx_suffixes=("zoho.com",),
		note=APP_PASSWORD,
	),
	Provider(
		"Yandex",
		Server("imap.yandex.com", 993, SSL),
		Server("smtp.yandex.com", 465, SSL),
		domains=("yandex.com", "yandex.ru", "ya.ru"),
		mx_suffixes=("yandex.net", "yandex.ru"),
		note=APP_PASSWORD,
	),
	Provider(
		"mail.com",
		Server("imap.mail.com", 993, SSL),
		Server("smtp.mail.com", 587, STARTTLS),
		domains=("mail.com", "email.com", "usa.com"),
		note="Allow IMAP access in mail.com's settings first.",
	),
)

# RFC 6186 service labels, best first: implicit TLS before STARTTLS (RFC 8314).
INCOMING_SERVICES = (("_imaps._tcp", SSL), ("_imap._tcp", STARTTLS))
OUTGOING_SERVICES = (("_submissions._tcp", SSL), ("_submission._tcp", STARTTLS))

# lookup(name, "SRV") -> [(priority, weight, port, target)]; lookup(name, "MX") -> [(preference, host)]
Lookup = Callable[[str, str], Iterable[tuple]]


def host_name(value: str | None) -> str:
	"""A plain DNS host name, lower-case and without the final dot; "" for anything else."""
	host = ascii_domain(str(value or "")).rstrip(".")
	if not host or len(host) > MAX_HOST_LENGTH:
		return ""
	labels = host.split(".")
	if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
		return ""
	return host


def domain_of_address(email: str | None) -> str:
	local, _, domain = str(email or "").strip().rpartition("@")
	return host_name(domain) if local else ""


def provider_for_domain(domain: str) -> Provider | None:
	for provider in PROVIDERS:
		if domain in provider.domains:
			return provider
	return None


def provider_for_mx(hosts: Iterable[str]) -> Provider | None:
	for host in hosts:
		for provider in PROVIDERS:
			if any(host == s or host.endswith("." + s) for s in provider.mx_suffixes):
				return provider
	return None


def best_srv(records: Iterable[tuple], security: str) -> Server | None:
	"""RFC 2782's choice without the random draw: lowest priority, then highest weight.

	A target of "." says the service is not offered; a port outside 1-65535 or a target that is not
	a host name is ignored.
	"""
	usable = []
	for priority, weight, port, target in records:
		host = host_name(str(target))
		if host and 0 < int(port) < 65536:
			usable.append((int(priority), -int(weight), host, int(port)))
	if not usable:
		return None
	_, _, host, port = min(usable)
	return Server(host, port, security)


def from_srv(domain: str, lookup: Lookup, services, checked: list[str]) -> Server | None:
	for label, security in services:
		name = f"{label}.{domain}"
		checked.append(name)
		server = best_srv(safe(lookup, name, "SRV"), security)
		if server:
			return server
	return None


def safe(lookup: Lookup, name: str, rdtype: str) -> list[tuple]:
	"""The lookup's answer; [] when the name does not exist, times out or the answer is malformed."""
	try:
		return list(lookup(name, rdtype) or [])
	except Exception:
		return []


def suggest(email: str, lookup: Lookup) -> Suggestion:
	"""The servers for this address, and where the suggestion came from."""
	domain = domain_of_address(email)
	if not domain:
		return Suggestion(domain="", source="")
	provider = provider_for_domain(domain)
	if provider:
		return with_provider(Suggestion(domain, "provider"), provider)

	checked: list[str] = []
	incoming = from_srv(domain, lookup, INCOMING_SERVICES, checked)
	outgoing = from_srv(domain, lookup, OUTGOING_SERVICES, checked)
	if incoming or outgoing:
		return Suggestion(domain, "dns", incoming=incoming, outgoing=outgoing, checked=checked)

	checked.append(domain)
	mx_hosts = [host_name(str(host)) for _, host in sorted(safe(lookup, domain, "MX"))]
	provider = provider_for_mx(h for h in mx_hosts if h)
	if provider:
		return with_provider(Suggestion(domain, "mx", checked=checked), provider)
	return Suggestion(domain, "", checked=checked)


def with_provider(suggestion: Suggestion, provider: Provider) -> Suggestion:
	suggestion.provider = provider.name
	suggestion.incoming = provider.incoming
	suggestion.outgoing = provider.outgoing
	suggestion.note = provider.note
	return suggestion


def dns_lookup(timeout: float = 3.0, nameservers: list[str] | None = None, port: int = 53) -> Lookup:
	"""A lookup through dnspython: the system's resolvers, or the given ones (tests use loopback)."""
	import dns.resolver

	resolver = dns.resolver.Resolver(configure=nameservers is None)
	if nameservers is not None:
		resolver.nameservers = nameservers
		resolver.port = port
	resolver.lifetime = timeout

	def lookup(name: str, rdtype: str) -> list[tuple]:
		try:
			answer = resolver.resolve(name, rdtype, search=False)
		except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
			return []
		if rdtype == "SRV":
			return [(r.priority, r.weight, r.port, r.target.to_text()) for r in answer]
		if rdtype == "MX":
			return [(r.preference, r.exchange.to_text()) for r in answer]
		return []

	return lookup
