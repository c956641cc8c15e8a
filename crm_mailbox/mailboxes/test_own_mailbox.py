"""Bench suite: a user without admin rights connects their own Personal mailbox, and nothing more.

The users hold only a member's roles (Inbox User, Sales User). Email Account stays System-Manager-only
in Frappe: the connect endpoints make and change the user's own Personal mailbox after their own checks;
every other channel (form, list, REST GET and PUT, password, search) still refuses the user.
"""

from __future__ import annotations

import socket
import time

import frappe
from frappe import client
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import mailboxes as mailboxes_api
from crm_mailbox.api import own_mailbox as api
from crm_mailbox.mailboxes import settings
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.mailboxes.own_mailbox import OwnMailboxError
from crm_mailbox.permissions.test_mailbox_privacy import rest_put

SECRET = "Own-app-pa55word-8812"


def cast() -> tuple[str, str, str, str]:
	"""The suite's own people, not new ones (Frappe refuses more than 60 new users an hour):
	two members (Inbox User, Sales User), a sales user without Inbox User, a System Manager."""
	people = mt.People()
	# api/test_create.py's outsider: a sales user who may not read email
	no_inbox = t.make_user(
		"crm-mailbox-outsider@example.com", ["Sales User", "Sales Manager", "Projects User", "Support Team"]
	)
	return people.proc1, people.proc2, no_inbox, people.sysman


def closed_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def values(email_id: str, **extra) -> dict:
	return {
		"email_id": email_id,
		"password": SECRET,
		"email_server": "imap.own-mail.example",
		"incoming_security": "ssl",
		"smtp_server": "smtp.own-mail.example",
		"outgoing_security": "starttls",
		"folders": ["INBOX", "Kunden/Aufträge"],
		"link_parties": "Customers",
		**extra,
	}


