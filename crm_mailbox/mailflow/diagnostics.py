"""Connection diagnostics for mail accounts: a "Test connection" that explains what went wrong.

check_imap() and check_smtp() take the steps a mail client takes - resolve the name, connect, set up
TLS, log in, open the folder (IMAP) or say hello (SMTP) - and stop at the first failure. Each step has
its timing, what was seen, and, when something is wrong, a hint an administrator can act on. The kind of
failure is read from exception types, TLS verification codes and the server's own responses.

The password is handed to imaplib/smtplib only. It is never put into a Step, and every text is scrubbed
of it once more before a report is returned. Nothing here logs. Every network operation uses `timeout`
(seconds), the name lookup included.

Stdlib only; nothing here imports Frappe.
"""

import base64
import imaplib
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple

SECURITY_CHOICES = ("ssl", "starttls", "none")

_USUAL_PORTS = {
	"IMAP": "IMAP is usually 993 with SSL/TLS or 143 with STARTTLS",
	"SMTP": "SMTP is usually 465 with SSL/TLS or 587 with STARTTLS",
}
_TLS_PORT = {"IMAP": 993, "SMTP": 465}
_A_SERVER = {
	"IMAP": "an IMAP server",
	"SMTP": "an SMTP server",
	"POP3": "a POP3 server",
	"SSH": "an SSH server",
}
_STARTTLS_PORT = {"IMAP": 143, "SMTP": 587}
_EXPIRY_WARNING_DAYS = 14
_LISTED_FOLDERS = 30
_SECRET_MASK = "********"
_NO_PASSWORD_HINT = (
	"enter the mailbox's password (for Gmail or Outlook an app password), or leave the user name empty "
	"to test only the connection"
)


@dataclass
class Step:
	"""One step of a connection test: what was tried, whether it worked, how long it took."""

	name: str
	ok: bool
	seconds: float
	detail: str = ""
	hint: str = ""

	def as_dict(self) -> dict:
		return {
			"name": self.name,
			"ok": self.ok,
			"seconds": self.seconds,
			"detail": self.detail,
			"hint": self.hint,
		}


@dataclass
class Report:
	"""The steps of one connection test, in order; the last one is the failure, if any."""

	steps: list[Step] = field(default_factory=list)

	@property
	def ok(self) -> bool:
		return bool(self.steps) and all(step.ok for step in self.steps)

	@property
	def first_failure(self) -> Step | None:
		return next((step for step in self.steps if not step.ok), None)

	def as_dict(self) -> dict:
		failure = self.first_failure
		return {
			"ok": self.ok,
			"first_failure": failure.name if failure else None,
			"steps": [step.as_dict() for step in self.steps],
		}


def check_imap(
	host: str,
	port: int,
	security: str,
	username: str,
	password: str,
	folder: str = "INBOX",
	timeout: float = 8.0,
	ssl_context: ssl.SSLContext | None = None,
) -> Report:
	"""Test an IMAP account: steps dns, tcp, tls, login, folder; stops at the first failure.

	security: "ssl" (TLS from the first byte, port 993), "starttls" (port 143) or "none".
	ssl_context: how to verify the server; by default the system's trusted authorities and the host name.
	With no username (e.g. an OAuth account) the login step is reported as skipped (and ok), and the folder
	step is not run; a username without a password fails at the login step without asking the server.
	"""
	security = _security(security)
	run = _Runner(timeout)
	try:
		infos = run("dns", _resolve, host, port, timeout)
		sock = run("tcp", _connect, host, port, infos, timeout, "IMAP")
		run.on_exit(sock.close)
		context = ssl_context or ssl.create_default_context()
		conn = run("tls", _imap_secure, sock, host, port, security, context, timeout)
		run.on_exit(lambda: _imap_close(conn, polite=run.all_ok))
		run("login", _imap_login, conn, username, password)
		if username:  # without a login there is no folder to look at
			run("folder", _imap_folder, conn, folder or "INBOX")
	except _Stop:
		pass
	finally:
		run.close()
	return run.report(secrets=_secrets(username, password))


def check_smtp(
	host: str,
	port: int,
	security: str,
	username: str,
	password: str,
	timeout: float = 8.0,
	ssl_context: ssl.SSLContext | None = None,
) -> Report:
	"""Test an SMTP account: steps dns, tcp, tls, login, noop; stops at the first failure. Sends no mail.

	security: "ssl" (TLS from the first byte, port 465), "starttls" (port 587) or "none".
	With no username the login step is reported as skipped (and ok); a username without a password fails
	at the login step without asking the server.
	"""
	security = _security(security)
	run = _Runner(timeout)
	try:
		infos = run("dns", _resolve, host, port, timeout)
		sock = run("tcp", _connect, host, port, infos, timeout, "SMTP")
		run.on_exit(sock.close)
		context = ssl_context or ssl.create_default_context()
		smtp = run("tls", _smtp_secure, sock, host, port, security, context, timeout)
		run.on_exit(lambda: _smtp_close(smtp, polite=run.all_ok))
		run("login", _smtp_login, smtp, port, username, password, security)
		run("noop", _smtp_noop, smtp)
	except _Stop:
		pass
	finally:
		run.close()
	return run.report(secrets=_secrets(username, password))


# --- running steps ---------------------------------------------------------------------------------


class _Done(NamedTuple):
	value: Any
	detail: str
	hint: str = ""


class _Failed(Exception):
	"""Raised by a step: detail says what was seen, hint what to do about it."""

	def __init__(self, detail: str, hint: str = ""):
		super().__init__(detail)
		self.detail = detail
		self.hint = hint


class _Stop(Exception):
	"""A step failed: the remaining steps are not run."""


