"""A server certificate read and explained: a small X.509 reader, and the words for a rejected certificate.

No network here: the certificate arrives as DER bytes, fetched without verifying it (see tls.py).
"""

import socket
import ssl
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import NamedTuple

from .report import Failed

# OpenSSL verification codes (x509_vfy.h), as in ssl.SSLCertVerificationError.verify_code.
_CERT_NOT_YET_VALID = 9
_CERT_EXPIRED = 10
_SELF_SIGNED = {18, 19}
_UNKNOWN_ISSUER = {2, 20, 21}
_REVOKED = 23
_NAME_MISMATCH = {62, 64}


class CertFacts(NamedTuple):
	subject: str
	issuer: str
	names: list[str]
	not_before: datetime | None
	not_after: datetime | None

	def describe(self) -> str:
		parts = [f"subject {self.subject or '(empty)'}"]
		if self.names:
			parts.append(f"names {', '.join(self.names)}")
		parts.append("self-signed" if self.issuer == self.subject else f"issued by {self.issuer}")
		if self.not_after:
			days = (self.not_after - datetime.now(timezone.utc)).days
			when = f"{days} days left" if days >= 0 else "expired"
			parts.append(f"valid until {self.not_after:%Y-%m-%d} ({when})")
		return "; ".join(parts)


def certificate_failure(exc: ssl.SSLCertVerificationError, host: str, der: bytes | None) -> Failed:
	"""Explain a rejected certificate; `der` is the certificate itself, fetched without verifying it."""
	facts = certificate_facts(der)
	code = exc.verify_code
	message = exc.verify_message or str(exc)
	detail = f"certificate rejected: {message}" + (f" ({facts.describe()})" if facts else "")
	now = datetime.now(timezone.utc)
	expired = bool(facts and facts.not_after and facts.not_after < now)
	also_expired = f" It also expired on {facts.not_after:%Y-%m-%d}." if expired and facts else ""

	if code == _CERT_EXPIRED or (expired and code not in _SELF_SIGNED | _NAME_MISMATCH):
		when = f" on {facts.not_after:%Y-%m-%d}" if facts and facts.not_after else ""
		hint = (
			f"the server's certificate expired{when}: the mail server's administrator must renew it. "
			f"If that date looks wrong, check this machine's clock (it says {now:%Y-%m-%d %H:%M} UTC)"
		)
	elif code == _CERT_NOT_YET_VALID:
		when = f" until {facts.not_before:%Y-%m-%d}" if facts and facts.not_before else " yet"
		hint = (
			f"the server's certificate is not valid{when}: check this machine's clock "
			f"(it says {now:%Y-%m-%d %H:%M} UTC)"
		)
	elif code in _SELF_SIGNED:
		subject = f" ({facts.subject})" if facts else ""
		hint = (
			f"the server's certificate is self-signed{subject}, so no trusted authority vouches for it: "
			"install a certificate from a public authority (for example Let's Encrypt) on the mail server, "
			"or use the server name your provider documents." + also_expired
		)
	elif code in _UNKNOWN_ISSUER:
		issuer = f"'{facts.issuer}', an authority" if facts else "an authority"
		hint = (
			f"the certificate is issued by {issuer} that this machine does not trust, or the server does not "
			"send its intermediate certificate: the server's certificate chain must be fixed"
		)
	elif code in _NAME_MISMATCH:
		if facts and facts.names:
			use = f"use {facts.names[0]}" if len(facts.names) == 1 else "use one of those names"
			hint = f"the certificate is for {', '.join(facts.names)}, not for {host}: {use} as the server address"
		else:
			hint = f"the certificate does not name {host}: use the server name the certificate was made for"
		hint += also_expired
	elif code == _REVOKED:
		hint = "the server's certificate has been revoked: the mail server's administrator must replace it"
	else:
		hint = f"the server's certificate could not be verified ({message}): ask the mail provider"
	return Failed(detail, hint)


