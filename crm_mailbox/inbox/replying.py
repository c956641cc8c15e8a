"""Collision notice: who is writing a reply to a thread right now, told to the thread's other readers.

The inbox page announces when a user opens the reply composer on a thread (again every minute while
it stays open) and when it closes. Marks live in the cache and lapse on their own, so a browser
that closed without a word leaves no notice behind. Events go to the user rooms of the mailbox's
audience (inbox.realtime), never the whole site; the page escapes the name it shows.
"""

from __future__ import annotations

import time

import frappe

from crm_mailbox.inbox.realtime import audience

EVENT = "crm_mailbox_replying"
# a composer left open announces itself every minute (the page's timer): two misses and it lapses
LAPSES_AFTER = 150


def cache_key(thread: str) -> str:
	return f"crm_mailbox:replying:{thread}"


def marks(thread: str) -> dict[str, float]:
	"""The users replying to this thread, with the time of their last word; lapsed marks dropped."""
	now = time.time()
	stored = frappe.cache.get_value(cache_key(thread)) or {}
	return {user: at for user, at in stored.items() if now - at < LAPSES_AFTER}


def announce(thread, user: str, active: bool) -> None:
	"""Record that `user` started (or stopped) replying to the thread document, and tell its readers."""
	current = marks(thread.name)
	if active:
		current[user] = time.time()
	else:
		current.pop(user, None)
	frappe.cache.set_value(cache_key(thread.name), current, expires_in_sec=LAPSES_AFTER)
	message = {"thread": thread.name, "user": user, "full_name": full_name(user), "active": active}
	for reader in audience(thread.email_account):
		if reader != user:
			frappe.publish_realtime(EVENT, message, user=reader, after_commit=True)


def others(thread: str, user: str) -> list[dict]:
	"""Who else is replying to the thread now: what the page shows when it opens the thread."""
	return [{"user": u, "full_name": full_name(u)} for u in marks(thread) if u != user]


def full_name(user: str) -> str:
	# a colleague's full name is shown across the desk (assignments, timelines): an internal read is fine
	return frappe.db.get_value("User", user, "full_name") or user