class _Runner:
	def __init__(self, timeout: float) -> None:
		self.timeout = timeout
		self.steps: list[Step] = []
		self.cleanups: list[Callable[[], Any]] = []

	def __call__(self, name: str, func: Callable[..., _Done], *args: Any) -> Any:
		start = time.perf_counter()
		try:
			done = func(*args)
		except _Failed as failure:
			self._add(name, False, start, failure.detail, failure.hint)
			raise _Stop from None
		except TimeoutError:
			self._add(
				name,
				False,
				start,
				f"the server stopped answering (no answer within {_seconds(self.timeout)})",
				"the server or the network is too slow, or a firewall drops the traffic: try again later",
			)
			raise _Stop from None
		except Exception as exc:  # a failure we have no words for: still a report, never a crash
			self._add(
				name,
				False,
				start,
				f"unexpected error: {_describe(exc)}",
				"this failure is not one the test knows; the detail may help the mail provider",
			)
			raise _Stop from None
		self._add(name, True, start, done.detail, done.hint)
		return done.value

	def _add(self, name: str, ok: bool, start: float, detail: str, hint: str) -> None:
		self.steps.append(Step(name, ok, round(time.perf_counter() - start, 4), detail, hint))

	@property
	def all_ok(self) -> bool:
		"""No step has failed: the connection is in a state where saying goodbye makes sense."""
		return all(step.ok for step in self.steps)

	def on_exit(self, cleanup: Callable[[], Any]) -> None:
		self.cleanups.append(cleanup)

	def close(self) -> None:
		for cleanup in reversed(self.cleanups):
			try:
				cleanup()
			except Exception:
				pass

	def report(self, secrets: list[str]) -> Report:
		secrets = [secret for secret in secrets if secret]
		for step in self.steps:
			step.detail = _scrub(step.detail, secrets)
			step.hint = _scrub(step.hint, secrets)
		return Report(self.steps)


def _secrets(username: str, password: str) -> list[str]:
	"""The password as typed and as base64 in AUTH PLAIN / AUTH LOGIN, should a server ever echo those."""
	if not password:
		return []
	forms = [password]
	for raw in (password, f"\0{username or ''}\0{password}"):
		try:
			forms.append(base64.b64encode(raw.encode("utf-8")).decode("ascii"))
		except UnicodeError:
			pass
	return forms


def _scrub(text: str, secrets: list[str]) -> str:
	for secret in secrets:
		text = text.replace(secret, _SECRET_MASK)
	return text


def _describe(exc: BaseException) -> str:
	text = str(exc)
	return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _security(security: str) -> str:
	value = (security or "").strip().lower()
	if value not in SECURITY_CHOICES:
		raise ValueError(f"security must be one of {', '.join(SECURITY_CHOICES)}, not {security!r}")
	return value


def _seconds(timeout: float) -> str:
	return f"{timeout:g} s"


# --- dns and tcp -----------------------------------------------------------------------------------


def _resolve(host: str, port: int, timeout: float) -> _Done:
	if not host or not host.strip():
		raise _Failed("no server address given", "enter the mail server's name, for example imap.example.com")
	result: dict[str, Any] = {}

	def lookup() -> None:
		try:
			result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
		except BaseException as exc:
			result["error"] = exc

	# getaddrinfo() has no timeout of its own; wait for it in a thread for at most `timeout`.
	worker = threading.Thread(target=lookup, name="crm-mailbox-dns", daemon=True)
	worker.start()
	worker.join(timeout)
	if worker.is_alive():
		raise _Failed(
			f"no answer from DNS about {host!r} within {_seconds(timeout)}",
			"the DNS servers of this machine do not answer in time: check its network and DNS settings, or try again",
		)
	error = result.get("error")
	if error is None:
		infos = result["infos"]
		addresses = list(dict.fromkeys(info[4][0] for info in infos))
		if addresses == [host]:
			return _Done(infos, f"{host} is an IP address: nothing to look up")
		return _Done(infos, f"{host} resolves to {', '.join(addresses)}")
	input_hint = _host_input_hint(host)
	if isinstance(error, UnicodeError):
		raise _Failed(
			f"{host!r} is not a valid server name", input_hint or "check the server address for typos"
		)
	if not isinstance(error, socket.gaierror):
		raise error
	if error.errno in _gai_codes("EAI_AGAIN"):
		raise _Failed(
			f"DNS could not look up {host!r} right now ({error.strerror})",
			"a temporary DNS failure: try again; if it persists, check this machine's DNS settings",
		)
	if error.errno in _gai_codes("EAI_NONAME", "EAI_NODATA", "EAI_ADDRFAMILY", "EAI_FAIL"):
		raise _Failed(
			f"the name {host!r} does not resolve ({error.strerror})",
			input_hint or f"the name {host} does not resolve: check the server address for typos",
		)
	raise _Failed(f"looking up {host!r} failed: {error.strerror}", input_hint or "check the server address")


def _gai_codes(*names: str) -> set[int]:
	return {getattr(socket, name) for name in names if hasattr(socket, name)}


def _host_input_hint(host: str) -> str:
	"""Words about a server address that was typed wrongly (only used once the lookup has failed)."""
	if "://" in host or "/" in host:
		return (
			f"enter only the server name (like mail.example.com), without '{host.split('/')[0]}//' or a path"
		)
	if "@" in host:
		return "the server address looks like an email address: enter the mail server's name instead"
	if re.search(r":\d+$", host) and host.count(":") == 1:
		return "enter the port in the port field, not after the server name"
	if any(ch.isspace() for ch in host):
		return "the server address contains spaces: remove them"
	return ""


