"""check_smtp(): connect as a mail client would, log in, and check the server listens. Sends no mail."""

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from .hints import (
	A_SERVER,
	APP_PASSWORD_HINT,
	NO_PASSWORD_HINT,
	NON_ASCII_PASSWORD_HINT,
	REFUSED_HINT,
	STARTTLS_PORT,
	TLS_PORT,
	USUAL_PORTS,
	address_hint,
	wants_app_password,
)
from .network import banner_protocol, read_banner
from .report import Done, Failed, Report, Runner, Step, describe, password_forms
from .session import Dialect, checked_security, open_session
from .tls import looking_context, no_greeting


def check_smtp(
	host: str,
	port: int,
	security: str,
	username: str,
	password: str,
	timeout: float = 8.0,
	ssl_context: ssl.SSLContext | None = None,
	on_step: Callable[[Step], Any] | None = None,
	deadline: float | None = None,
	login_disabled: bool = False,
) -> Report:
	"""Test an SMTP account: steps dns, tcp, tls, login, noop; stops at the first failure. Sends no mail.

	security: "ssl" (TLS from the first byte, port 465), "starttls" (port 587) or "none".
	With no username the login step is reported as skipped (and ok); a username without a password fails
	at the login step without asking the server.
	login_disabled: the account says not to log in (Frappe's "Disable SMTP server authentication").
	Frappe's SMTP session still logs in whenever a password is stored (frappe/email/smtp.py,
	SMTPServer.session), and so does this check, saying why; without a password it skips the login.
	"""
	security = checked_security(security)
	secrets = password_forms(username, password)
	if login_disabled and not password:
		username = ""
	with Runner(timeout, on_step=on_step, deadline=deadline, secrets=secrets) as run:
		smtp = open_session(run, _SMTP_DIALECT, host, port, security, ssl_context, timeout)
		run("login", _login, smtp, port, username, password, security, login_disabled)
		run("noop", _noop, smtp)
	return run.report(secrets=secrets)


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


# --- greeting and TLS ------------------------------------------------------------------------------


def _greeting(
	sock: socket.socket, host: str, port: int, timeout: float, peer: tuple, security: str
) -> smtplib.SMTP:
	smtp = _SMTP(sock, host, timeout)
	try:
		code, message = smtp.connect(host, port)
	except smtplib.SMTPServerDisconnected as exc:
		_close(smtp)
		if isinstance(exc.__context__, TimeoutError):
			raise no_greeting(peer, host, port, timeout, "SMTP", security) from None
		raise Failed(
			"the server closed the connection without an SMTP greeting",
			f"check the port ({USUAL_PORTS['SMTP']}); the server may also be refusing this machine",
		) from None
	text = _text(message)
	if code != 220:
		_close(smtp)
		# smtplib keeps only what follows a three-digit code; look at the whole first line again.
		banner = read_banner(peer, timeout) if code == -1 else ""
		other = banner_protocol(banner)
		if other and other != "SMTP":
			raise Failed(
				f"port {port} answers like {A_SERVER[other]}, not SMTP: {banner!r}",
				f"check the port ({USUAL_PORTS['SMTP']})",
			)
		if code in (421, 554):
			raise Failed(
				f"the server turned the connection away: {code} {text}",
				"the server refuses connections from this machine right now (busy, or this machine's address "
				"is blocked): try later, or ask the provider",
			)
		raise Failed(f"unexpected SMTP greeting: {code} {text}", f"check the port ({USUAL_PORTS['SMTP']})")
	_ehlo(smtp)
	return smtp


def _ehlo(smtp: smtplib.SMTP) -> None:
	code, message = smtp.ehlo()
	if code != 250:
		raise Failed(
			f"the server rejected EHLO {smtp.local_hostname!r}: {code} {_text(message)}",
			"the server does not accept this machine's name in the greeting: ask the mail provider",
		)


def _starttls(smtp: smtplib.SMTP, context: ssl.SSLContext) -> Failed | None:
	try:
		smtp.starttls(context=context)
	except smtplib.SMTPResponseException as exc:
		return Failed(
			f"the server refused STARTTLS: {exc.smtp_code} {_text(exc.smtp_error)}",
			f"use SSL/TLS on port {TLS_PORT['SMTP']} instead",
		)
	_ehlo(smtp)
	return None


def _starttls_certificate(peer: tuple, host: str, port: int, timeout: float) -> bytes | None:
	"""The certificate behind STARTTLS on a fresh connection, without verifying it."""
	try:
		smtp = _SMTP(socket.create_connection(peer[:2], timeout=timeout), host, timeout)
	except OSError:
		return None
	try:
		smtp.connect(host, port)
		smtp.starttls(context=looking_context())
		return smtp.sock.getpeercert(binary_form=True)
	except Exception:
		return None
	finally:
		_close(smtp)


def _close(smtp: smtplib.SMTP, polite: bool = False) -> None:
	"""Close the connection; send QUIT first only when `polite` (else a broken server could make us wait)."""
	if polite and smtp.sock:
		with suppress(Exception):
			smtp.quit()
	with suppress(Exception):
		smtp.close()


def _text(message: bytes | str | None) -> str:
	if isinstance(message, bytes):
		message = message.decode("utf-8", "replace")
	return " ".join((message or "").split())[:300]


