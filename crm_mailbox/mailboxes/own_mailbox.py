"""A user connects their own Personal mailbox, without the System Manager role Email Account needs.

Frappe lets only System Managers touch Email Account. This module makes the one kind of account a
user may have for themselves, after its own checks, with ignore_permissions: purpose Personal, owned
by the session user, an address no other account or user has, only the fields listed in FIELDS
(no append_to, no defaults, no other purpose or owner), and never an account that is not theirs.
Frappe's REST and form channels for Email Account stay closed to them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, validate_email_address

from crm_mailbox.mailboxes import connection_progress, settings
from crm_mailbox.mailboxes.inboxes import INBOX_USER

SSL, STARTTLS = "ssl", "starttls"
LINK_PARTIES = ("Customers and Leads", "Customers", "Leads")
MAX_FOLDERS = 10
MAX_FOLDER_LENGTH = 140
MAX_HOST_LENGTH = 253
# What the dialog may send; anything else is refused, not ignored.
FIELDS = frozenset(
	{
		"name",
		"email_id",
		"password",
		"login_id",
		"auth",
		"connected_app",
		"email_server",
		"incoming_port",
		"incoming_security",
		"smtp_server",
		"smtp_port",
		"outgoing_security",
		"folders",
		"link_parties",
	}
)


class OwnMailboxError(frappe.ValidationError):
	"""The values do not make a Personal mailbox this user may connect."""


def fail(message: str, title: str | None = None):
	frappe.throw(message, OwnMailboxError, title=title or _("Connect Your Mailbox"))


def refusal(user: str | None = None) -> str:
	"""Why this user may not connect a mailbox, or "" when they may."""
	user = user or frappe.session.user
	if user in ("Guest", "Administrator") or frappe.db.get_value("User", user, "user_type") != "System User":
		return _("Only desk users can connect a mailbox.")
	if INBOX_USER not in frappe.get_roles(user):
		return _("Ask an administrator for the {0} role: without it you could not read your mail.").format(
			_(INBOX_USER)
		)
	return ""


def check_may_connect() -> None:
	reason = refusal()
	if reason:
		frappe.throw(reason, frappe.PermissionError, title=_("Connect Your Mailbox"))


def own_account(name: str):
	"""The session user's Personal Email Account of this name; a PermissionError for any other."""
	owner, purpose = frappe.db.get_value("Email Account", name, ["crm_mailbox_owner", "crm_purpose"]) or (
		None,
		None,
	)
	if purpose != settings.PERSONAL or not owner or owner != frappe.session.user:
		frappe.throw(_("This is not your mailbox."), frappe.PermissionError, title=_("Your Mailbox"))
	return frappe.get_doc("Email Account", name)


def mailboxes_of(user: str) -> list[dict]:
	"""The user's Personal mailboxes, as the dialog lists them (never a password)."""
	account = frappe.qb.DocType("Email Account")
	rows = (
		frappe.qb.from_(account)
		.select(
			account.name,
			account.email_id,
			account.enable_incoming,
			account.auth_method,
			account.login_id,
			account.email_server,
			account.incoming_port,
			account.use_starttls,
			account.smtp_server,
			account.smtp_port,
			account.use_ssl_for_outgoing,
			account.crm_link_parties,
		)
		.where((account.crm_purpose == settings.PERSONAL) & (account.crm_mailbox_owner == user))
		.orderby(account.creation)
		.run(as_dict=True)
	)
	for row in rows:
		row["folders"] = frappe.get_all(
			"IMAP Folder",
			filters={"parenttype": "Email Account", "parent": row.name},
			pluck="folder_name",
			order_by="idx",
		)
	return rows


def mail_connected_apps() -> list[dict]:
	"""Connected Apps whose scopes reach mail (Google's mail scope, Microsoft's IMAP scope ...)."""
	scope = frappe.qb.DocType("OAuth Scope")
	app = frappe.qb.DocType("Connected App")
	return (
		frappe.qb.from_(app)
		.join(scope)
		.on((scope.parent == app.name) & (scope.parenttype == "Connected App"))
		.select(app.name, app.provider_name)
		.distinct()
		.where(scope.scope.like("%mail%") | scope.scope.like("%imap%"))
		.orderby(app.provider_name)
		.run(as_dict=True)
	)


