"""check_imap(): connect as a mail client would, log in, and open the folder that will be read."""

import imaplib
import re
import socket
import ssl
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from .folders import Folder, find_folder, not_found_hint, parse_list, quoted, wire_name
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
from .network import banner_protocol
from .report import Done, Failed, Report, Runner, Step, password_forms
from .session import Dialect, checked_security, open_session
from .tls import looking_context, no_greeting, tls_reason


def check_imap(
	host: str,
	port: int,
	security: str,
	username: str,
	password: str,
	folder: str = "INBOX",
	timeout: float = 8.0,
	ssl_context: ssl.SSLContext | None = None,
	on_step: Callable[[Step], Any] | None = None,
	deadline: float | None = None,
) -> Report:
	"""Test an IMAP account: steps dns, tcp, tls, login, folder; stops at the first failure.

	security: "ssl" (TLS from the first byte, port 993), "starttls" (port 143) or "none".
	ssl_context: how to verify the server; by default the system's trusted authorities and the host name.
	With no username (e.g. an OAuth account) the login step is reported as skipped (and ok), and the folder
	step is not run; a username without a password fails at the login step without asking the server.
	"""
	security = checked_security(security)
	secrets = password_forms(username, password)
	with Runner(timeout, on_step=on_step, deadline=deadline, secrets=secrets) as run:
		conn = open_session(run, _IMAP_DIALECT, host, port, security, ssl_context, timeout)
		run("login", _login, conn, username, password)
		if username:  # without a login there is no folder to look at
			run("folder", _open_folder, conn, folder or "INBOX")
	return run.report(secrets=secrets)


class _IMAP(imaplib.IMAP4):
	"""imaplib on a socket that is already connected (and, for SSL/TLS, already encrypted)."""

	def __init__(self, sock: socket.socket, host: str, port: int, timeout: float):
		self._connected_socket = sock
		super().__init__(host, port, timeout)
		self.debug = 0  # imaplib's debug output would show the LOGIN command, password included

	def _create_socket(self, timeout: float | None = None) -> socket.socket:
		return self._connected_socket


# --- greeting and TLS ------------------------------------------------------------------------------


def _greeting(
	sock: socket.socket, host: str, port: int, timeout: float, peer: tuple, security: str
) -> imaplib.IMAP4:
	try:
		return _IMAP(sock, host, port, timeout)
	except TimeoutError:
		sock.close()
		raise no_greeting(peer, host, port, timeout, "IMAP", security) from None
	except imaplib.IMAP4.error as exc:  # includes abort: closed, or not an IMAP greeting
		sock.close()
		text = _server_text(exc)
		unexpected = re.fullmatch(r"unexpected response: b?(['\"])(.*)\1", text)
		banner = unexpected.group(2) if unexpected else text
		other = banner_protocol(banner)
		if other and other != "IMAP":
			raise Failed(
				f"port {port} answers like {A_SERVER[other]}, not IMAP: {banner!r}",
				f"check the port ({USUAL_PORTS['IMAP']})",
			) from None
		if "EOF" in text:
			raise Failed(
				"the server closed the connection without an IMAP greeting",
				f"check the port ({USUAL_PORTS['IMAP']}); the server may also be refusing this machine",
			) from None
		raise Failed(
			f"the server did not accept the connection: {text}",
			"the server turned the connection away (too many connections, or this machine is blocked): "
			"try again later, or ask the provider",
		) from None
	except (ssl.SSLError, ConnectionError) as exc:
		sock.close()
		raise Failed(
			f"the connection broke before the greeting ({tls_reason(exc)})",
			f"check SSL/TLS and the port ({USUAL_PORTS['IMAP']})",
		) from None


def _welcome(conn: imaplib.IMAP4) -> str:
	welcome = (
		conn.welcome.decode("utf-8", "replace") if isinstance(conn.welcome, bytes) else str(conn.welcome)
	)
	welcome = re.sub(r"\[CAPABILITY [^\]]*\]\s*", "", welcome)
	return f"server greeting: {welcome.strip()[:200]}"


def _starttls(conn: imaplib.IMAP4, context: ssl.SSLContext) -> Failed | None:
	try:
		conn.starttls(ssl_context=context)
	except imaplib.IMAP4.error as exc:
		return Failed(
			f"the server refused STARTTLS: {_server_text(exc)}",
			f"use SSL/TLS on port {TLS_PORT['IMAP']} instead",
		)
	return None


def _starttls_certificate(peer: tuple, host: str, port: int, timeout: float) -> bytes | None:
	"""The certificate behind STARTTLS on a fresh connection, without verifying it."""
	try:
		conn = _IMAP(socket.create_connection(peer[:2], timeout=timeout), host, port, timeout)
	except Exception:
		return None
	try:
		conn.starttls(ssl_context=looking_context())
		return conn.sock.getpeercert(binary_form=True)
	except Exception:
		return None
	finally:
		_close(conn)


def _close(conn: imaplib.IMAP4, polite: bool = False) -> None:
	"""Close the connection; log out first only when `polite` (else a broken server could make us wait)."""
	if polite and conn.state in ("AUTH", "SELECTED"):
		with suppress(Exception):
			conn.logout()
	with suppress(Exception):
		conn.shutdown()