def _banner(smtp: smtplib.SMTP) -> str:
	first = _text((smtp.ehlo_resp or b"").split(b"\n")[0])
	return f"server {first}" if first else "server answers"


_SMTP_DIALECT = Dialect(
	protocol="SMTP",
	greet=_greeting,
	welcome=_banner,
	offers_starttls=lambda smtp: smtp.has_extn("starttls"),
	starttls=_starttls,
	starttls_certificate=_starttls_certificate,
	close=_close,
	clear_text_hint="the connection is not encrypted: a password would travel in clear text",
	no_starttls_hint=(
		f"turn off STARTTLS and use SSL/TLS on port {TLS_PORT['SMTP']}, or ask the provider which port "
		f"offers STARTTLS (usually {STARTTLS_PORT['SMTP']})"
	),
)


# --- login and noop --------------------------------------------------------------------------------


LOGIN_DESPITE_DISABLED = (
	"'Disable SMTP server authentication' is ticked, but a password is stored, and Frappe logs in "
	"whenever one is: clear the password to send without logging in"
)


def _login(
	smtp: smtplib.SMTP, port: int, username: str, password: str, security: str, login_disabled: bool = False
) -> Done:
	if login_disabled and not username:
		return Done(
			None,
			"skipped: SMTP authentication is disabled and no password is stored, so Frappe does not log in",
		)
	if not login_disabled:
		return _password_login(smtp, port, username, password, security)
	try:
		done = _password_login(smtp, port, username, password, security)
	except Failed as failed:
		raise Failed(
			failed.detail,
			f"{LOGIN_DESPITE_DISABLED}; or {failed.hint}" if failed.hint else LOGIN_DESPITE_DISABLED,
		) from None
	return Done(
		done.value,
		f"{done.detail} (a password is stored: Frappe logs in although SMTP authentication is disabled)",
	)


def _password_login(smtp: smtplib.SMTP, port: int, username: str, password: str, security: str) -> Done:
	offered = smtp.esmtp_features.get("auth", "").strip()
	if not username:
		hint = ""
		if offered:
			hint = (
				f"the server offers login (AUTH {offered}); most servers only send mail for users who log in"
			)
		return Done(None, "skipped: no user name given, so the server was not asked to log in", hint)
	if not password:
		raise Failed("no password given", NO_PASSWORD_HINT)
	if not smtp.has_extn("auth"):
		raise Failed(
			f"the server offers no login (AUTH) on port {port}"
			+ (" before STARTTLS" if security == "none" else ""),
			_no_auth_hint(smtp, port, security),
		)
	try:
		smtp.login(username, password)
	except UnicodeEncodeError:
		raise Failed(
			"the user name or password contains characters outside ASCII, which this login cannot send",
			NON_ASCII_PASSWORD_HINT,
		) from None
	except smtplib.SMTPAuthenticationError as exc:
		text = _text(exc.smtp_error)
		raise Failed(
			f"login refused: {exc.smtp_code} {text}", _login_hint(exc.smtp_code, text, username)
		) from None
	except smtplib.SMTPNotSupportedError:
		raise Failed(
			f"the server offers no login on port {port}", _no_auth_hint(smtp, port, security)
		) from None
	except smtplib.SMTPServerDisconnected:
		raise Failed(
			"the server closed the connection during login", "try again later, or ask the provider"
		) from None
	except smtplib.SMTPException as exc:  # "No suitable authentication method found."
		raise Failed(
			f"no common login method: the server offers {offered or 'none'} ({describe(exc)})",
			"the server offers no password login this program can use: ask the provider (OAuth may be required)",
		) from None
	return Done(None, f"logged in as {username}")


def _no_auth_hint(smtp: smtplib.SMTP, port: int, security: str) -> str:
	if security == "none" and smtp.has_extn("starttls"):
		return "the server offers login only after STARTTLS: turn on STARTTLS"
	return (
		f"port {port} takes no password (it may be for server-to-server mail): for sending with a password use "
		f"port {STARTTLS_PORT['SMTP']} with STARTTLS or {TLS_PORT['SMTP']} with SSL/TLS"
	)


def _login_hint(code: int, text: str, username: str) -> str:
	if "5.7.139" in text or re.search(r"SmtpClientAuthentication is disabled", text, re.I):
		return (
			"Microsoft 365 has SMTP login turned off for this mailbox or tenant: an Exchange administrator "
			"must allow 'Authenticated SMTP' for it, or use OAuth"
		)
	if code == 534 or wants_app_password(text):
		return APP_PASSWORD_HINT
	if code in (530, 538):
		return "the server wants an encrypted connection before login: turn on STARTTLS or SSL/TLS"
	if code == 454 or 400 <= code < 500:
		return "the server could not check the login right now (a temporary failure): try again later"
	return REFUSED_HINT + address_hint(username)


def _noop(smtp: smtplib.SMTP) -> Done:
	code, message = smtp.noop()
	if code != 250:
		raise Failed(f"the server answered NOOP with {code} {_text(message)}", "ask the mail provider")
	parts = [_banner(smtp), f"NOOP {code}"]
	size = smtp.esmtp_features.get("size", "").strip()
	if size.isdigit() and int(size):
		parts.append(f"accepts messages up to {int(size) / 1_048_576:.3g} MB")
	offered = smtp.esmtp_features.get("auth", "").strip()
	if offered:
		parts.append(f"login methods: {offered}")
	return Done(None, "; ".join(parts))