def _connect(host: str, port: int, infos: list, timeout: float, protocol: str) -> _Done:
	failures: list[tuple[str, OSError]] = []
	for family, kind, proto, _name, address in infos:
		sock = socket.socket(family, kind, proto)
		sock.settimeout(timeout)
		try:
			sock.connect(address)
		except OSError as exc:
			sock.close()
			failures.append((address[0], exc))
			continue
		return _Done(sock, f"connected to {address[0]} port {port}")

	detail = "; ".join(f"{address}: {_connect_error(exc, timeout)}" for address, exc in failures)
	advice = f"check the port ({_USUAL_PORTS[protocol]}) and any firewall"
	if all(isinstance(exc, ConnectionRefusedError) for _address, exc in failures):
		hint = f"nothing answers on port {port} at {host}: {advice}"
	elif any(isinstance(exc, TimeoutError) for _address, exc in failures):
		hint = (
			f"nothing answered on port {port} at {host} within {_seconds(timeout)}: a firewall may drop "
			f"the connection, or the port is wrong; {advice}"
		)
	else:
		hint = (
			f"this machine cannot reach {host} on port {port}: check the network, the port and any firewall"
		)
	raise _Failed(detail or "no address to connect to", hint)


def _connect_error(exc: OSError, timeout: float) -> str:
	if isinstance(exc, ConnectionRefusedError):
		return "connection refused"
	if isinstance(exc, TimeoutError):
		return f"no answer within {_seconds(timeout)}"
	return exc.strerror or _describe(exc)


# --- tls -------------------------------------------------------------------------------------------


def _handshake(
	sock: socket.socket, host: str, port: int, context: ssl.SSLContext, timeout: float, protocol: str
) -> ssl.SSLSocket:
	"""TLS from the first byte; a failure is explained, using a second connection to look closer."""
	peer = sock.getpeername()
	try:
		return context.wrap_socket(sock, server_hostname=host)
	except ssl.SSLCertVerificationError as exc:
		raise _certificate_failure(exc, host, _fetch_certificate(peer, host, timeout)) from None
	except TimeoutError:
		raise _Failed(
			f"the TLS handshake got no answer within {_seconds(timeout)}",
			f"the server on port {port} does not answer TLS: check SSL/TLS against the port "
			f"({_USUAL_PORTS[protocol]})",
		) from None
	except (ssl.SSLError, ConnectionError) as exc:
		failure = exc
	reason = _tls_reason(failure)
	banner = _read_banner(peer, timeout)
	if banner:
		other = _banner_protocol(banner)
		if other and other != protocol:
			raise _Failed(
				f"TLS handshake failed ({reason}); port {port} answers like {_A_SERVER[other]}: {banner!r}",
				f"port {port} is not an {protocol} port (it answers like {_A_SERVER[other]}): check the port "
				f"({_USUAL_PORTS[protocol]})",
			)
		raise _Failed(
			f"TLS handshake failed ({reason}); the server answered in plain text: {banner!r}",
			f"the server did not speak TLS on port {port}: turn off SSL/TLS and use STARTTLS, "
			f"or use port {_TLS_PORT[protocol]}",
		)
	if _is_protocol_version_problem(failure):
		raise _Failed(
			f"TLS handshake failed ({reason})",
			"the server and this machine share no TLS version: the server likely offers only TLS 1.0/1.1, "
			"which is no longer safe; the server must be updated",
		)
	raise _Failed(
		f"TLS handshake failed ({reason})",
		f"the server on port {port} refused TLS: check SSL/TLS against the port ({_USUAL_PORTS[protocol]})",
	)


def _tls_reason(exc: BaseException) -> str:
	reason = getattr(exc, "reason", None)
	if reason:
		return str(reason).replace("_", " ").lower()
	if isinstance(exc, ssl.SSLEOFError | ConnectionResetError | ConnectionAbortedError):
		return "the server closed the connection"
	return _describe(exc)


def _is_protocol_version_problem(exc: BaseException) -> bool:
	reason = str(getattr(exc, "reason", "") or "")
	return reason in {
		"UNSUPPORTED_PROTOCOL",
		"TLSV1_ALERT_PROTOCOL_VERSION",
		"NO_PROTOCOLS_AVAILABLE",
		"VERSION_TOO_LOW",
	}


def _read_banner(peer: tuple, timeout: float) -> str:
	"""The first line a server sends on a fresh plain connection, or "" when it sends none."""
	try:
		with socket.create_connection(peer[:2], timeout=timeout) as probe:
			data = b""
			while b"\n" not in data and len(data) < 1024:
				chunk = probe.recv(1024)
				if not chunk:
					break
				data += chunk
	except OSError:
		return ""
	return data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()[:200]


def _banner_protocol(banner: str) -> str | None:
	if re.match(r"\* (OK|PREAUTH|BYE)\b", banner, re.I):
		return "IMAP"
	if banner.startswith(("+OK", "-ERR")):
		return "POP3"
	if re.match(r"\d{3}[ -]", banner):
		return "SMTP"
	if banner.startswith("SSH-"):
		return "SSH"
	return None


def _speaks_tls(peer: tuple, host: str, timeout: float) -> bool:
	"""Whether the port completes a TLS handshake on a fresh connection (no verification: just looking)."""
	try:
		with socket.create_connection(peer[:2], timeout=timeout) as raw:
			with _looking_context().wrap_socket(raw, server_hostname=host):
				return True
	except (OSError, ValueError):
		return False


