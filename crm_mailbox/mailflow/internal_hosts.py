"""Which server names point into this machine or its private network (a server-side request's target).

A member who connects their own mailbox chooses its servers; Frappe then connects to them from the
server, and Test Connection reports what answered. Pointed at 127.0.0.1, 10.x or 169.254.169.254 that
is a port scanner with banners for the machine's neighbours. `internal_addresses` says which of a
name's addresses are not on the public internet; resolving is passed in, so tests need no network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable


def system_resolve(host: str) -> list[str]:
	"""The addresses the system resolver gives for `host`; [] when it does not resolve."""
	try:
		infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
	except (OSError, UnicodeError):
		return []
	return [info[4][0] for info in infos]


def is_internal(address: str) -> bool:
	"""Loopback, private, link-local, reserved or unparsable: anything but a public address."""
	try:
		ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0)
	except ValueError:
		return True
	if ip.version == 6 and ip.ipv4_mapped:
		ip = ip.ipv4_mapped
	return not ip.is_global


def internal_addresses(host: str, resolve: Callable[[str], Iterable[str]] = system_resolve) -> list[str]:
	"""The addresses of `host` that are not public (an IP literal is its own address)."""
	return sorted({a for a in resolve(host) if is_internal(a)})
