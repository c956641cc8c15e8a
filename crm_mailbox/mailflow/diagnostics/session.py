"""The steps every check takes before it speaks its own protocol: dns, tcp, and tls.

The tls step follows the account's security setting: "ssl" (TLS from the first byte), "starttls" (a plain
greeting, then an upgrade) or "none". What differs between IMAP and SMTP is given as a Dialect.
"""

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .certificates import certificate_failure
from .network import connect, resolve
from .report import Done, Failed, Runner
from .tls import handshake, tls_reason, tls_summary

SECURITY_CHOICES = ("ssl", "starttls", "none")


def checked_security(security: str) -> str:
	value = (security or "").strip().lower()
	if value not in SECURITY_CHOICES:
		raise ValueError(f"security must be one of {', '.join(SECURITY_CHOICES)}, not {security!r}")
	return value


@dataclass(frozen=True)
class Dialect:
	"""How one protocol (IMAP or SMTP) greets, offers and starts TLS, and says goodbye."""

	protocol: str
	# (sock, host, port, timeout, peer, security) -> a client that has read the greeting; raises Failed
	greet: Callable[[socket.socket, str, int, float, tuple, str], Any]
	welcome: Callable[[Any], str]  # what the server said, for a detail
	offers_starttls: Callable[[Any], bool]
	# (client, context) -> None once TLS is up, or the server's refusal, returned so that the client is
	# closed before it is raised (a Failed raised in here, e.g. by SMTP's EHLO after the upgrade, passes on)
	starttls: Callable[[Any, ssl.SSLContext], Failed | None]
	# (peer, host, port, timeout) -> the certificate behind STARTTLS on a fresh connection, unverified
	starttls_certificate: Callable[[tuple, str, int, float], bytes | None]
	close: Callable[..., None]  # (client, polite=False)
	clear_text_hint: str
	no_starttls_hint: str


def open_session(
	run: Runner,
	dialect: Dialect,
	host: str,
	port: int,
	security: str,
	ssl_context: ssl.SSLContext | None,
	timeout: float,
) -> Any:
	"""Steps dns, tcp and tls; the client is closed when `run` ends (politely if no step failed)."""
	infos = run("dns", resolve, host, port, timeout)
	sock = run("tcp", connect, host, port, infos, timeout, dialect.protocol)
	run.on_exit(sock.close)
	context = ssl_context or ssl.create_default_context()
	client = run("tls", _secure, dialect, sock, host, port, security, context, timeout)
	run.on_exit(lambda: dialect.close(client, polite=run.all_ok))
	return client


def _secure(
	dialect: Dialect,
	sock: socket.socket,
	host: str,
	port: int,
	security: str,
	context: ssl.SSLContext,
	timeout: float,
) -> Done:
	peer = sock.getpeername()
	if security == "ssl":
		tls = handshake(sock, host, port, context, timeout, dialect.protocol)
		detail, hint = tls_summary(tls, context, host)
		client = dialect.greet(tls, host, port, timeout, peer, security)
		return Done(client, detail, hint)

	client = dialect.greet(sock, host, port, timeout, peer, security)
	if security == "none":
		hint = dialect.clear_text_hint
		if dialect.offers_starttls(client):
			hint += "; the server offers STARTTLS, turn it on"
		return Done(client, f"not encrypted (security: none); {dialect.welcome(client)}", hint)

	if not dialect.offers_starttls(client):
		dialect.close(client)
		raise Failed(
			f"the server does not offer STARTTLS on port {port} ({dialect.welcome(client)})",
			dialect.no_starttls_hint,
		)
	try:
		refusal = dialect.starttls(client, context)
	except ssl.SSLCertVerificationError as exc:
		dialect.close(client)
		certificate = dialect.starttls_certificate(peer, host, port, timeout)
		raise certificate_failure(exc, host, certificate) from None
	except (ssl.SSLError, ConnectionError) as exc:
		dialect.close(client)
		raise Failed(
			f"the TLS handshake after STARTTLS failed ({tls_reason(exc)})",
			"the server's TLS setup is broken or too old: ask the mail provider",
		) from None
	if refusal is not None:
		dialect.close(client)
		raise refusal
	detail, hint = tls_summary(client.sock, context, host)
	return Done(client, f"STARTTLS, {detail}", hint)