def _no_greeting(peer: tuple, host: str, port: int, timeout: float, protocol: str, security: str) -> _Failed:
	if security != "ssl" and _speaks_tls(peer, host, timeout):
		return _Failed(
			f"no greeting within {_seconds(timeout)}, but the port answers a TLS handshake",
			f"port {port} expects TLS from the first byte: turn on SSL/TLS",
		)
	return _Failed(
		f"the server accepted the connection but sent no {protocol} greeting within {_seconds(timeout)}",
		f"the server is overloaded, or port {port} is not an {protocol} port: check the port "
		f"({_USUAL_PORTS[protocol]})",
	)


def _tls_summary(tls: ssl.SSLSocket, context: ssl.SSLContext, host: str) -> tuple[str, str]:
	"""Detail and hint for a working TLS connection: version, certificate subject and expiry."""
	version = tls.version() or "TLS"
	facts = _certificate_facts(tls.getpeercert(binary_form=True))
	about = facts.describe() if facts else "certificate details unreadable"
	hint = ""
	if context.verify_mode == ssl.CERT_NONE:
		return (
			f"{version}; certificate NOT verified ({about})",
			"certificate verification is turned off: the connection is encrypted, but not protected "
			"against someone in between",
		)
	if facts and facts.not_after:
		days_left = (facts.not_after - datetime.now(timezone.utc)).days
		if days_left < _EXPIRY_WARNING_DAYS:
			hint = (
				f"the server's certificate expires in {max(days_left, 0)} days "
				f"({facts.not_after:%Y-%m-%d}): it must be renewed soon"
			)
	return f"{version}; certificate verified for {host} ({about})", hint


# --- certificates ----------------------------------------------------------------------------------

# OpenSSL verification codes (x509_vfy.h), as in ssl.SSLCertVerificationError.verify_code.
_CERT_NOT_YET_VALID = 9
_CERT_EXPIRED = 10
_SELF_SIGNED = {18, 19}
_UNKNOWN_ISSUER = {2, 20, 21}
_REVOKED = 23
_NAME_MISMATCH = {62, 64}


def _certificate_failure(exc: ssl.SSLCertVerificationError, host: str, der: bytes | None) -> _Failed:
	"""Explain a rejected certificate; `der` is the certificate itself, fetched without verifying it."""
	facts = _certificate_facts(der)
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
	return _Failed(detail, hint)


def _looking_context() -> ssl.SSLContext:
	"""A context that verifies nothing: only for looking at what a server presents, never for a login."""
	context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	context.check_hostname = False
	context.verify_mode = ssl.CERT_NONE
	return context


def _fetch_certificate(peer: tuple, host: str, timeout: float) -> bytes | None:
	"""The server's certificate on a fresh connection, without verifying it, to describe what is wrong."""
	try:
		with socket.create_connection(peer[:2], timeout=timeout) as raw:
			with _looking_context().wrap_socket(raw, server_hostname=host) as tls:
				return tls.getpeercert(binary_form=True)
	except (OSError, ValueError):
		return None


class _CertFacts(NamedTuple):
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


# A small DER reader: enough of X.509 for subject, issuer, validity and subjectAltName.
_NAME_ATTRIBUTES = {
	b"\x55\x04\x03": "CN",
	b"\x55\x04\x0a": "O",
	b"\x55\x04\x0b": "OU",
	b"\x55\x04\x06": "C",
}
_OID_SUBJECT_ALT_NAME = b"\x55\x1d\x11"


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


def _certificate_facts(der: bytes | None) -> _CertFacts | None:
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
		return _CertFacts(subject, issuer, names, not_before, not_after)
	except (StopIteration, IndexError, ValueError, UnicodeDecodeError):
		return None


# --- imap ------------------------------------------------------------------------------------------


class _IMAP(imaplib.IMAP4):
	"""imaplib on a socket that is already connected (and, for SSL/TLS, already encrypted)."""

	def __init__(self, sock: socket.socket, host: str, port: int, timeout: float):
		self._connected_socket = sock
		super().__init__(host, port, timeout)
		self.debug = 0  # imaplib's debug output would show the LOGIN command, password included

	def _create_socket(self, timeout: float | None = None) -> socket.socket:
		return self._connected_socket


def _imap_secure(
	sock: socket.socket, host: str, port: int, security: str, context: ssl.SSLContext, timeout: float
) -> _Done:
	peer = sock.getpeername()
	if security == "ssl":
		tls = _handshake(sock, host, port, context, timeout, "IMAP")
		detail, hint = _tls_summary(tls, context, host)
		conn = _imap_greeting(tls, host, port, timeout, peer, security)
		return _Done(conn, detail, hint)

	conn = _imap_greeting(sock, host, port, timeout, peer, security)
	if security == "none":
		hint = "the connection is not encrypted: the password travels in clear text"
		if "STARTTLS" in conn.capabilities:
			hint += "; the server offers STARTTLS, turn it on"
		return _Done(conn, f"not encrypted (security: none); {_imap_welcome(conn)}", hint)

	if "STARTTLS" not in conn.capabilities:
		_imap_close(conn)
		raise _Failed(
			f"the server does not offer STARTTLS on port {port} ({_imap_welcome(conn)})",
			f"turn off STARTTLS and use SSL/TLS on port {_TLS_PORT['IMAP']}, or ask the provider which "
			"secure port to use",
		)
	try:
		conn.starttls(ssl_context=context)
	except ssl.SSLCertVerificationError as exc:
		_imap_close(conn)
		raise _certificate_failure(exc, host, _imap_starttls_certificate(peer, host, port, timeout)) from None
	except (ssl.SSLError, ConnectionError) as exc:
		_imap_close(conn)
		raise _Failed(
			f"the TLS handshake after STARTTLS failed ({_tls_reason(exc)})",
			"the server's TLS setup is broken or too old: ask the mail provider",
		) from None
	except imaplib.IMAP4.error as exc:
		_imap_close(conn)
		raise _Failed(
			f"the server refused STARTTLS: {_server_text(exc)}",
			f"use SSL/TLS on port {_TLS_PORT['IMAP']} instead",
		) from None
	detail, hint = _tls_summary(conn.sock, context, host)
	return _Done(conn, f"STARTTLS, {detail}", hint)


