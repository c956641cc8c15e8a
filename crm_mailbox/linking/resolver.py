"""Resolve an email's links: decide whose addresses count, fetch candidates, apply precedence."""

from __future__ import annotations

import frappe

from crm_mailbox.mailboxes.settings import get_mailbox
from crm_mailbox.mailflow.addresses import matching_key, parse_address_list
from crm_mailbox.mailflow.precedence import Resolution, left_out, only_parties, pick_opportunities, resolve

from . import candidates

OWN_ADDRESSES_KEY = "crm_mailbox:own_addresses"


def own_addresses() -> set[str]:
	"""Matching keys of this site's mailboxes: never a customer's address."""
	keys = frappe.cache.get_value(OWN_ADDRESSES_KEY)
	if keys is None:
		keys = sorted({matching_key(e) for e in frappe.get_all("Email Account", pluck="email_id") if e})
		frappe.cache.set_value(OWN_ADDRESSES_KEY, keys)
	return set(keys)


def forget_own_addresses() -> None:
	"""Called when an Email Account is saved or deleted."""
	frappe.cache.delete_value(OWN_ADDRESSES_KEY)


def deciding_addresses(doc) -> list[str]:
	"""For incoming mail the sender decides; for outgoing mail the recipients do."""
	if doc.sent_or_received == "Received":
		values = [doc.sender]
	else:
		values = [doc.recipients, doc.cc, doc.bcc]
	mine = own_addresses() if doc.sent_or_received != "Received" else set()
	return [a.address for a in parse_address_list(*values) if a.key not in mine]


def thread_ids(doc) -> list[str]:
	ids = [line.strip() for line in (doc.get("crm_thread_ids") or "").splitlines() if line.strip()]
	if doc.get("in_reply_to"):
		parent_message_id = frappe.db.get_value("Communication", doc.in_reply_to, "message_id")
		if parent_message_id and parent_message_id not in ids:
			ids.insert(0, parent_message_id)
	return ids


def left_out_doctype(doc) -> str | None:
	"""The party DocType the email's mailbox never links (its Link Mail To setting), if any."""
	box = get_mailbox(doc.get("email_account"))
	return left_out(box.link_parties) if box else None


def resolve_links(doc) -> Resolution:
	addresses = deciding_addresses(doc)
	found = candidates.fetch(addresses)
	box = get_mailbox(doc.get("email_account"))
	leads, contacts, customers, threads = only_parties(
		box.link_parties if box else "",
		found.leads,
		found.contacts,
		found.customers,
		candidates.thread_links(thread_ids(doc)),
	)
	result = resolve(addresses, leads=leads, contacts=contacts, customers=customers, thread_links=threads)
	forms = candidates.address_forms(addresses)
	pick_opportunities(result, candidates.open_opportunities(result.parties(), forms))
	return result