def save(values: dict, connect: bool) -> str:
	"""Create or update the session user's Personal mailbox; connect=True turns incoming mail on."""
	check_may_connect()
	unknown = sorted(set(values) - FIELDS)
	if unknown:
		fail(_("These settings cannot be set here: {0}").format(frappe.utils.escape_html(", ".join(unknown))))
	user = frappe.session.user
	if values.get("name"):
		doc = own_account(values["name"])
		if clean_address(values.get("email_id") or doc.email_id) != doc.email_id:
			fail(_("The address of a connected mailbox cannot change; connect the new address instead."))
	else:
		doc = frappe.new_doc("Email Account")
		email_id = clean_address(values.get("email_id"))
		check_address_free(email_id, user)
		doc.update(
			{
				"email_id": email_id,
				"email_account_name": email_id,
				"crm_purpose": settings.PERSONAL,
				"crm_mailbox_owner": user,
				"use_imap": 1,
			}
		)
	set_login(doc, values)
	set_servers(doc, values)
	set_folders(doc, values.get("folders"))
	parties = values.get("link_parties") or LINK_PARTIES[0]
	if parties not in LINK_PARTIES:
		fail(_("Link mail to Customers, Leads, or both."))
	doc.crm_link_parties = parties
	# Frappe checks the login when an enabled account is saved (outside tests); a draft is tested first.
	doc.enable_incoming = 1 if connect else 0
	doc.enable_outgoing = 1 if connect and doc.smtp_server else 0
	doc.save(ignore_permissions=True)
	return doc.name


def clean_address(value: str | None) -> str:
	address = (value or "").strip().lower()
	# Frappe also accepts a list ("a@x, b@y") or a named address: one in use could hide behind a free one
	if not address or len(address) > 140 or validate_email_address(address) != address:
		fail(_("Enter your email address."))
	return address


def check_address_free(email_id: str, user: str) -> None:
	if frappe.db.exists("Email Account", {"email_id": email_id}) or frappe.db.exists(
		"Email Account", email_id
	):
		fail(_("A mailbox with this address is connected already; ask an administrator."))
	others = frappe.get_all("User", filters={"email": email_id, "name": ("!=", user)}, pluck="name")
	if others:
		fail(_("This address belongs to another user."))


def set_login(doc, values: dict) -> None:
	if values.get("auth") == "oauth":
		app = values.get("connected_app")
		if not app or app not in {a.name for a in mail_connected_apps()}:
			fail(_("Choose one of the site's mail sign-in apps."))
		doc.update(
			{
				"auth_method": "OAuth",
				"connected_app": app,
				"connected_user": frappe.session.user,
				"password": None,
			}
		)
		return
	doc.auth_method = "Basic"
	login = (values.get("login_id") or "").strip()
	if len(login) > 140:
		fail(_("The user name is too long."))
	doc.login_id_is_different = 1 if login and login != doc.email_id else 0
	doc.login_id = login if doc.login_id_is_different else None
	if values.get("password"):
		doc.password = values["password"]
	elif doc.is_new():
		fail(_("Enter the app password for your mailbox."))