def _imap_starttls_certificate(peer: tuple, host: str, port: int, timeout: float) -> bytes | None:
	"""The certificate behind STARTTLS on a fresh connection, without verifying it."""
	try:
		conn = _IMAP(socket.create_connection(peer[:2], timeout=timeout), host, port, timeout)
	except Exception:
		return None
	try:
		conn.starttls(ssl_context=_looking_context())
		return conn.sock.getpeercert(binary_form=True)
	except Exception:
		return None
	finally:
		_imap_close(conn)


def _imap_greeting(
	sock: socket.socket, host: str, port: int, timeout: float, peer: tuple, security: str
) -> imaplib.IMAP4:
	try:
		return _IMAP(sock, host, port, timeout)
	except TimeoutError:
		sock.close()
		raise _no_greeting(peer, host, port, timeout, "IMAP", security) from None
	except imaplib.IMAP4.error as exc:  # includes abort: closed, or not an IMAP greeting
		sock.close()
		text = _server_text(exc)
		unexpected = re.fullmatch(r"unexpected response: b?(['\"])(.*)\1", text)
		banner = unexpected.group(2) if unexpected else text
		other = _banner_protocol(banner)
		if other and other != "IMAP":
			raise _Failed(
				f"port {port} answers like {_A_SERVER[other]}, not IMAP: {banner!r}",
				f"check the port ({_USUAL_PORTS['IMAP']})",
			) from None
		if "EOF" in text:
			raise _Failed(
				"the server closed the connection without an IMAP greeting",
				f"check the port ({_USUAL_PORTS['IMAP']}); the server may also be refusing this machine",
			) from None
		raise _Failed(
			f"the server did not accept the connection: {text}",
			"the server turned the connection away (too many connections, or this machine is blocked): "
			"try again later, or ask the provider",
		) from None
	except (ssl.SSLError, ConnectionError) as exc:
		sock.close()
		raise _Failed(
			f"the connection broke before the greeting ({_tls_reason(exc)})",
			f"check SSL/TLS and the port ({_USUAL_PORTS['IMAP']})",
		) from None


def _imap_welcome(conn: imaplib.IMAP4) -> str:
	welcome = (
		conn.welcome.decode("utf-8", "replace") if isinstance(conn.welcome, bytes) else str(conn.welcome)
	)
	welcome = re.sub(r"\[CAPABILITY [^\]]*\]\s*", "", welcome)
	return f"server greeting: {welcome.strip()[:200]}"


def _imap_close(conn: imaplib.IMAP4, polite: bool = False) -> None:
	"""Close the connection; log out first only when `polite` (else a broken server could make us wait)."""
	try:
		if polite and conn.state in ("AUTH", "SELECTED"):
			conn.logout()
	except Exception:
		pass
	try:
		conn.shutdown()
	except Exception:
		pass


def _server_text(exc: BaseException) -> str:
	arg = exc.args[0] if exc.args else ""
	if isinstance(arg, bytes):
		return arg.decode("utf-8", "replace")
	text = str(arg)
	match = re.fullmatch(r"b(['\"])(.*)\1", text)  # imaplib sometimes formats the server's bytes
	return match.group(2) if match else text


_IMAP_LOGIN_HINTS = {
	"PRIVACYREQUIRED": "the server only accepts the password on an encrypted connection: turn on SSL/TLS or "
	"STARTTLS",
	"EXPIRED": "the password or account has expired: renew it with the mail provider",
	"UNAVAILABLE": "the server cannot log anyone in right now (a temporary failure): try again later",
	"CONTACTADMIN": "the provider blocks this login: contact the mail administrator",
	"LIMIT": "too many connections for this account: close other mail programs or wait a few minutes",
	"AUTHORIZATIONFAILED": "the user name and password are right, but this user may not open the mailbox",
}


def _imap_login(conn: imaplib.IMAP4, username: str, password: str) -> _Done:
	if not username:
		return _Done(
			None,
			"skipped: no user name given, so the server was not asked to log in (nor the folder checked)",
			"" if password else "a normal IMAP account needs a user name, usually the full email address",
		)
	if not password:
		raise _Failed("no password given", _NO_PASSWORD_HINT)
	if "LOGINDISABLED" in conn.capabilities:
		raise _Failed(
			"the server announces LOGINDISABLED: it takes no password over an unencrypted connection",
			f"turn on SSL/TLS (port {_TLS_PORT['IMAP']}) or STARTTLS (port {_STARTTLS_PORT['IMAP']})",
		)
	try:
		conn.login(username, password)
	except UnicodeEncodeError:
		raise _Failed(
			"the user name or password contains characters outside ASCII, which IMAP LOGIN cannot send",
			"use a password made of plain letters, digits and punctuation (or an app password)",
		) from None
	except imaplib.IMAP4.abort as exc:
		raise _Failed(
			f"the server closed the connection during login: {_server_text(exc)}",
			"the server dropped the connection: try again later, or ask the provider",
		) from None
	except imaplib.IMAP4.error as exc:
		text = _server_text(exc)
		raise _Failed(f"login refused: {text}", _imap_login_hint(text, username)) from None
	return _Done(None, f"logged in as {username}")