# A small DER reader: enough of X.509 for subject, issuer, validity and subjectAltName.
_NAME_ATTRIBUTES = {
	b"\x55\x04\x03": "CN",
	b"\x55\x04\x0a": "O",
	b"\x55\x04\x0b": "OU",
	b"\x55\x04\x06": "C",
}
_OID_SUBJECT_ALT_NAME = b"\x55\x1d\x11"


def certificate_facts(der: bytes | None) -> CertFacts | None:
	if not der:
		return None
	try:
		_tag, cert_start, cert_end = next(_der_items(der, 0, len(der)))
		_tag, tbs_start, tbs_end = next(_der_items(der, cert_start, cert_end))
		fields = list(_der_items(der, tbs_start, tbs_end))
		if fields[0][0] == 0xA0:  # explicit version
			fields = fields[1:]
		# serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [1], [2], [3] extensions
		issuer = _der_name(der, fields[2][1], fields[2][2])
		validity = list(_der_items(der, fields[3][1], fields[3][2]))
		not_before = _der_time(der, *validity[0])
		not_after = _der_time(der, *validity[1])
		subject = _der_name(der, fields[4][1], fields[4][2])
		names: list[str] = []
		for tag, ext_start, ext_end in fields[6:]:
			if tag != 0xA3:
				continue
			for _seq, _start, _end in _der_items(der, ext_start, ext_end):
				for _e, one_start, one_end in _der_items(der, _start, _end):
					parts = list(_der_items(der, one_start, one_end))
					if der[parts[0][1] : parts[0][2]] == _OID_SUBJECT_ALT_NAME:
						names = _der_alt_names(der, parts[-1][1], parts[-1][2])
		return CertFacts(subject, issuer, names, not_before, not_after)
	except (StopIteration, IndexError, ValueError, UnicodeDecodeError):
		return None


def _der_items(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
	"""(tag, content start, content end) of each DER item in data[start:end]."""
	pos = start
	while pos < end:
		tag, length = data[pos], data[pos + 1]
		pos += 2
		if length & 0x80:
			count = length & 0x7F
			length = int.from_bytes(data[pos : pos + count], "big")
			pos += count
		if pos + length > end:
			raise ValueError("truncated DER")
		yield tag, pos, pos + length
		pos += length


def _der_string(tag: int, raw: bytes) -> str:
	if tag == 0x1E:  # BMPString
		return raw.decode("utf-16-be", "replace")
	if tag == 0x0C:  # UTF8String
		return raw.decode("utf-8", "replace")
	return raw.decode("latin-1")


def _der_name(der: bytes, start: int, end: int) -> str:
	parts = []
	for _set_tag, set_start, set_end in _der_items(der, start, end):
		for _seq_tag, seq_start, seq_end in _der_items(der, set_start, set_end):
			items = list(_der_items(der, seq_start, seq_end))
			if len(items) == 2:
				oid, value = items
				label = _NAME_ATTRIBUTES.get(der[oid[1] : oid[2]])
				if label:
					parts.append(f"{label}={_der_string(value[0], der[value[1] : value[2]])}")
	return ", ".join(parts)


def _der_time(der: bytes, tag: int, start: int, end: int) -> datetime | None:
	fmt = "%y%m%d%H%M%SZ" if tag == 0x17 else "%Y%m%d%H%M%SZ"  # UTCTime or GeneralizedTime
	try:
		return datetime.strptime(der[start:end].decode("ascii"), fmt).replace(tzinfo=timezone.utc)
	except ValueError:
		return None


def _der_alt_names(der: bytes, start: int, end: int) -> list[str]:
	names = []
	for _tag, seq_start, seq_end in _der_items(der, start, end):
		for tag, value_start, value_end in _der_items(der, seq_start, seq_end):
			raw = der[value_start:value_end]
			if tag == 0x82:  # dNSName
				names.append(raw.decode("ascii", "replace"))
			elif tag == 0x87 and len(raw) in (4, 16):  # iPAddress
				names.append(socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw))
	return names
