"""Mailbox Email Link rows: the record of why an email is linked, and its enforcement.

Frappe rebuilds a Communication's timeline links on every save (it re-adds the contacts of all
participants). The rows here are the app's decisions; `enforce` re-applies them after Frappe's
validate so that a superseded contact never comes back.
"""

from __future__ import annotations

import frappe

from crm_mailbox.mailflow.precedence import LINKED, MANUAL, REMOVED, Link, Resolution, pick_reference

PARTICIPANT = "Participant"
DOCTYPE = "Mailbox Email Link"


def decided(links: list[Link]) -> list[Link]:
	"""The links that say what the email is about: Linked, and not merely a participant's contact.

	Frappe links the contact of every address on an email (a colleague in Cc among them); those
	say nothing about who wrote it or what it concerns.
	"""
	return [link for link in links if link.status == LINKED and link.reason != PARTICIPANT]


def names_a_party(links: list[Link]) -> bool:
	"""Do the app's links say who the email is from? A Lead, Customer or other party does; a Contact
	alone does not: Frappe creates one for every new sender ("Create Contacts from Incoming Emails",
	on by default), so a Contact that belongs to no one only says that the address wrote before."""
	return any(link.doctype != "Contact" for link in decided(links))


def stored_links(communication: str) -> list[Link]:
	rows = frappe.get_all(
		DOCTYPE,
		filters={"communication": communication},
		fields=["link_doctype", "link_name", "reason", "detail", "status"],
		order_by="creation asc",
	)
	return [Link(r.link_doctype, r.link_name, r.reason, r.detail or "", r.status) for r in rows]


def enforce(doc, links: list[Link]) -> None:
	"""Make the Communication's timeline links agree with the app's decisions."""
	present = {(row.link_doctype, row.link_name) for row in doc.timeline_links}
	for link in links:
		if link.status == LINKED and link.key not in present:
			doc.add_link(link.doctype, link.name)
			present.add(link.key)
		elif link.status != LINKED and link.key in present:
			doc.remove_link(link.doctype, link.name)
			present.discard(link.key)


def set_reference(doc, links: list[Link]) -> None:
	"""Point the email at the one record it is unambiguously about, unless it already has one."""
	if doc.reference_doctype and doc.reference_name:
		return
	reference = pick_reference(links)
	if reference:
		doc.reference_doctype, doc.reference_name = reference
		doc.reference_owner = frappe.db.get_value(*reference, "owner")


def drop_doctype(doc, doctype: str | None) -> None:
	"""Take this DocType's timeline links off the email: Frappe adds a participant contact's parties
	itself, also those its mailbox never links (Link Mail To)."""
	if doctype:
		for row in [row for row in doc.timeline_links if row.link_doctype == doctype]:
			doc.remove_link(row.link_doctype, row.link_name)


def with_participants(doc, resolution: Resolution) -> list[Link]:
	"""The app's links plus a reason for every link Frappe itself added (participants' contacts)."""
	decided = resolution.all()
	known = {link.key for link in decided}
	extra = [
		Link(row.link_doctype, row.link_name, PARTICIPANT, "a contact among the email's participants")
		for row in doc.timeline_links
		if (row.link_doctype, row.link_name) not in known
	]
	return decided + extra


def changes(
	communication: str, links: list[Link], by_hand: bool = False, new: bool = False
) -> list[tuple[Link, bool]]:
	"""The decisions that differ from what is stored, each with whether a row exists already.

	One row per linked record. A decision made by hand (a Manual link, or a link a user removed)
	is never overturned by automatic linking; only another decision by hand changes it.
	"""
	# A new email has nothing stored yet: no need to ask (this runs in Frappe's receive transaction).
	existing = {} if new else {link.key: link for link in stored_links(communication)}
	result: list[tuple[Link, bool]] = []
	for link in links:
		current = existing.get(link.key)
		if current is not None:
			if (current.status, current.reason) == (link.status, link.reason):
				continue
			if current.status == link.status and link.reason != MANUAL:
				continue
			if not by_hand and (current.reason == MANUAL or current.status == REMOVED):
				continue
		result.append((link, current is not None))
		existing[link.key] = link
	return result


def record(
	communication: str, links: list[Link], linked_by: str | None = None, by_hand=False, new=False
) -> list[Link]:
	"""Store the decisions; return those that changed something (new, or a changed status)."""
	todo = changes(communication, links, by_hand=by_hand, new=new)
	for link, exists in todo:
		if exists:
			set_status(communication, link, linked_by)
	_bulk_insert(
		communication, [link for link, exists in todo if not exists], linked_by or frappe.session.user
	)
	return [link for link, _exists in todo]


def sync_timeline(communication: str, links: list[Link]) -> None:
	"""Write timeline links straight to the database, for emails that are not being saved."""
	link_table = frappe.qb.DocType("Communication Link")
	present = {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Communication Link",
			filters={"parent": communication, "parenttype": "Communication"},
			fields=["link_doctype", "link_name"],
		)
	}
	for link in links:
		if link.status == LINKED and link.key not in present:
			row = frappe.new_doc(
				"Communication Link",
				parent_doc=frappe._dict(doctype="Communication", name=communication),
				parentfield="timeline_links",
			)
			row.update({"link_doctype": link.doctype, "link_name": link.name, "parent": communication})
			row.parenttype = "Communication"
			row.idx = len(present) + 1
			row.db_insert()
			present.add(link.key)
		elif link.status != LINKED and link.key in present:
			frappe.qb.from_(link_table).delete().where(link_table.parent == communication).where(
				link_table.parenttype == "Communication"
			).where(link_table.link_doctype == link.doctype).where(link_table.link_name == link.name).run()
			present.discard(link.key)
	reference = frappe.db.get_value("Communication", communication, ["reference_doctype", "reference_name"])
	has_reference = bool(reference and all(reference))
	# A record unlinked by hand stops being the email's reference: else the email stays on that
	# record's timeline, readable through it, and replies join it again through the thread.
	stale = has_reference and tuple(reference) in {link.key for link in links if link.status != LINKED}
	if stale or not has_reference:
		target = pick_reference([link for link in stored_links(communication) if link.status == LINKED])
		if target or stale:
			frappe.db.set_value(
				"Communication",
				communication,
				{
					"reference_doctype": target[0] if target else None,
					"reference_name": target[1] if target else None,
				},
				update_modified=False,
			)


def _bulk_insert(communication: str, links: list[Link], user: str) -> None:
	if not links:
		return
	now = frappe.utils.now()
	# INSERT IGNORE: a concurrent writer that stored the same link first wins (unique key, see
	# setup.install.LINK_KEY); its row says the same.
	frappe.db.bulk_insert(
		DOCTYPE,
		ignore_duplicates=True,
		fields=[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"communication",
			"link_doctype",
			"link_name",
			"status",
			"reason",
			"detail",
			"linked_by",
		],
		values=[
			(
				frappe.generate_hash(length=12),
				now,
				now,
				user,
				user,
				communication,
				link.doctype,
				link.name,
				link.status,
				link.reason,
				link.detail[:1000],
				user,
			)
			for link in links
		],
	)


def set_status(communication: str, link: Link, linked_by: str | None = None) -> None:
	"""Change a recorded link's status in place (superseded by a later decision, removed by hand)."""
	frappe.db.set_value(
		DOCTYPE,
		{"communication": communication, "link_doctype": link.doctype, "link_name": link.name},
		{
			"status": link.status,
			"reason": link.reason,
			"detail": link.detail[:1000],
			"linked_by": linked_by or frappe.session.user,
		},
	)