def _imap_login_hint(text: str, username: str) -> str:
	code = re.match(r"\s*\[([A-Z-]+)", text)
	hint = _IMAP_LOGIN_HINTS.get(code.group(1)) if code else None
	if hint is None:
		if re.search(r"application-specific password|app password", text, re.I):
			hint = "the provider wants an app password (or OAuth) instead of the account password: create one"
		else:
			hint = (
				"the server refused the user name or password. Check both; for Gmail or Outlook use an app "
				"password or OAuth"
			)
	return hint + _address_hint(username)


def _address_hint(username: str) -> str:
	if "@" in username:
		return ""
	return (
		f". The user name '{username}' has no @: most providers (Gmail, Outlook, hosted mail) want the full "
		"email address"
	)


def _imap_folder(conn: imaplib.IMAP4, folder: str) -> _Done:
	wire = _folder_wire_name(folder)
	try:
		typ, data = conn.select(_imap_quote(wire), readonly=True)
	except imaplib.IMAP4.abort:
		raise
	except imaplib.IMAP4.error as exc:  # BAD: the server could not even parse the name
		typ, data = "BAD", [_server_text(exc).encode()]
	if typ == "OK":
		count = int(data[0]) if data and data[0] and data[0].isdigit() else 0
		uidvalidity = _imap_untagged(conn, "UIDVALIDITY")
		hint = ""
		if wire != folder:
			hint = (
				f"the server spells this folder '{wire}' (IMAP encoding); enter that spelling wherever a "
				"program sends the folder name to the server unencoded"
			)
		messages = "1 message" if count == 1 else f"{count} messages"
		return _Done(None, f"folder '{folder}': {messages}, UIDVALIDITY {uidvalidity or 'not given'}", hint)

	server_says = (data[-1] or b"").decode("utf-8", "replace") if data else ""
	folders = _imap_folders(conn)
	if folders is None:
		raise _Failed(
			f"the server could not open folder '{folder}': {server_says}",
			"check the folder name (the server would not list its folders either)",
		)
	for name, raw_name, flags in folders:
		if _same_folder(name, folder) or raw_name == wire:
			if "\\noselect" in flags or "\\nonexistent" in flags:
				raise _Failed(
					f"folder '{folder}' exists but cannot be opened ({server_says})",
					f"'{folder}' only holds other folders: pick one of its subfolders",
				)
			raise _Failed(f"the server refused to open folder '{folder}': {server_says}", "ask the provider")
	names = sorted(
		(name for name, _raw, _flags in folders), key=lambda name: (name.upper() != "INBOX", name.casefold())
	)
	listed = ", ".join(names[:_LISTED_FOLDERS])
	if len(names) > _LISTED_FOLDERS:
		listed += f", and {len(names) - _LISTED_FOLDERS} more"
	hint = f"folder '{folder}' not found; the server has: {listed or '(no folders)'}"
	near = _near_folders(folder, folders)
	if near:
		hint += f". Did you mean {' or '.join(repr(name) for name in near)}?"
	raise _Failed(f"folder '{folder}' not found ({server_says})", hint)


def _imap_untagged(conn: imaplib.IMAP4, name: str) -> str:
	_typ, values = conn.response(name)
	value = values[-1] if values else None
	return value.decode("ascii", "replace") if isinstance(value, bytes) else ""


def _imap_quote(name: str) -> str:
	return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\)\s+(?P<delim>"(?:[^"\\]|\\.)*"|NIL)\s+(?P<name>.*)$', re.I)


def _imap_folders(conn: imaplib.IMAP4) -> list[tuple[str, str, set[str]]] | None:
	"""The server's folders as (readable name, name on the wire, lower-case flags), or None."""
	try:
		typ, data = conn.list('""', "*")
	except imaplib.IMAP4.error:
		return None
	if typ != "OK":
		return None
	folders = []
	for item in data:
		if isinstance(item, tuple):  # a literal: (b'(flags) "/" {7}', b'the name')
			line, literal = item[0], item[1]
		else:
			line, literal = item, None
		match = _LIST_LINE.match(line or b"")
		if not match:
			continue
		if literal is not None:
			raw = literal.decode("utf-8", "replace")
		else:
			raw = match.group("name").decode("utf-8", "replace").strip()
			if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
				raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
		flags = {flag.lower() for flag in match.group("flags").decode("ascii", "replace").split()}
		folders.append((decode_imap_folder_name(raw), raw, flags))
	return folders


def _same_folder(name: str, wanted: str) -> bool:
	if name.upper() == "INBOX" and wanted.upper() == "INBOX":
		return True
	return name == wanted


def _near_folders(wanted: str, folders: list[tuple[str, str, set[str]]]) -> list[str]:
	def loose(name: str) -> str:
		return re.sub(r"[./\\]", "/", name).casefold()

	target = loose(wanted)
	return [
		name
		for name, _raw, _flags in folders
		if loose(name) == target or loose(name).endswith("/" + target) or target.endswith("/" + loose(name))
	][:3]


def _folder_wire_name(name: str) -> str:
	"""The name to send to the server: modified UTF-7, unless the name is already spelt that way."""
	if name.isascii() and "&" in name:
		try:
			if encode_imap_folder_name(decode_imap_folder_name(name, strict=True)) == name:
				return name
		except ValueError:
			pass
	return encode_imap_folder_name(name)


def encode_imap_folder_name(name: str) -> str:
	"""A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), e.g. "Verträge" -> "Vertr&AOQ-ge"."""
	out: list[str] = []
	pending: list[str] = []

	def flush() -> None:
		if pending:
			encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii").rstrip("=")
			out.append("&" + encoded.replace("/", ",") + "-")
			pending.clear()

	for ch in name:
		if 0x20 <= ord(ch) <= 0x7E:
			flush()
			out.append("&-" if ch == "&" else ch)
		else:
			pending.append(ch)
	flush()
	return "".join(out)


