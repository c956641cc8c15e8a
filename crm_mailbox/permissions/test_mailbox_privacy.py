"""Bench suite: a mailbox's rules, rule runs, link reasons and threads stay with its people, on every channel.

The users carry only the roles a real member has (Sales User, and Inbox User to read mail at all);
an Email Inbox row only where Frappe's own email rule asks for one (a mailbox without a purpose).
Channels: list (get_list), form (has_permission / check_permission), REST (frappe.client and the
/api/resource handler), search (search_link) and the report, each run as the user.
"""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe import client
from frappe.desk.search import search_link
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.api import links as links_api
from crm_mailbox.api import rules as rules_api
from crm_mailbox.api import threads as threads_api
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership

RULE, RUN, LINK = "Mailbox Routing Rule", "Mailbox Rule Run", "Mailbox Email Link"
MEMBER_ROLES = ("Inbox User", "Sales User")


def user(name: str, roles=MEMBER_ROLES) -> str:
	return mt.make_user(f"crm-priv-{name}@ourco.example", roles)


def add_inbox(user: str, account) -> None:
	doc = frappe.get_doc("User", user)
	if not any(row.email_account == account.name for row in doc.user_emails):
		doc.append("user_emails", {"email_account": account.name, "email_id": account.email_id})
		doc.save(ignore_permissions=True)


def rest_put(doctype: str, name: str, data: dict):
	"""PUT /api/resource/<doctype>/<name> as Frappe's REST handler runs it for the session user."""
	from frappe.api import v1

	form_dict = frappe.local.form_dict
	frappe.local.form_dict = frappe._dict(data=frappe.as_json(data))  # the request body, as JSON
	try:
		return v1.update_doc(doctype, name)
	finally:
		frappe.local.form_dict = form_dict


