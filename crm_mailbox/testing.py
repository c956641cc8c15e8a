"""Helpers for the bench suite: raw emails through Frappe's real receive path, and CRM records.

`receive` hands raw RFC 5322 bytes to the path the account's mail takes after an IMAP fetch: our
intake's handler for the accounts it owns (Shared and CRM mailboxes by default), else
EmailAccount.receive() exactly as Frappe's IMAP pull does, replacing only the network read
(EmailServer.get_messages), the way Frappe's own tests do.
"""

from __future__ import annotations

import email.utils
import os
import re
import time
from email.message import EmailMessage
from unittest.mock import patch

import frappe
from frappe.utils import random_string, today

EML_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "tests", "eml"))


def unique_address(prefix: str = "someone", domain: str | None = None) -> str:
	return f"{prefix}.{random_string(6).lower()}@{domain or random_domain()}"


def random_domain() -> str:
	return f"co-{random_string(8).lower()}.example"


def eml(name: str) -> bytes:
	with open(os.path.join(EML_DIR, name), "rb") as f:
		return f.read()


def build_email(
	sender: str,
	to: str = "sales@ourco.example",
	subject: str = "Hello",
	body: str = "Hello,\nplease send us a quote.\n",
	message_id: str | None = None,
	in_reply_to: str | None = None,
	references: str | None = None,
	headers: dict | None = None,
) -> bytes:
	msg = EmailMessage()
	msg["From"] = sender
	msg["To"] = to
	msg["Subject"] = subject
	msg["Date"] = email.utils.formatdate(localtime=True)
	msg["Message-ID"] = message_id or email.utils.make_msgid(domain="test.crm-mailbox.example")
	if in_reply_to:
		msg["In-Reply-To"] = in_reply_to
	if references:
		msg["References"] = references
	for name, value in (headers or {}).items():
		msg[name] = value
	msg.set_content(body)
	return msg.as_bytes()


def with_message_id(raw: bytes, message_id: str | None = None) -> bytes:
	"""The raw message with a new (or the given) Message-ID: Frappe drops a message it has seen.

	Replaces a folded Message-ID header too; adds one when the message has none.
	"""
	message_id = message_id or email.utils.make_msgid(domain="test.crm-mailbox.example")
	header = b"Message-ID: " + message_id.encode()
	raw, found = re.subn(rb"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?<[^>\r\n]*>", header, raw, count=1)
	return raw if found else header + b"\r\n" + raw


def make_user(email: str, roles: tuple[str, ...] | list[str] = ("Inbox User",), enabled: int = 1) -> str:
	"""A System User with (at least) these roles; returns the user's name (the address)."""
	if frappe.db.exists("User", email):
		user = frappe.get_doc("User", email)
		missing = [role for role in roles if role not in {r.role for r in user.roles}]
		if missing:
			user.add_roles(*missing)
		if user.enabled != enabled:
			user.enabled = enabled
			user.save(ignore_permissions=True)
		return email
	frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": email.split("@")[0],
			"enabled": enabled,
			"send_welcome_email": 0,
			"user_type": "System User",
			"roles": [{"role": role} for role in roles],
		}
	).insert(ignore_permissions=True)
	return email


def make_email_account(
	email_id: str = "sales@ourco.example",
	name: str = "CRM Mailbox Test Sales",
	*,
	create_contact: int = 1,
	**fields,
):
	"""A test mailbox. "Create Contacts from Incoming Emails" is on, as Frappe sets it by default, and
	set on every call: a suite that turned it off for its own cases does not leave it off for the next.
	Without a purpose it receives through Frappe's pull unless `crm_own_intake=1` is given (likewise
	set on every call); with one, as its purpose sets it."""
	fields["create_contact"] = create_contact
	if not fields.get("crm_purpose"):
		fields.setdefault("crm_own_intake", 0)
	if frappe.db.exists("Email Account", name):
		account = frappe.get_doc("Email Account", name)
		account.update(fields)
		account.save(ignore_permissions=True)
		return account
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": name,
			"email_id": email_id,
			"enable_incoming": 1,
			"use_imap": 1,
			"email_server": "imap.ourco.example",
			"incoming_port": 993,
			"use_ssl": 1,
			"password": "not-used-in-tests",
			"email_sync_option": "ALL",
			"imap_folder": [{"folder_name": "INBOX"}],
			**fields,
		}
	)
	account.insert(ignore_permissions=True)
	return account


# IMAP UIDs as a pull would report them; unique across test runs (received mail is committed)
_uid = [int(time.time() * 1000) % 1_000_000_000]


def receive(account, *raw_messages: bytes, through_intake: bool | None = None):
	"""Receive these raw messages as the account's pull would; return their Communications (or None).

	Through our intake's handler when the intake owns the account (or `through_intake`), else
	through Frappe's EmailAccount.receive(); either way only the IMAP read is replaced."""
	from frappe.email.receive import EmailServer

	from crm_mailbox.intake.accounts import owns

	uids = []
	for _ in raw_messages:
		_uid[0] += 1
		uids.append(str(_uid[0]))
	if through_intake or (through_intake is None and owns(account.name)):
		return receive_through_intake(account, raw_messages, [int(uid) for uid in uids])

	def get_messages(self, folder="INBOX"):
		return {"latest_messages": list(raw_messages), "uid_list": uids, "seen_status": {}}

	with (
		patch.object(EmailServer, "connect", return_value=True),
		patch.object(EmailServer, "select_imap_folder", return_value=True),
		patch.object(EmailServer, "logout", return_value=None),
		patch.object(EmailServer, "get_messages", get_messages),
	):
		account = frappe.get_doc("Email Account", account.name)
		account.receive()

	return [
		frappe.get_doc("Communication", name) if name else None
		for name in (
			frappe.db.get_value("Communication", {"email_account": account.name, "uid": uid}) for uid in uids
		)
	]