def decode_imap_folder_name(name: str, strict: bool = False) -> str:
	"""A folder name from IMAP's modified UTF-7, e.g. "Vertr&AOQ-ge" -> "Verträge".

	A name that is not valid modified UTF-7 is returned unchanged, or raises ValueError when strict.
	"""
	out: list[str] = []
	pos = 0
	try:
		while pos < len(name):
			amp = name.find("&", pos)
			if amp < 0:
				out.append(name[pos:])
				break
			out.append(name[pos:amp])
			end = name.find("-", amp)
			if end < 0:
				raise ValueError("unterminated shift")
			chunk = name[amp + 1 : end]
			if chunk:
				chunk = chunk.replace(",", "/")
				chunk += "=" * (-len(chunk) % 4)
				out.append(base64.b64decode(chunk, validate=True).decode("utf-16-be"))
			else:
				out.append("&")
			pos = end + 1
	except (ValueError, UnicodeDecodeError) as exc:
		if strict:
			raise ValueError(f"not modified UTF-7: {name!r}") from exc
		return name
	return "".join(out)


# --- smtp ------------------------------------------------------------------------------------------


class _SMTP(smtplib.SMTP):
	"""smtplib on a socket that is already connected (and, for SSL/TLS, already encrypted)."""

	def __init__(self, sock: socket.socket, host: str, timeout: float):
		self._connected_socket = sock
		# An explicit name: smtplib's default, getfqdn(), may wait on reverse DNS without a timeout.
		super().__init__(local_hostname=socket.gethostname() or "localhost", timeout=timeout)
		self._host = host  # the name starttls() verifies the certificate against
		self.set_debuglevel(0)  # smtplib's debug output would show the AUTH exchange

	def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
		return self._connected_socket


def _smtp_secure(
	sock: socket.socket, host: str, port: int, security: str, context: ssl.SSLContext, timeout: float
) -> _Done:
	peer = sock.getpeername()
	if security == "ssl":
		tls = _handshake(sock, host, port, context, timeout, "SMTP")
		detail, hint = _tls_summary(tls, context, host)
		smtp = _smtp_greeting(tls, host, port, timeout, peer, security)
		return _Done(smtp, detail, hint)

	smtp = _smtp_greeting(sock, host, port, timeout, peer, security)
	if security == "none":
		hint = "the connection is not encrypted: a password would travel in clear text"
		if smtp.has_extn("starttls"):
			hint += "; the server offers STARTTLS, turn it on"
		return _Done(smtp, f"not encrypted (security: none); {_smtp_banner(smtp)}", hint)

	if not smtp.has_extn("starttls"):
		_smtp_close(smtp)
		raise _Failed(
			f"the server does not offer STARTTLS on port {port} ({_smtp_banner(smtp)})",
			f"turn off STARTTLS and use SSL/TLS on port {_TLS_PORT['SMTP']}, or ask the provider which port "
			f"offers STARTTLS (usually {_STARTTLS_PORT['SMTP']})",
		)
	try:
		smtp.starttls(context=context)
	except ssl.SSLCertVerificationError as exc:
		_smtp_close(smtp)
		raise _certificate_failure(exc, host, _smtp_starttls_certificate(peer, host, port, timeout)) from None
	except (ssl.SSLError, ConnectionError) as exc:
		_smtp_close(smtp)
		raise _Failed(
			f"the TLS handshake after STARTTLS failed ({_tls_reason(exc)})",
			"the server's TLS setup is broken or too old: ask the mail provider",
		) from None
	except smtplib.SMTPResponseException as exc:
		_smtp_close(smtp)
		raise _Failed(
			f"the server refused STARTTLS: {exc.smtp_code} {_smtp_text(exc.smtp_error)}",
			f"use SSL/TLS on port {_TLS_PORT['SMTP']} instead",
		) from None
	_smtp_ehlo(smtp)
	detail, hint = _tls_summary(smtp.sock, context, host)
	return _Done(smtp, f"STARTTLS, {detail}", hint)


def _smtp_starttls_certificate(peer: tuple, host: str, port: int, timeout: float) -> bytes | None:
	"""The certificate behind STARTTLS on a fresh connection, without verifying it."""
	try:
		smtp = _SMTP(socket.create_connection(peer[:2], timeout=timeout), host, timeout)
	except OSError:
		return None
	try:
		smtp.connect(host, port)
		smtp.starttls(context=_looking_context())
		return smtp.sock.getpeercert(binary_form=True)
	except Exception:
		return None
	finally:
		_smtp_close(smtp)


def _smtp_greeting(
	sock: socket.socket, host: str, port: int, timeout: float, peer: tuple, security: str
) -> smtplib.SMTP:
	smtp = _SMTP(sock, host, timeout)
	try:
		code, message = smtp.connect(host, port)
	except smtplib.SMTPServerDisconnected as exc:
		_smtp_close(smtp)
		if isinstance(exc.__context__, TimeoutError):
			raise _no_greeting(peer, host, port, timeout, "SMTP", security) from None
		raise _Failed(
			"the server closed the connection without an SMTP greeting",
			f"check the port ({_USUAL_PORTS['SMTP']}); the server may also be refusing this machine",
		) from None
	text = _smtp_text(message)
	if code != 220:
		_smtp_close(smtp)
		# smtplib keeps only what follows a three-digit code; look at the whole first line again.
		banner = _read_banner(peer, timeout) if code == -1 else ""
		other = _banner_protocol(banner)
		if other and other != "SMTP":
			raise _Failed(
				f"port {port} answers like {_A_SERVER[other]}, not SMTP: {banner!r}",
				f"check the port ({_USUAL_PORTS['SMTP']})",
			)
		if code in (421, 554):
			raise _Failed(
				f"the server turned the connection away: {code} {text}",
				"the server refuses connections from this machine right now (busy, or this machine's address "
				"is blocked): try later, or ask the provider",
			)
		raise _Failed(f"unexpected SMTP greeting: {code} {text}", f"check the port ({_USUAL_PORTS['SMTP']})")
	_smtp_ehlo(smtp)
	return smtp