_IMAP_DIALECT = Dialect(
	protocol="IMAP",
	greet=_greeting,
	welcome=_welcome,
	offers_starttls=lambda conn: "STARTTLS" in conn.capabilities,
	starttls=_starttls,
	starttls_certificate=_starttls_certificate,
	close=_close,
	clear_text_hint="the connection is not encrypted: the password travels in clear text",
	no_starttls_hint=(
		f"turn off STARTTLS and use SSL/TLS on port {TLS_PORT['IMAP']}, or ask the provider which "
		"secure port to use"
	),
)


def _server_text(exc: BaseException) -> str:
	arg = exc.args[0] if exc.args else ""
	if isinstance(arg, bytes):
		return arg.decode("utf-8", "replace")
	text = str(arg)
	match = re.fullmatch(r"b(['\"])(.*)\1", text)  # imaplib sometimes formats the server's bytes
	return match.group(2) if match else text


# --- login -----------------------------------------------------------------------------------------

_LOGIN_HINTS = {
	"PRIVACYREQUIRED": "the server only accepts the password on an encrypted connection: turn on SSL/TLS or "
	"STARTTLS",
	"EXPIRED": "the password or account has expired: renew it with the mail provider",
	"UNAVAILABLE": "the server cannot log anyone in right now (a temporary failure): try again later",
	"CONTACTADMIN": "the provider blocks this login: contact the mail administrator",
	"LIMIT": "too many connections for this account: close other mail programs or wait a few minutes",
	"AUTHORIZATIONFAILED": "the user name and password are right, but this user may not open the mailbox",
}


def _login(conn: imaplib.IMAP4, username: str, password: str) -> Done:
	if not username:
		return Done(
			None,
			"skipped: no user name given, so the server was not asked to log in (nor the folder checked)",
			"" if password else "a normal IMAP account needs a user name, usually the full email address",
		)
	if not password:
		raise Failed("no password given", NO_PASSWORD_HINT)
	if "LOGINDISABLED" in conn.capabilities:
		raise Failed(
			"the server announces LOGINDISABLED: it takes no password over an unencrypted connection",
			f"turn on SSL/TLS (port {TLS_PORT['IMAP']}) or STARTTLS (port {STARTTLS_PORT['IMAP']})",
		)
	try:
		conn.login(username, password)
	except UnicodeEncodeError:
		raise Failed(
			"the user name or password contains characters outside ASCII, which IMAP LOGIN cannot send",
			NON_ASCII_PASSWORD_HINT,
		) from None
	except imaplib.IMAP4.abort as exc:
		raise Failed(
			f"the server closed the connection during login: {_server_text(exc)}",
			"the server dropped the connection: try again later, or ask the provider",
		) from None
	except imaplib.IMAP4.error as exc:
		text = _server_text(exc)
		raise Failed(f"login refused: {text}", _login_hint(text, username)) from None
	return Done(None, f"logged in as {username}")


def _login_hint(text: str, username: str) -> str:
	code = re.match(r"\s*\[([A-Z-]+)", text)
	hint = _LOGIN_HINTS.get(code.group(1)) if code else None
	if hint is None:
		hint = APP_PASSWORD_HINT if wants_app_password(text) else REFUSED_HINT
	return hint + address_hint(username)


# --- folder ----------------------------------------------------------------------------------------


def _open_folder(conn: imaplib.IMAP4, folder: str) -> Done:
	wire = wire_name(folder)
	try:
		typ, data = conn.select(quoted(wire), readonly=True)
	except imaplib.IMAP4.abort:
		raise
	except imaplib.IMAP4.error as exc:  # BAD: the server could not even parse the name
		typ, data = "BAD", [_server_text(exc).encode()]
	if typ == "OK":
		count = int(data[0]) if data and data[0] and data[0].isdigit() else 0
		uidvalidity = _untagged(conn, "UIDVALIDITY")
		hint = ""
		if wire != folder:
			hint = (
				f"the server spells this folder '{wire}' (IMAP encoding); enter that spelling wherever a "
				"program sends the folder name to the server unencoded"
			)
		messages = "1 message" if count == 1 else f"{count} messages"
		return Done(None, f"folder '{folder}': {messages}, UIDVALIDITY {uidvalidity or 'not given'}", hint)

	server_says = (data[-1] or b"").decode("utf-8", "replace") if data else ""
	folders = _list_folders(conn)
	if folders is None:
		raise Failed(
			f"the server could not open folder '{folder}': {server_says}",
			"check the folder name (the server would not list its folders either)",
		)
	found = find_folder(folders, folder, wire)
	if found:
		if "\\noselect" in found.flags or "\\nonexistent" in found.flags:
			raise Failed(
				f"folder '{folder}' exists but cannot be opened ({server_says})",
				f"'{folder}' only holds other folders: pick one of its subfolders",
			)
		raise Failed(f"the server refused to open folder '{folder}': {server_says}", "ask the provider")
	raise Failed(f"folder '{folder}' not found ({server_says})", not_found_hint(folder, folders))


def _untagged(conn: imaplib.IMAP4, name: str) -> str:
	_typ, values = conn.response(name)
	value = values[-1] if values else None
	return value.decode("ascii", "replace") if isinstance(value, bytes) else ""


def _list_folders(conn: imaplib.IMAP4) -> list[Folder] | None:
	"""The server's folders, or None when it will not list them."""
	try:
		typ, data = conn.list('""', "*")
	except imaplib.IMAP4.error:
		return None
	if typ != "OK":
		return None
	return parse_list(data)