def set_servers(doc, values: dict) -> None:
	from crm_mailbox.mailflow.server_settings import host_name

	incoming = host_name(values.get("email_server"))
	if not incoming:
		fail(_("Enter the incoming (IMAP) server, such as imap.example.com."))
	check_public_host(incoming)
	doc.email_server = incoming
	security = values.get("incoming_security") or SSL
	if security not in (SSL, STARTTLS):
		fail(_("Incoming mail must be encrypted (SSL/TLS or STARTTLS)."))
	doc.use_ssl = int(security == SSL)
	doc.use_starttls = int(security == STARTTLS)
	doc.incoming_port = port(values.get("incoming_port"), 993 if security == SSL else 143)

	outgoing = values.get("smtp_server")
	doc.smtp_server = host_name(outgoing) if outgoing else None
	if outgoing and not doc.smtp_server:
		fail(_("Enter the outgoing (SMTP) server, such as smtp.example.com, or leave it empty."))
	if doc.smtp_server:
		check_public_host(doc.smtp_server)
	security = values.get("outgoing_security") or STARTTLS
	if security not in (SSL, STARTTLS):
		fail(_("Outgoing mail must be encrypted (SSL/TLS or STARTTLS)."))
	doc.use_ssl_for_outgoing = int(security == SSL)
	doc.use_tls = int(security == STARTTLS)
	doc.smtp_port = (
		port(values.get("smtp_port"), 465 if security == SSL else 587) if doc.smtp_server else None
	)


def check_public_host(host: str) -> None:
	"""A member's servers are on the internet, not this server's own machine or network (SSRF)."""
	from crm_mailbox.mailflow.internal_hosts import internal_addresses

	if host not in site_mail_hosts() and internal_addresses(host):
		fail(
			_(
				"{0} is a server of this site's own network: ask an administrator to connect this mailbox."
			).format(frappe.bold(frappe.utils.escape_html(host)))
		)


def site_mail_hosts() -> set[str]:
	"""Internal servers a member may use: those of every mailbox a member did not make for themselves
	(a System Manager did), and site config's crm_mailbox_internal_mail_hosts."""
	account = frappe.qb.DocType("Email Account")
	rows = (
		frappe.qb.from_(account)
		.select(account.email_server, account.smtp_server)
		.where(
			account.crm_purpose.isnull()
			| (account.crm_purpose != settings.PERSONAL)
			| (account.owner != account.crm_mailbox_owner)
		)
		.run()
	)
	hosts = {str(host).lower() for row in rows for host in row if host}
	return hosts | {str(host).lower() for host in frappe.conf.get("crm_mailbox_internal_mail_hosts") or []}


def port(value, default: int) -> str:
	number = cint(value) or default  # empty or 0: the usual port for the encryption
	if not 0 < number < 65536:
		fail(_("A port is a number from 1 to 65535."))
	return str(number)


def set_folders(doc, folders) -> None:
	names = [str(f).strip() for f in (frappe.parse_json(folders) if folders else None) or ["INBOX"]]
	names = list(dict.fromkeys(n for n in names if n))
	if not names or len(names) > MAX_FOLDERS:
		fail(_("Choose from 1 to {0} folders to sync.").format(MAX_FOLDERS))
	for name in names:
		if len(name) > MAX_FOLDER_LENGTH or any(ord(ch) < 32 for ch in name):
			fail(_("This is not a folder name: {0}").format(frappe.bold(frappe.utils.escape_html(name[:60]))))
	doc.set("imap_folder", [{"folder_name": name} for name in names])


def test(name: str) -> str:
	"""Start Test Connection on the session user's own mailbox, enabled yet or not."""
	check_may_connect()
	doc = own_account(name)
	# again now: a name may point elsewhere than when it was saved
	for host in (doc.email_server, doc.smtp_server):
		if host:
			check_public_host(host)
	return connection_progress.start(name, as_configured=True)


def set_enabled(name: str, enabled: bool) -> None:
	"""Pause or resume pulling the user's own mailbox."""
	doc = own_account(name)
	doc.enable_incoming = int(bool(enabled))
	doc.enable_outgoing = int(bool(enabled) and bool(doc.smtp_server))
	doc.save(ignore_permissions=True)


def authorize_url(name: str, success_uri: str) -> str:
	"""The sign-in address of the mailbox's Connected App, for the session user."""
	doc = own_account(name)
	if doc.auth_method != "OAuth" or not doc.connected_app:
		fail(_("This mailbox signs in with a password."))
	app = frappe.get_doc("Connected App", doc.connected_app)
	return app.initiate_web_application_flow(user=frappe.session.user, success_uri=success_uri)