class TestOwnMailbox(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.alice, cls.bob, cls.no_inbox, cls.sysman = cast()

	def setUp(self):
		frappe.set_user("Administrator")
		# each test starts without the mailboxes earlier ones connected (the test job's writes persist)
		for name in frappe.get_all(
			"Email Account", filters={"email_id": ("like", "%own-mail.example")}, pluck="name"
		):
			frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
		settings.clear_cache()

	def tearDown(self):
		frappe.set_user("Administrator")

	def connect(self, who: str, address: str, connect: int = 1, **extra) -> str:
		frappe.set_user(who)
		try:
			return api.save_mailbox(values(address, **extra), connect=connect)["name"]
		finally:
			frappe.set_user("Administrator")

	def test_a_member_connects_their_own_personal_mailbox(self):
		name = self.connect(self.alice, "Alice@Own-Mail.example")
		account = frappe.get_doc("Email Account", name)
		self.assertEqual(account.email_id, "alice@own-mail.example")
		self.assertEqual((account.crm_purpose, account.crm_mailbox_owner), ("Personal", self.alice))
		self.assertEqual((account.enable_incoming, account.enable_outgoing), (1, 1))
		self.assertEqual(
			(account.email_server, account.incoming_port, account.use_ssl),
			("imap.own-mail.example", "993", 1),
		)
		self.assertEqual((account.smtp_port, account.use_tls, account.use_ssl_for_outgoing), ("587", 1, 0))
		self.assertEqual([f.folder_name for f in account.imap_folder], ["INBOX", "Kunden/Aufträge"])
		self.assertFalse(any(f.append_to for f in account.imap_folder))
		self.assertEqual((account.default_incoming, account.default_outgoing), (0, 0))
		self.assertEqual(account.crm_link_parties, "Customers")
		self.assertEqual(account.get_password(), SECRET)
		# Frappe's default stays: contacts are made from incoming mail
		self.assertEqual(account.create_contact, 1)
		# Alice reads it in her Email Inbox; nobody else got it
		self.assertEqual(
			frappe.get_all("User Email", filters={"email_account": name}, pluck="parent"), [self.alice]
		)
		frappe.set_user(self.alice)
		mine = api.get_connect_context()
		self.assertTrue(mine["may_connect"])
		self.assertEqual([m["name"] for m in mine["mailboxes"]], [name])
		self.assertNotIn(SECRET, frappe.as_json(mine))
		self.assertNotIn("password", mine["mailboxes"][0])

	def allow_internal_hosts(self, *hosts: str) -> None:
		frappe.local.conf["crm_mailbox_internal_mail_hosts"] = list(hosts)
		self.addCleanup(frappe.local.conf.pop, "crm_mailbox_internal_mail_hosts", None)

	def test_servers_inside_this_network_are_refused(self):
		# a member's Test Connection would scan the server's neighbours and show what answers
		for n, servers in enumerate(
			(
				{"email_server": "169.254.169.254"},
				{"email_server": "127.8.9.10"},
				{"smtp_server": "10.255.255.254"},
			)
		):
			with self.subTest(servers=servers):
				self.assertRaises(
					OwnMailboxError, self.connect, self.alice, f"alice-ssrf-{n}@own-mail.example", **servers
				)
		self.assertFalse(frappe.db.exists("Email Account", {"email_id": ("like", "alice-ssrf%")}))
		# the site may name its own internal mail servers; Test Connection asks again
		self.allow_internal_hosts("10.255.255.254")
		name = self.connect(
			self.alice, "alice-ssrf@own-mail.example", connect=0, email_server="10.255.255.254"
		)
		frappe.local.conf.pop("crm_mailbox_internal_mail_hosts")
		frappe.set_user(self.alice)
		self.assertRaises(OwnMailboxError, api.test_mailbox, name)
		# a mailbox a System Manager made for her on the company's internal server stays hers to change
		frappe.set_user("Administrator")
		given = t.make_email_account(
			"alice-given@own-mail.example",
			name="CRM Own Alice Given",
			crm_purpose="Personal",
			crm_mailbox_owner=self.alice,
			email_server="10.255.255.253",
		)
		self.connect(self.alice, given.email_id, connect=0, name=given.name, email_server="10.255.255.253")
		self.assertEqual(frappe.db.get_value("Email Account", given.name, "crm_link_parties"), "Customers")

	def test_a_draft_is_tested_with_its_own_settings_before_it_is_enabled(self):
		self.allow_internal_hosts("127.0.0.1")  # this test's closed port
		name = self.connect(
			self.alice,
			"alice-draft@own-mail.example",
			connect=0,
			email_server="127.0.0.1",
			incoming_port=closed_port(),
			smtp_server="",
		)
		self.assertEqual(frappe.db.get_value("Email Account", name, "enable_incoming"), 0)
		frappe.set_user(self.alice)
		test_id = api.test_mailbox(name)["test_id"]
		status = mailboxes_api.connection_test_status(test_id)
		self.assertTrue(status["done"])
		incoming = status["result"]["incoming"]
		self.assertIsNotNone(incoming, "the disabled draft's IMAP server was not tested")
		self.assertFalse(incoming["ok"])
		self.assertNotIn(SECRET, frappe.as_json(status))
		# Bob may not follow Alice's test, nor start one on her mailbox
		frappe.set_user(self.bob)
		self.assertRaises(frappe.PermissionError, mailboxes_api.connection_test_status, test_id)
		self.assertRaises(frappe.PermissionError, api.test_mailbox, name)
		# nor through the admin's Test Connection
		self.assertRaises(frappe.PermissionError, mailboxes_api.test_connection, name)

	def test_only_the_fields_of_a_personal_mailbox_can_be_set(self):
		for extra in (
			{"crm_purpose": "Shared"},
			{"crm_mailbox_owner": self.bob},
			{"append_to": "Issue"},
			{"imap_folder": [{"folder_name": "INBOX", "append_to": "Lead"}]},
			{"default_outgoing": 1},
			{"enable_automatic_linking": 1},
			{"incoming_security": "none"},
			{"email_server": "<img src=x onerror=alert(1)>"},
			{"folders": ["INBOX\r\nA1 DELETE INBOX"]},
			{"folders": [f"F{i}" for i in range(11)]},
			{"link_parties": "Suppliers"},
			{"password": ""},
		):
			with self.subTest(extra=extra):
				self.assertRaises(
					OwnMailboxError, self.connect, self.alice, "alice-tricks@own-mail.example", **extra
				)
		self.assertFalse(frappe.db.exists("Email Account", {"email_id": "alice-tricks@own-mail.example"}))

	def test_an_address_in_use_or_another_users_cannot_be_taken(self):
		team = t.make_email_account(
			"crm-own-team@own-mail.example",
			name="CRM Own Team",
			crm_purpose="Shared",
			crm_members=[{"user": self.bob, "access": "Process"}],
		)
		self.assertRaises(OwnMailboxError, self.connect, self.alice, team.email_id)
		self.assertRaises(OwnMailboxError, self.connect, self.alice, "CRM-Own-Team@own-mail.example")
		self.assertRaises(OwnMailboxError, self.connect, self.alice, self.bob)  # Bob's own address
		# one plain address: not a list or a named address that hides one in use behind a free one
		for hidden in (f"alice-free@own-mail.example,{team.email_id}", f"x <{team.email_id}>"):
			self.assertRaises(OwnMailboxError, self.connect, self.alice, hidden)
		self.assertFalse(frappe.db.exists("Email Account", {"email_id": ("like", "%alice-free%")}))
		self.assertEqual(frappe.db.get_value("Email Account", team.name, "crm_purpose"), "Shared")

	def test_a_user_cannot_change_test_or_pause_another_users_mailbox(self):
		bobs = self.connect(self.bob, "bob@own-mail.example")
		team = t.make_email_account(
			"crm-own-shared@own-mail.example",
			name="CRM Own Shared",
			crm_purpose="Shared",
			crm_members=[{"user": self.alice, "access": "Process"}],
		)
		frappe.set_user(self.alice)
		for target in (bobs, team.name):
			with self.subTest(target=target):
				self.assertRaises(
					frappe.PermissionError, api.save_mailbox, values("x@own-mail.example", name=target), 1
				)
				self.assertRaises(frappe.PermissionError, api.test_mailbox, target)
				self.assertRaises(frappe.PermissionError, api.set_mailbox_enabled, target, 0)
		self.assertEqual(api.get_connect_context()["mailboxes"], [])
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Email Account", bobs, "enable_incoming"), 1)
		self.assertEqual(frappe.get_doc("Email Account", bobs).get_password(), SECRET)

	def test_the_owner_pauses_and_changes_their_mailbox_but_not_its_address(self):
		name = self.connect(self.alice, "alice-own@own-mail.example")
		frappe.set_user(self.alice)
		api.set_mailbox_enabled(name, 0)
		self.assertEqual(frappe.db.get_value("Email Account", name, "enable_incoming"), 0)
		api.save_mailbox(
			values("alice-own@own-mail.example", name=name, password="", link_parties="Leads"), 1
		)
		self.assertEqual(
			frappe.db.get_value("Email Account", name, ["enable_incoming", "crm_link_parties"]), (1, "Leads")
		)
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.get_doc("Email Account", name).get_password(), SECRET, "an empty password kept it"
		)
		frappe.set_user(self.alice)
		self.assertRaises(
			OwnMailboxError, api.save_mailbox, values("alice-new@own-mail.example", name=name), 1
		)

	def test_frappes_own_channels_stay_closed_to_the_owner(self):
		name = self.connect(self.alice, "alice-rest@own-mail.example")
		frappe.set_user(self.alice)
		# Frappe lets every Inbox User read Email Accounts (GET): settings, never a password
		self.assertNotIn(SECRET, frappe.as_json(client.get("Email Account", name)))
		self.assertFalse(frappe.has_permission("Email Account", "write", doc=name))
		self.assertRaises(
			frappe.PermissionError, rest_put, "Email Account", name, {"crm_mailbox_owner": self.bob}
		)
		self.assertRaises(
			frappe.PermissionError, client.set_value, "Email Account", name, "append_to", "Issue"
		)
		# frappe.only_for lets everyone through while tests run: the request's view, flag off
		frappe.flags.in_test = False
		try:
			self.assertRaises(frappe.PermissionError, client.get_password, "Email Account", name, "password")
		finally:
			frappe.flags.in_test = True
		new = frappe.new_doc("Email Account")
		new.update(
			{
				"email_id": "alice-direct@own-mail.example",
				"crm_purpose": "Personal",
				"crm_mailbox_owner": self.alice,
			}
		)
		self.assertRaises(frappe.PermissionError, new.insert)

	def test_users_without_inbox_user_and_guests_are_refused(self):
		frappe.set_user(self.no_inbox)
		context = api.get_connect_context()
		self.assertFalse(context["may_connect"])
		self.assertIn("Inbox User", context["reason"])
		self.assertRaises(frappe.PermissionError, api.save_mailbox, values("noinbox@own-mail.example"), 1)
		self.assertRaises(frappe.PermissionError, api.suggest_settings, "noinbox@gmail.com")
		frappe.set_user("Guest")
		self.assertFalse(api.get_connect_context()["may_connect"])
		self.assertRaises(frappe.PermissionError, api.save_mailbox, values("guest@own-mail.example"), 1)

	def test_system_managers_see_and_disable_every_personal_mailbox(self):
		alices = self.connect(self.alice, "alice-admin@own-mail.example")
		bobs = self.connect(self.bob, "bob-admin@own-mail.example")
		frappe.set_user(self.sysman)
		personal = frappe.get_list(
			"Email Account",
			filters={"crm_purpose": "Personal", "email_id": ("like", "%own-mail.example")},
			pluck="name",
		)
		self.assertTrue({alices, bobs} <= set(personal))
		doc = frappe.get_doc("Email Account", bobs)
		doc.enable_incoming = 0
		doc.save()
		self.assertEqual(frappe.db.get_value("Email Account", bobs, "enable_incoming"), 0)
		# their own connect dialog lists only their own
		self.assertEqual(api.get_connect_context()["mailboxes"], [])

	def test_suggestions_for_a_provider_and_hostile_input(self):
		frappe.set_user(self.alice)
		gmail = api.suggest_settings("alice@gmail.com")
		self.assertEqual((gmail["provider"], gmail["incoming"]["host"]), ("Gmail", "imap.gmail.com"))
		self.assertEqual(api.suggest_settings("<script>alert(1)</script>")["source"], "")
		started = time.monotonic()
		self.assertEqual(api.suggest_settings("x@" + "a" * 300 + ".example")["domain"], "")
		self.assertLess(time.monotonic() - started, 5)

	def test_oauth_only_through_a_mail_connected_app_of_the_site(self):
		frappe.set_user(self.alice)
		self.assertEqual(api.get_connect_context()["oauth_apps"], [])
		frappe.set_user("Administrator")
		mail_app = connected_app("<b>Own</b> Google", "https://mail.google.com/")
		drive_app = connected_app("Own Drive", "https://www.googleapis.com/auth/drive")
		frappe.set_user(self.alice)
		offered = api.get_connect_context()["oauth_apps"]
		self.assertEqual([a["name"] for a in offered], [mail_app])
		oauth = {"auth": "oauth", "password": ""}
		self.assertRaises(
			OwnMailboxError,
			self.connect,
			self.alice,
			"alice-drive@own-mail.example",
			connected_app=drive_app,
			**oauth,
		)
		name = self.connect(self.alice, "alice-oauth@own-mail.example", connected_app=mail_app, **oauth)
		account = frappe.get_doc("Email Account", name)
		self.assertEqual(
			(account.auth_method, account.connected_app, account.connected_user),
			("OAuth", mail_app, self.alice),
		)
		self.assertFalse(account.get_password(raise_exception=False))


