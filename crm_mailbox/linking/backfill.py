"""Link earlier emails when a Lead, Contact or Customer gains an address or a domain.

Idempotent: an email's links are resolved again and only what is missing is written, so running
twice changes nothing the second time. Additive: no earlier link is taken away, and decisions made
by hand are left alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import Order

from crm_mailbox.long_work import Progress
from crm_mailbox.mailflow.precedence import LINKED, Link

from . import candidates, resolver, store

BATCH_LIMIT = 5000
QUIET_BACKFILL = 50  # emails a backfill links without showing progress


@dataclass
class Change:
	communication: str
	subject: str
	link: Link


def relink(names: list[str], dry_run: bool = False, progress: Progress | None = None) -> list[Change]:
	"""Resolve these emails again; write (unless dry_run) and return what changed."""
	result: list[Change] = []
	for name in names:
		try:
			result.extend(_relink_one(name, dry_run))
		except Exception:
			frappe.log_error(
				title="crm_mailbox: relinking an email failed",
				reference_doctype="Communication",
				reference_name=name,
			)
		if progress:
			progress.advance()
	return result


def _relink_one(name: str, dry_run: bool) -> list[Change]:
	doc = frappe.get_doc("Communication", name)
	resolution = resolver.resolve_links(doc)
	# Additive only: earlier mail keeps the links it had (a converted lead keeps its history);
	# it only gains the records that now match.
	decided = [link for link in resolution.all() if link.status == LINKED]
	todo = [link for link, _exists in store.changes(name, decided)]
	if todo and not dry_run:
		store.record(name, todo)
		store.sync_timeline(name, todo)
	return [Change(name, doc.subject or "", link) for link in todo]


def emails_for(
	addresses: list[str] | None = None,
	domains: list[str] | None = None,
	account: str | None = None,
	since: str | None = None,
	limit: int = BATCH_LIMIT,
) -> list[str]:
	"""Emails from these addresses or domains (received) — or all, filtered by account and date."""
	communication = frappe.qb.DocType("Communication")
	query = (
		frappe.qb.from_(communication)
		.select(communication.name)
		.where(communication.communication_type == "Communication")
		.where(communication.communication_medium == "Email")
		.orderby(communication.creation, order=Order.asc)
		.limit(limit)
	)
	if addresses or domains:
		condition = None
		if addresses:
			condition = communication.sender.isin(candidates.address_forms(addresses))
		if domains:
			by_domain = communication.crm_sender_domain.isin([d.lower() for d in domains])
			condition = by_domain if condition is None else (condition | by_domain)
		query = query.where(condition)
	if account:
		query = query.where(communication.email_account == account)
	if since:
		query = query.where(communication.communication_date >= since)
	return query.run(pluck=True)


def relink_for(addresses: list[str] | None = None, domains: list[str] | None = None) -> int:
	"""Background job: link earlier emails from these addresses or domains. Returns links changed."""
	names = emails_for(addresses=addresses or [], domains=domains or [])
	# the user whose change queued it (Frappe runs the job as that user) sees how far a long one is;
	# a few emails are done in a blink, and a progress bar would only flash past
	progress = None
	if len(names) > QUIET_BACKFILL:
		progress = Progress(_("Linking earlier emails"), len(names), user=frappe.session.user)
	changed = relink(names, progress=progress)
	if changed:
		frappe.logger("crm_mailbox").info(
			{"event": "backfill", "emails": len(names), "links_changed": len(changed)}
		)
	return len(changed)


def relink_summary(names: list[str], progress: Progress | None = None) -> dict:
	"""Relink these emails; how many were checked and how many links they gained (for the desk)."""
	return {"emails": len(names), "links_changed": len(relink(names, progress=progress))}


def has_earlier_mail(addresses: list[str], domains: list[str]) -> bool:
	"""Is there any email a relink could change? One query on indexed columns (sender, sender domain).

	Frappe creates a Contact for every new sender: most of them have written once, in the email
	being received right now, which is not saved yet.
	"""
	return bool(emails_for(addresses=addresses, domains=domains, limit=1))


def enqueue_relink(addresses: list[str], domains: list[str]) -> None:
	"""Queue relinking on the 'long' queue (bulk work: it must never delay owner assignment)."""
	addresses = sorted({a.strip().lower() for a in addresses if a and "@" in a})
	domains = sorted({d.strip().lower() for d in domains if d})
	if not (addresses or domains) or not has_earlier_mail(addresses, domains):
		return
	frappe.enqueue(
		"crm_mailbox.linking.backfill.relink_for",
		queue="long",
		job_id="crm_mailbox:relink:" + hashlib.sha1(",".join(addresses + domains).encode()).hexdigest()[:16],
		deduplicate=True,
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		addresses=addresses,
		domains=domains,
	)