# the UIDVALIDITY under which `receive` records our intake's ledger rows
TEST_UIDVALIDITY = 1


def receive_through_intake(account, raw_messages, uids: list[int]):
	"""Our intake's handler on these messages, as after its IMAP fetch (crm_mailbox.intake.pull)."""
	from crm_mailbox.intake import state
	from crm_mailbox.intake.handler import Receiver
	from crm_mailbox.intake.ledger_store import DocTypeLedger
	from crm_mailbox.mailflow.intake.imap_session import Fetched

	account = frappe.get_doc("Email Account", account.name)
	state.folder_row(account.name, "INBOX")
	receiver = Receiver(account, None, DocTypeLedger(account.name, "INBOX"), TEST_UIDVALIDITY)
	outcomes = [
		receiver(Fetched(uid, raw, (), len(raw))) for raw, uid in zip(raw_messages, uids, strict=True)
	]
	return [
		frappe.get_doc("Communication", outcome.communication)
		if getattr(outcome, "communication", None)
		else None
		for outcome in outcomes
	]


def company() -> str:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


def make_lead(email_id: str, first_name: str = "Test", **fields):
	return frappe.get_doc(
		{"doctype": "Lead", "first_name": first_name, "last_name": "Lead", "email_id": email_id, **fields}
	).insert(ignore_permissions=True)


def make_contact(email_id: str, first_name: str | None = None, links: list[tuple[str, str]] = ()):
	contact = frappe.get_doc(
		{"doctype": "Contact", "first_name": first_name or f"Contact {random_string(5)}"}
	)
	contact.add_email(email_id, is_primary=True)
	for doctype, name in links:
		contact.append("links", {"link_doctype": doctype, "link_name": name})
	return contact.insert(ignore_permissions=True)


def make_customer(name: str | None = None, domains: list[str] = (), email_id: str | None = None):
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name or f"Customer {random_string(6)}",
			"customer_type": "Company",
			"crm_email_domains": [{"domain": d} for d in domains],
		}
	).insert(ignore_permissions=True)
	if email_id:
		# Customer.email_id is read-only (fetched from the primary contact); set it as ERPNext does.
		frappe.db.set_value("Customer", customer.name, "email_id", email_id)
	return customer


def make_opportunity(party_doctype: str, party_name: str, **fields):
	return frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": party_doctype,
			"party_name": party_name,
			"company": company(),
			"transaction_date": today(),
			**fields,
		}
	).insert(ignore_permissions=True)


def links_of(communication) -> dict[tuple[str, str], str]:
	"""{(doctype, name): reason} of the email's Linked rows."""
	rows = frappe.get_all(
		"Mailbox Email Link",
		filters={"communication": communication.name, "status": "Linked"},
		fields=["link_doctype", "link_name", "reason"],
	)
	return {(r.link_doctype, r.link_name): r.reason for r in rows}


def timeline_of(communication) -> set[tuple[str, str]]:
	return {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Communication Link",
			filters={"parent": communication.name, "parenttype": "Communication"},
			fields=["link_doctype", "link_name"],
		)
	}


# Hostile mail: harmless markup that shows whether email text became markup (#injected, img[src=x]) or
# ran (window.__xss counts), in every place an email's text can reach.
HOSTILE_SCRIPT = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
HOSTILE_MARKUP = "<b id=injected>bold</b>"
HOSTILE = HOSTILE_SCRIPT + HOSTILE_MARKUP


def hostile_email(
	sender: str, to: str, subject: str, attachment: bytes | None = None, html: str | None = None
) -> bytes:
	"""Display name, subject, body and attachment name carry HOSTILE; the HTML body (`html` when given)
	carries scripts."""
	scripts = (
		"<script>window.__xss=(window.__xss||0)+1</script>"
		'<img src=y onerror="window.__xss=(window.__xss||0)+1">'
		'<svg onload="window.__xss=(window.__xss||0)+1"></svg>'
	)
	msg = EmailMessage()
	msg["From"] = email.utils.formataddr((f"{HOSTILE_SCRIPT} {HOSTILE_MARKUP} Eve", sender))
	msg["To"] = to
	msg["Subject"] = subject
	msg["Date"] = email.utils.formatdate(localtime=True)
	msg["Message-ID"] = email.utils.make_msgid(domain="test.crm-mailbox.example")
	msg.set_content(f"Hello,\n{HOSTILE}\nplease quote.\n")
	msg.add_alternative(html or f"<p>Hello, {scripts} please quote.</p>", subtype="html")
	content = attachment if attachment is not None else f"price list for {sender}".encode()
	msg.add_attachment(content, maintype="text", subtype="plain", filename=f"{HOSTILE}.txt")
	return msg.as_bytes()