def connected_app(provider_name: str, scope: str) -> str:
	app = frappe.get_doc(
		{
			"doctype": "Connected App",
			"provider_name": provider_name,
			"client_id": "own-mailbox-test",
			"authorization_uri": "https://accounts.example/o/oauth2/auth",
			"token_uri": "https://accounts.example/o/oauth2/token",
			"scopes": [{"scope": scope}],
		}
	).insert(ignore_permissions=True)
	return app.name


class TestOwnMailboxLinking(FrappeTestCase):
	"""The dialog's "Link Mail To", through Frappe's receive path (Create Contacts on, as by default)."""

	def setUp(self):
		frappe.set_user("Administrator")

	def test_mail_links_to_leads_only_or_customers_only(self):
		alice, bob, _no_inbox, _sysman = cast()
		for name in frappe.get_all(
			"Email Account", filters={"email_id": ("like", "%own-mail.example")}, pluck="name"
		):
			frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
		domain = t.random_domain()
		customer = t.make_customer(domains=[domain]).name
		lead_address = t.unique_address("lead")
		lead = t.make_lead(lead_address).name
		boxes = {}
		for who, address, parties in (
			(alice, "alice-leads@own-mail.example", "Leads"),
			(bob, "bob-customers@own-mail.example", "Customers"),
		):
			frappe.set_user(who)
			boxes[parties] = frappe.get_doc(
				"Email Account", api.save_mailbox(values(address, link_parties=parties), 1)["name"]
			)
		frappe.set_user("Administrator")
		settings.clear_cache()

		def links(parties: str, sender: str) -> set:
			(mail,) = t.receive(boxes[parties], t.build_email(sender, to=boxes[parties].email_id))
			return set(t.links_of(mail))

		self.assertNotIn(("Customer", customer), links("Leads", t.unique_address("buyer", domain)))
		self.assertIn(("Lead", lead), links("Leads", lead_address))
		self.assertIn(("Customer", customer), links("Customers", t.unique_address("buyer", domain)))
		self.assertNotIn(("Lead", lead), links("Customers", lead_address))
