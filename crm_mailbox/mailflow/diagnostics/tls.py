"""TLS from the first byte, what a working TLS connection shows, and why a handshake failed.

A failure is explained by looking closer on a second, fresh connection: its plain-text banner, or its
certificate taken without verifying it (a context that is never used for a login).
"""

import socket
import ssl
from datetime import datetime, timezone

from .certificates import certificate_facts, certificate_failure
from .hints import A_SERVER, TLS_PORT, USUAL_PORTS
from .network import banner_protocol, read_banner
from .report import Failed, as_seconds, describe

_EXPIRY_WARNING_DAYS = 14


def handshake(
	sock: socket.socket, host: str, port: int, context: ssl.SSLContext, timeout: float, protocol: str
) -> ssl.SSLSocket:
	"""TLS from the first byte; a failure is explained, using a second connection to look closer."""
	peer = sock.getpeername()
	try:
		return context.wrap_socket(sock, server_hostname=host)
	except ssl.SSLCertVerificationError as exc:
		raise certificate_failure(exc, host, fetch_certificate(peer, host, timeout)) from None
	except TimeoutError:
		raise Failed(
			f"the TLS handshake got no answer within {as_seconds(timeout)}",
			f"the server on port {port} does not answer TLS: check SSL/TLS against the port "
			f"({USUAL_PORTS[protocol]})",
		) from None
	except (ssl.SSLError, ConnectionError) as exc:
		failure = exc
	reason = tls_reason(failure)
	banner = read_banner(peer, timeout)
	if banner:
		other = banner_protocol(banner)
		if other and other != protocol:
			raise Failed(
				f"TLS handshake failed ({reason}); port {port} answers like {A_SERVER[other]}: {banner!r}",
				f"port {port} is not an {protocol} port (it answers like {A_SERVER[other]}): check the port "
				f"({USUAL_PORTS[protocol]})",
			)
		raise Failed(
			f"TLS handshake failed ({reason}); the server answered in plain text: {banner!r}",
			f"the server did not speak TLS on port {port}: turn off SSL/TLS and use STARTTLS, "
			f"or use port {TLS_PORT[protocol]}",
		)
	if _is_protocol_version_problem(failure):
		raise Failed(
			f"TLS handshake failed ({reason})",
			"the server and this machine share no TLS version: the server likely offers only TLS 1.0/1.1, "
			"which is no longer safe; the server must be updated",
		)
	raise Failed(
		f"TLS handshake failed ({reason})",
		f"the server on port {port} refused TLS: check SSL/TLS against the port ({USUAL_PORTS[protocol]})",
	)


def tls_reason(exc: BaseException) -> str:
	reason = getattr(exc, "reason", None)
	if reason:
		return str(reason).replace("_", " ").lower()
	if isinstance(exc, ssl.SSLEOFError | ConnectionResetError | ConnectionAbortedError):
		return "the server closed the connection"
	return describe(exc)


def _is_protocol_version_problem(exc: BaseException) -> bool:
	reason = str(getattr(exc, "reason", "") or "")
	return reason in {
		"UNSUPPORTED_PROTOCOL",
		"TLSV1_ALERT_PROTOCOL_VERSION",
		"NO_PROTOCOLS_AVAILABLE",
		"VERSION_TOO_LOW",
	}


def tls_summary(tls: ssl.SSLSocket, context: ssl.SSLContext, host: str) -> tuple[str, str]:
	"""Detail and hint for a working TLS connection: version, certificate subject and expiry."""
	version = tls.version() or "TLS"
	facts = certificate_facts(tls.getpeercert(binary_form=True))
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


def no_greeting(peer: tuple, host: str, port: int, timeout: float, protocol: str, security: str) -> Failed:
	"""Explain a server that accepted the connection but said nothing: does it wait for TLS?"""
	if security != "ssl" and _look_at_tls(peer, host, timeout) is not None:
		return Failed(
			f"no greeting within {as_seconds(timeout)}, but the port answers a TLS handshake",
			f"port {port} expects TLS from the first byte: turn on SSL/TLS",
		)
	return Failed(
		f"the server accepted the connection but sent no {protocol} greeting within {as_seconds(timeout)}",
		f"the server is overloaded, or port {port} is not an {protocol} port: check the port "
		f"({USUAL_PORTS[protocol]})",
	)


def looking_context() -> ssl.SSLContext:
	"""A context that verifies nothing: only for looking at what a server presents, never for a login."""
	context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	context.check_hostname = False
	context.verify_mode = ssl.CERT_NONE
	return context


def fetch_certificate(peer: tuple, host: str, timeout: float) -> bytes | None:
	"""The server's certificate on a fresh connection, without verifying it, to describe what is wrong."""
	return _look_at_tls(peer, host, timeout) or None


def _look_at_tls(peer: tuple, host: str, timeout: float) -> bytes | None:
	"""A TLS handshake on a fresh connection, without verification: the certificate (b"" if the server sent
	none), or None when the port does not complete a handshake."""
	try:
		with socket.create_connection(peer[:2], timeout=timeout) as raw:
			with looking_context().wrap_socket(raw, server_hostname=host) as tls:
				return tls.getpeercert(binary_form=True) or b""
	except (OSError, ValueError):
		return None
