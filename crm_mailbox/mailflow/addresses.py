"""Email addresses as CRM matching sees them.

Two addresses are "the same person" when they agree after normalisation:
case-folded, plus-tag removed from the local part (jane+sales@x.com is jane@x.com),
and the domain in its ASCII (IDNA) form, so bücher.example and xn--bcher-kva.example match.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr


@dataclass(frozen=True)
class Address:
	display_name: str
	address: str  # as written, lower-cased

	@property
	def key(self) -> str:
		return matching_key(self.address)

	@property
	def domain(self) -> str:
		return domain_of(self.address)


def decode_words(value: str | None) -> str:
	"""Decode RFC 2047 encoded words ("=?utf-8?q?M=C3=BCller?=") into text."""
	if not value:
		return ""
	try:
		return str(make_header(decode_header(value)))
	except Exception:
		return value


def parse_address(value: str | None) -> Address | None:
	"""Parse one "Name <addr>" value; None when it holds no usable address."""
	if not value:
		return None
	# Parse before decoding: a decoded name may hold commas or brackets that would split it.
	name, addr = parseaddr(value)
	return _address(name, addr)


def _address(name: str, addr: str) -> Address | None:
	addr = decode_words(addr).strip().strip("<>").lower()
	if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
		return None
	return Address(display_name=decode_words(name).strip().strip('"'), address=addr)


def parse_address_list(*values: str | None) -> list[Address]:
	"""All addresses of one or more header values (To, Cc, ...), without duplicates, in order."""
	seen: set[str] = set()
	result: list[Address] = []
	for value in values:
		if not value:
			continue
		for name, addr in getaddresses([value]):
			parsed = _address(name, addr)
			if parsed and parsed.address not in seen:
				seen.add(parsed.address)
				result.append(parsed)
	return result


def ascii_domain(domain: str) -> str:
	"""The ASCII (punycode) form of a domain; unchanged when it cannot be encoded."""
	domain = domain.strip().strip(".").lower()
	if domain.isascii():
		return domain
	try:
		return domain.encode("idna").decode("ascii")
	except UnicodeError:
		return domain


def unicode_domain(domain: str) -> str:
	"""The Unicode form of a punycode domain; unchanged when it is not one."""
	domain = domain.strip().strip(".").lower()
	if "xn--" not in domain:
		return domain
	try:
		return domain.encode("ascii").decode("idna")
	except UnicodeError:
		return domain


def split(address: str) -> tuple[str, str]:
	local, _, domain = address.strip().lower().rpartition("@")
	return local, domain


def domain_of(address: str | None) -> str:
	"""The ASCII domain of an address ("" when there is none)."""
	if not address or "@" not in address:
		return ""
	return ascii_domain(split(address)[1])


def matching_key(address: str | None) -> str:
	"""The normalised form used to decide that two addresses belong to the same mailbox."""
	if not address or "@" not in address:
		return ""
	local, domain = split(address)
	local = local.split("+", 1)[0] if not local.startswith("+") else local
	return f"{local}@{ascii_domain(domain)}"


def lookup_forms(address: str | None) -> list[str]:
	"""Every spelling under which the same mailbox may be stored in the database.

	Databases hold addresses as users typed them: with or without the plus tag,
	with a Unicode or a punycode domain. An indexed `IN (...)` over these finds them all.
	"""
	if not address or "@" not in address:
		return []
	local, domain = split(address)
	base_local = local.split("+", 1)[0] if not local.startswith("+") else local
	forms: list[str] = []
	for loc in (local, base_local):
		for dom in (domain, ascii_domain(domain), unicode_domain(ascii_domain(domain))):
			form = f"{loc}@{dom}"
			if form not in forms:
				forms.append(form)
	return forms


def parent_domains(domain: str) -> list[str]:
	"""The domain and the parents that can own it: eu.sales.acme.com -> [.., sales.acme.com, acme.com]."""
	labels = ascii_domain(domain).split(".")
	return [".".join(labels[i:]) for i in range(len(labels) - 1)] if len(labels) > 1 else []