class TestMailboxPrivacy(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.proc = user("proc")
		cls.reader = user("reader")
		cls.outsider = user("outsider")
		cls.manager = user("manager", ("Inbox User", "Sales Manager"))
		cls.support = user("support", ("Inbox User", "Support Team"))
		cls.me = user("me")
		cls.sysman = user("sysman", ("System Manager",))
		cls.lead_proc = user("lead-proc", ("Inbox User", "Sales Manager"))
		cls.team = t.make_email_account(
			"crm-priv-team@ourco.example",
			name="CRM Privacy Team",
			crm_purpose="Shared",
			crm_owner_strategy="Round robin",
			crm_members=[
				{"user": cls.proc, "access": "Process"},
				{"user": cls.lead_proc, "access": "Process"},
				{"user": cls.reader, "access": "Read"},
			],
		)
		cls.personal = t.make_email_account(
			"crm-priv-me@ourco.example",
			name="CRM Privacy Personal",
			crm_purpose="Personal",
			crm_mailbox_owner=cls.me,
		)
		cls.plain = t.make_email_account(
			"crm-priv-plain@ourco.example", name="CRM Privacy Plain", crm_purpose=""
		)
		# Frappe's own email rule: members read their mailbox's mail through an Email Inbox row
		for member in (cls.proc, cls.reader):
			add_inbox(member, cls.team)
		add_inbox(cls.me, cls.personal)
		add_inbox(cls.proc, cls.plain)
		mt.fresh_settings()

		cls.lead = t.make_lead(t.unique_address("priv-lead"))
		cls.team_rule = cls.make_rule(cls.team, [{"action": "add_tag", "tag": "priv"}])
		cls.plain_rule = cls.make_rule(cls.plain, [{"action": "add_tag", "tag": "priv"}])
		cls.team_mail = cls.receive(cls.team, cls.lead.email_id)
		cls.plain_mail = cls.receive(cls.plain, cls.lead.email_id)
		cls.personal_mail = cls.receive(cls.personal)
		cls.thread = ownership.thread_of(cls.team_mail)

	@staticmethod
	def make_rule(account, actions, **fields):
		return frappe.get_doc(
			{
				"doctype": RULE,
				"rule_name": "Privacy " + frappe.generate_hash(length=6),
				"email_account": account.name,
				"match": "All",
				"conditions": [{"field": "subject", "operator": "contains", "value": "Hello"}],
				"actions": actions,
				**fields,
			}
		).insert(ignore_permissions=True)

	@staticmethod
	def receive(account, sender=None) -> str:
		sender = sender or t.unique_address("customer")
		(mail,) = t.receive(account, t.build_email(sender, to=account.email_id))
		return mail.name

	def setUp(self):
		frappe.set_user("Administrator")
		mt.fresh_settings()

	def tearDown(self):
		frappe.set_user("Administrator")

	def as_user(self, name: str) -> None:
		frappe.set_user(name)
		mt.fresh_settings()

	def listed(self, name: str, doctype: str, filters: dict) -> list[str]:
		self.as_user(name)
		return frappe.get_list(doctype, filters=filters, pluck="name")

	def may(self, name: str, doctype: str, doc: str, ptype: str = "read") -> bool:
		return bool(frappe.has_permission(doctype, ptype, doc=doc, user=name))

	# --- routing rules -------------------------------------------------------------------------

	def test_rules_are_read_by_the_mailboxs_members_only(self):
		rule = self.team_rule.name
		for member in (self.proc, self.reader, self.sysman):
			self.assertEqual(self.listed(member, RULE, {"name": rule}), [rule], member)
			self.assertTrue(self.may(member, RULE, rule), member)
		for stranger in (self.outsider, self.support, self.manager, self.me):
			self.assertEqual(self.listed(stranger, RULE, {"name": rule}), [], stranger)
			self.assertFalse(self.may(stranger, RULE, rule), stranger)
			with self.assertRaises(frappe.PermissionError):
				client.get(RULE, rule)
			self.assertNotIn(rule, [r["value"] for r in search_link(RULE, "Privacy")], stranger)

	def test_rules_of_a_mailbox_without_purpose_follow_its_email_inbox_users(self):
		rule = self.plain_rule.name
		self.assertEqual(self.listed(self.proc, RULE, {"name": rule}), [rule])
		self.assertEqual(self.listed(self.outsider, RULE, {"name": rule}), [])
		self.assertFalse(self.may(self.outsider, RULE, rule))
		# and only a System Manager changes them
		self.assertFalse(self.may(self.proc, RULE, rule, "write"))
		self.assertTrue(self.may(self.sysman, RULE, rule, "write"))

	def test_only_processors_and_system_managers_create_a_mailboxs_rules(self):
		for stranger, account in (
			(self.manager, self.team),
			(self.manager, self.personal),
			(self.reader, self.team),
			(self.proc, self.personal),
		):
			self.as_user(stranger)
			with self.assertRaises(frappe.PermissionError, msg=f"{stranger} on {account.name}"):
				self.new_rule(account).insert()
		for author, account in (
			(self.proc, self.team),
			(self.me, self.personal),
			(self.sysman, self.personal),
		):
			self.as_user(author)
			self.assertTrue(self.new_rule(account).insert().name)

	def new_rule(self, account, actions=None):
		return frappe.get_doc(
			{
				"doctype": RULE,
				"rule_name": "Privacy new " + frappe.generate_hash(length=6),
				"email_account": account.name,
				"conditions": [{"field": "subject", "operator": "contains", "value": "x"}],
				"actions": actions or [{"action": "add_tag", "tag": "x"}],
			}
		)

	def test_only_processors_and_system_managers_change_a_rule_by_any_channel(self):
		rule = self.team_rule.name
		for stranger in (self.manager, self.reader):
			self.as_user(stranger)
			with self.assertRaises(frappe.PermissionError):
				client.set_value(RULE, rule, "enabled", 0)
			with self.assertRaises(frappe.PermissionError):
				rest_put(RULE, rule, {"description": "mine now"})
			with self.assertRaises(frappe.PermissionError):
				doc = frappe.get_doc(RULE, rule)
				doc.description = "mine now"
				doc.save()
		self.as_user(self.proc)
		client.set_value(RULE, rule, "description", "kept by its processor")
		# nor may a processor move a rule into a mailbox that is not theirs
		with self.assertRaises(frappe.PermissionError):
			rest_put(RULE, rule, {"email_account": self.personal.name})

	def test_only_processors_and_system_managers_preview_a_mailboxs_rules(self):
		for stranger in (self.manager, self.reader, self.outsider):
			self.as_user(stranger)
			with self.assertRaises(frappe.PermissionError):
				rules_api.preview_rules(self.team.name)
		self.as_user(self.proc)
		previewed = [row["communication"] for row in rules_api.preview_rules(self.team.name)["result"]]
		self.assertIn(self.team_mail, previewed)

	def test_a_link_to_target_must_be_readable_by_the_rules_author(self):
		issue = frappe.get_doc({"doctype": "Issue", "subject": "Private issue"}).insert(
			ignore_permissions=True
		)
		self.as_user(self.lead_proc)  # a processor, and a Sales Manager: who may not read Issues
		self.assertFalse(frappe.has_permission("Issue", "read", doc=issue.name))
		with self.assertRaises(frappe.ValidationError):
			self.new_rule(
				self.team, [{"action": "link_to", "link_doctype": "Issue", "link_name": issue.name}]
			).insert()
		rule = self.new_rule(
			self.team, [{"action": "link_to", "link_doctype": "Lead", "link_name": self.lead.name}]
		).insert()
		self.assertTrue(rule.name)

	# --- rule runs and link reasons ------------------------------------------------------------

	def test_rule_runs_follow_the_email(self):
		runs = frappe.get_all(RUN, filters={"communication": self.team_mail}, pluck="name")
		self.assertTrue(runs, "the rule did not run")
		for member in (self.proc, self.reader, self.sysman):
			self.assertEqual(self.listed(member, RUN, {"name": ("in", runs)}), runs, member)
			self.assertTrue(self.may(member, RUN, runs[0]), member)
		for stranger in (self.outsider, self.support, self.manager):
			self.assertEqual(self.listed(stranger, RUN, {"name": ("in", runs)}), [], stranger)
			self.assertFalse(self.may(stranger, RUN, runs[0]), stranger)
			with self.assertRaises(frappe.PermissionError):
				client.get(RUN, runs[0])

	def test_rows_about_mail_without_purpose_follow_frappes_email_inbox_rule(self):
		runs = frappe.get_all(RUN, filters={"communication": self.plain_mail}, pluck="name")
		links = frappe.get_all(LINK, filters={"communication": self.plain_mail}, pluck="name")
		self.assertTrue(runs and links)
		# the outsider has no Email Inbox row for the plain mailbox: Frappe hides its mail from them
		for doctype, names in ((RUN, runs), (LINK, links)):
			self.assertEqual(self.listed(self.outsider, doctype, {"name": ("in", names)}), [], doctype)
			self.assertEqual(sorted(self.listed(self.proc, doctype, {"name": ("in", names)})), sorted(names))

	def test_link_reasons_follow_the_email(self):
		links = frappe.get_all(LINK, filters={"communication": self.team_mail}, pluck="name")
		self.assertTrue(links)
		self.assertEqual(sorted(self.listed(self.reader, LINK, {"name": ("in", links)})), sorted(links))
		self.assertEqual(self.listed(self.outsider, LINK, {"name": ("in", links)}), [])
		self.assertFalse(self.may(self.manager, LINK, links[0]))

	# --- threads -------------------------------------------------------------------------------

	def test_a_reader_cannot_take_or_close_a_thread_by_any_channel(self):
		before = frappe.db.get_value(ownership.THREAD, self.thread, ["thread_owner", "work_status"])
		self.as_user(self.reader)
		self.assertTrue(frappe.has_permission(ownership.THREAD, "read", doc=self.thread))
		attempts = (
			lambda: rest_put(ownership.THREAD, self.thread, {"thread_owner": self.reader}),
			lambda: rest_put(ownership.THREAD, self.thread, {"work_status": "Done"}),
			lambda: client.set_value(ownership.THREAD, self.thread, "thread_owner", self.reader),
			lambda: threads_api.set_status(self.thread, "Ignored"),
			lambda: threads_api.assign(self.thread, self.proc),
		)
		for attempt in attempts:
			with self.assertRaises(frappe.PermissionError):
				attempt()
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value(ownership.THREAD, self.thread, ["thread_owner", "work_status"]), before
		)

	def test_owner_and_status_changes_are_in_the_threads_history(self):
		from frappe.model.document import Document

		thread = ownership.thread_of(self.receive(self.team))
		owner = frappe.db.get_value(ownership.THREAD, thread, "thread_owner")
		self.assertIn(owner, (self.proc, self.lead_proc))
		other = self.lead_proc if owner == self.proc else self.proc  # a new owner must be a processor
		save = Document._save

		def save_with_versions(doc, ignore_permissions=None, ignore_version=None):
			# Frappe skips Version rows in tests; keep them for threads, as on a live site
			keep = doc.doctype == ownership.THREAD
			return save(doc, ignore_permissions, False if keep else ignore_version)

		with patch.object(Document, "_save", save_with_versions):
			ownership.assign_thread(thread, other, "cover")
			self.as_user(self.proc)  # a processor, through the REST handler
			rest_put(ownership.THREAD, thread, {"work_status": "Done"})
		frappe.set_user("Administrator")
		changed = [
			field
			for data in frappe.get_all(
				"Version", filters={"ref_doctype": ownership.THREAD, "docname": thread}, pluck="data"
			)
			for field, _old, _new in frappe.parse_json(data).get("changed", [])
		]
		self.assertIn("thread_owner", changed)
		self.assertIn("work_status", changed)
		# the owner's ToDo followed the edit
		self.assertEqual(ownership.open_todos(thread), [])
		self.assertEqual(
			frappe.db.get_value("Communication", {"crm_thread": thread}, "crm_thread_owner"), other
		)

	def test_threads_of_a_mailbox_without_purpose_follow_their_emails(self):
		account = t.make_email_account(
			"crm-priv-cleared@ourco.example",
			name="CRM Privacy Cleared",
			crm_purpose="Shared",
			crm_members=[{"user": self.proc, "access": "Process"}],
		)
		for member in (self.proc, self.reader):
			add_inbox(member, account)
		mt.fresh_settings()
		thread = ownership.thread_of(self.receive(account))
		self.assertTrue(thread)
		account = frappe.get_doc("Email Account", account.name)
		account.crm_purpose = ""
		account.save(ignore_permissions=True)

		# the outsider may not read its emails (no Email Inbox row): nor the thread, by any channel
		self.assertEqual(self.listed(self.outsider, ownership.THREAD, {"name": thread}), [])
		self.assertFalse(self.may(self.outsider, ownership.THREAD, thread))
		with self.assertRaises(frappe.PermissionError):
			client.get(ownership.THREAD, thread)
		self.assertNotIn(thread, [r["value"] for r in search_link(ownership.THREAD, "")])
		# who may read its emails still reads it; its owner and a System Manager change it
		self.assertEqual(self.listed(self.reader, ownership.THREAD, {"name": thread}), [thread])
		self.assertTrue(self.may(self.reader, ownership.THREAD, thread))
		self.assertFalse(self.may(self.reader, ownership.THREAD, thread, "write"))
		self.assertEqual(frappe.db.get_value(ownership.THREAD, thread, "thread_owner"), self.proc)
		self.assertTrue(self.may(self.proc, ownership.THREAD, thread, "write"))
		self.assertTrue(self.may(self.sysman, ownership.THREAD, thread, "write"))

	# --- linking by hand -----------------------------------------------------------------------

	def test_linking_by_hand_needs_write_permission_on_the_record(self):
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": "CRM-PRIV-" + frappe.generate_hash(length=6),
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
			}
		).insert(ignore_permissions=True)
		self.as_user(self.proc)  # a Sales User reads Items but does not change them
		self.assertTrue(frappe.has_permission("Item", "read", doc=item.name))
		with self.assertRaises(frappe.PermissionError):
			links_api.link_email(self.team_mail, "Item", item.name)
		self.assertEqual(links_api.link_emails([self.team_mail], "Item", item.name)["result"]["linked"], [])
		linked = links_api.link_email(self.team_mail, "Lead", self.lead.name)
		self.assertIn(("Lead", self.lead.name), {(row.link_doctype, row.link_name) for row in linked})

	# --- the Synced Emails report --------------------------------------------------------------

	def test_members_use_the_synced_emails_report_and_see_only_their_mail(self):
		from frappe.desk.query_report import run

		for member, own, others in (
			(self.reader, self.team_mail, self.personal_mail),
			(self.me, self.personal_mail, self.team_mail),
		):
			self.as_user(member)
			result = run("Synced Emails", filters={})
			listed = {row["communication"] for row in result["result"] if isinstance(row, dict)}
			self.assertIn(own, listed, member)
			self.assertNotIn(others, listed, member)
			self.assertNotIn(self.plain_mail, listed, member)