def _smtp_ehlo(smtp: smtplib.SMTP) -> None:
	code, message = smtp.ehlo()
	if code != 250:
		raise _Failed(
			f"the server rejected EHLO {smtp.local_hostname!r}: {code} {_smtp_text(message)}",
			"the server does not accept this machine's name in the greeting: ask the mail provider",
		)


def _smtp_text(message: bytes | str | None) -> str:
	if isinstance(message, bytes):
		message = message.decode("utf-8", "replace")
	return " ".join((message or "").split())[:300]


def _smtp_banner(smtp: smtplib.SMTP) -> str:
	first = _smtp_text((smtp.ehlo_resp or b"").split(b"\n")[0])
	return f"server {first}" if first else "server answers"


def _smtp_close(smtp: smtplib.SMTP, polite: bool = False) -> None:
	"""Close the connection; send QUIT first only when `polite` (else a broken server could make us wait)."""
	try:
		if polite and smtp.sock:
			smtp.quit()
	except Exception:
		pass
	try:
		smtp.close()
	except Exception:
		pass


def _smtp_login(smtp: smtplib.SMTP, port: int, username: str, password: str, security: str) -> _Done:
	offered = smtp.esmtp_features.get("auth", "").strip()
	if not username:
		hint = ""
		if offered:
			hint = (
				f"the server offers login (AUTH {offered}); most servers only send mail for users who log in"
			)
		return _Done(None, "skipped: no user name given, so the server was not asked to log in", hint)
	if not password:
		raise _Failed("no password given", _NO_PASSWORD_HINT)
	if not smtp.has_extn("auth"):
		raise _Failed(
			f"the server offers no login (AUTH) on port {port}"
			+ (" before STARTTLS" if security == "none" else ""),
			_smtp_no_auth_hint(smtp, port, security),
		)
	try:
		smtp.login(username, password)
	except UnicodeEncodeError:
		raise _Failed(
			"the user name or password contains characters outside ASCII, which this login cannot send",
			"use a password made of plain letters, digits and punctuation (or an app password)",
		) from None
	except smtplib.SMTPAuthenticationError as exc:
		text = _smtp_text(exc.smtp_error)
		raise _Failed(
			f"login refused: {exc.smtp_code} {text}", _smtp_login_hint(exc.smtp_code, text, username)
		) from None
	except smtplib.SMTPNotSupportedError:
		raise _Failed(
			f"the server offers no login on port {port}", _smtp_no_auth_hint(smtp, port, security)
		) from None
	except smtplib.SMTPServerDisconnected:
		raise _Failed(
			"the server closed the connection during login", "try again later, or ask the provider"
		) from None
	except smtplib.SMTPException as exc:  # "No suitable authentication method found."
		raise _Failed(
			f"no common login method: the server offers {offered or 'none'} ({_describe(exc)})",
			"the server offers no password login this program can use: ask the provider (OAuth may be required)",
		) from None
	return _Done(None, f"logged in as {username}")


def _smtp_no_auth_hint(smtp: smtplib.SMTP, port: int, security: str) -> str:
	if security == "none" and smtp.has_extn("starttls"):
		return "the server offers login only after STARTTLS: turn on STARTTLS"
	return (
		f"port {port} takes no password (it may be for server-to-server mail): for sending with a password use "
		f"port {_STARTTLS_PORT['SMTP']} with STARTTLS or {_TLS_PORT['SMTP']} with SSL/TLS"
	)


def _smtp_login_hint(code: int, text: str, username: str) -> str:
	if "5.7.139" in text or re.search(r"SmtpClientAuthentication is disabled", text, re.I):
		return (
			"Microsoft 365 has SMTP login turned off for this mailbox or tenant: an Exchange administrator "
			"must allow 'Authenticated SMTP' for it, or use OAuth"
		)
	if code == 534 or re.search(r"application-specific password|app password", text, re.I):
		return "the provider wants an app password (or OAuth) instead of the account password: create one"
	if code in (530, 538):
		return "the server wants an encrypted connection before login: turn on STARTTLS or SSL/TLS"
	if code == 454 or 400 <= code < 500:
		return "the server could not check the login right now (a temporary failure): try again later"
	return (
		"the server refused the user name or password. Check both; for Gmail or Outlook use an app password "
		"or OAuth" + _address_hint(username)
	)


def _smtp_noop(smtp: smtplib.SMTP) -> _Done:
	code, message = smtp.noop()
	if code != 250:
		raise _Failed(f"the server answered NOOP with {code} {_smtp_text(message)}", "ask the mail provider")
	parts = [_smtp_banner(smtp), f"NOOP {code}"]
	size = smtp.esmtp_features.get("size", "").strip()
	if size.isdigit() and int(size):
		parts.append(f"accepts messages up to {int(size) / 1_048_576:.3g} MB")
	offered = smtp.esmtp_features.get("auth", "").strip()
	if offered:
		parts.append(f"login methods: {offered}")
	return _Done(None, "; ".join(parts))
