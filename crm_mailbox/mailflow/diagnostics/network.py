"""The dns and tcp steps, and a look at what answers on a port when it is not what was expected."""

import re
import socket
import threading
from typing import Any

from .hints import USUAL_PORTS
from .report import Done, Failed, as_seconds, describe


def resolve(host: str, port: int, timeout: float) -> Done:
	if not host or not host.strip():
		raise Failed("no server address given", "enter the mail server's name, for example imap.example.com")
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
		raise Failed(
			f"no answer from DNS about {host!r} within {as_seconds(timeout)}",
			"the DNS servers of this machine do not answer in time: check its network and DNS settings, or try again",
		)
	error = result.get("error")
	if error is None:
		infos = result["infos"]
		addresses = list(dict.fromkeys(info[4][0] for info in infos))
		if addresses == [host]:
			return Done(infos, f"{host} is an IP address: nothing to look up")
		return Done(infos, f"{host} resolves to {', '.join(addresses)}")
	input_hint = _host_input_hint(host)
	if isinstance(error, UnicodeError):
		raise Failed(
			f"{host!r} is not a valid server name", input_hint or "check the server address for typos"
		)
	if not isinstance(error, socket.gaierror):
		raise error
	if error.errno in _gai_codes("EAI_AGAIN"):
		raise Failed(
			f"DNS could not look up {host!r} right now ({error.strerror})",
			"a temporary DNS failure: try again; if it persists, check this machine's DNS settings",
		)
	if error.errno in _gai_codes("EAI_NONAME", "EAI_NODATA", "EAI_ADDRFAMILY", "EAI_FAIL"):
		raise Failed(
			f"the name {host!r} does not resolve ({error.strerror})",
			input_hint or f"the name {host} does not resolve: check the server address for typos",
		)
	raise Failed(f"looking up {host!r} failed: {error.strerror}", input_hint or "check the server address")


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


def connect(host: str, port: int, infos: list, timeout: float, protocol: str) -> Done:
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
		return Done(sock, f"connected to {address[0]} port {port}")

	detail = "; ".join(f"{address}: {_connect_error(exc, timeout)}" for address, exc in failures)
	advice = f"check the port ({USUAL_PORTS[protocol]}) and any firewall"
	if all(isinstance(exc, ConnectionRefusedError) for _address, exc in failures):
		hint = f"nothing answers on port {port} at {host}: {advice}"
	elif any(isinstance(exc, TimeoutError) for _address, exc in failures):
		hint = (
			f"nothing answered on port {port} at {host} within {as_seconds(timeout)}: a firewall may drop "
			f"the connection, or the port is wrong; {advice}"
		)
	else:
		hint = (
			f"this machine cannot reach {host} on port {port}: check the network, the port and any firewall"
		)
	raise Failed(detail or "no address to connect to", hint)


def _connect_error(exc: OSError, timeout: float) -> str:
	if isinstance(exc, ConnectionRefusedError):
		return "connection refused"
	if isinstance(exc, TimeoutError):
		return f"no answer within {as_seconds(timeout)}"
	return exc.strerror or describe(exc)


def read_banner(peer: tuple, timeout: float) -> str:
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


def banner_protocol(banner: str) -> str | None:
	"""The protocol a server's first line belongs to ("IMAP", "POP3", "SMTP", "SSH"), or None."""
	if re.match(r"\* (OK|PREAUTH|BYE)\b", banner, re.I):
		return "IMAP"
	if banner.startswith(("+OK", "-ERR")):
		return "POP3"
	if re.match(r"\d{3}[ -]", banner):
		return "SMTP"
	if banner.startswith("SSH-"):
		return "SSH"
	return None
