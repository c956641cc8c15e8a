"""Never two pulls of one mailbox at once: a Redis lease per (site, Email Account).

Whoever pulls a mailbox (the intake process, the scheduler fallback, a bench command) holds its
lease, and renews it while it works; a holder that dies lets go when the lease expires, so another
process takes the mailbox over. Renew and release compare the holder first (a Lua script, atomic),
so a process whose lease expired and was taken never renews or drops the new holder's.
"""

from __future__ import annotations

import os
import socket

import frappe

DEFAULT_TTL = 90  # seconds

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
	return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
	return redis.call('del', KEYS[1])
end
return 0
"""


def key(account: str, site: str | None = None) -> str:
	return f"crm_mailbox:intake:{site or frappe.local.site}:{account}"


def default_holder(role: str = "pull") -> str:
	"""A name for this process, readable in the health view: role, host and process id."""
	return f"{role}@{socket.gethostname()}:{os.getpid()}"


def acquire(account: str, holder: str, ttl: int = DEFAULT_TTL) -> bool:
	"""Take the mailbox's lease for `ttl` seconds; False when another holder has it.

	The holder that already has it gets it renewed (True).
	"""
	# raw SET NX PX (set_value has no NX); the key names its site itself (key())
	if frappe.cache.set(key(account), holder, nx=True, px=int(ttl * 1000)):  # nosemgrep
		return True
	return renew(account, holder, ttl)


def renew(account: str, holder: str, ttl: int = DEFAULT_TTL) -> bool:
	"""Extend the lease; False when it is no longer ours (expired, or taken by another holder)."""
	return bool(frappe.cache.eval(_RENEW, 1, key(account), holder, int(ttl * 1000)))


def release(account: str, holder: str) -> None:
	"""Let go of the lease if it is still ours."""
	frappe.cache.eval(_RELEASE, 1, key(account), holder)


def holder_of(account: str) -> str | None:
	"""Who holds the mailbox's lease now, or None."""
	# raw GET of the key acquire() wrote; the key names its site itself (key())
	value = frappe.cache.get(key(account))  # nosemgrep
	return value.decode() if isinstance(value, bytes) else value
