"""Bench suite: a mailbox's linked mail on the linked record's timeline (form load, docinfo, load more).

Calls go through frappe.handler.execute_cmd, the dispatch the desk's /api/method calls use, so
Frappe's own endpoints run as the browser reaches them. Users have only a real member's roles.
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.mailboxes import testing as mt

SALES = ("Inbox User", "Sales User")


def call_as(user: str, cmd: str, http_method: str = "GET", **args):
	"""Run a whitelisted method as the desk does; return (message, docinfo)."""
	from frappe.handler import execute_cmd
	from frappe.utils import set_request

	set_request(method=http_method, path=f"/api/method/{cmd}")
	frappe.set_user(user)
	frappe.local.response = frappe._dict(docs=[])
	frappe.local.form_dict = frappe._dict(cmd=cmd, **args)
	try:
		message = execute_cmd(cmd)
		return message, frappe.local.response.get("docinfo") or {}
	finally:
		frappe.local.request = None
		frappe.set_user("Administrator")


def docinfo_endpoints() -> list[str]:
	"""Whitelisted functions of Frappe (and the other apps) that put a form's docinfo in the response."""
	import ast
	from pathlib import Path

	apps = [Path(frappe.get_app_path(app)) for app in frappe.get_installed_apps() if app != "crm_mailbox"]
	found = []
	for app in apps:
		for path in app.rglob("*.py"):
			if "test" in path.name:
				continue
			module = ".".join(path.relative_to(app.parent).with_suffix("").parts)
			for node in ast.parse(path.read_text()).body:
				if not isinstance(node, ast.FunctionDef) or not any(
					"whitelist" in ast.unparse(d) for d in node.decorator_list
				):
					continue
				called = {
					ast.unparse(c.func).rsplit(".", 1)[-1] for c in ast.walk(node) if isinstance(c, ast.Call)
				}
				if called & {"get_docinfo", "send_updated_docs", "_get_communications"}:
					found.append(f"{module}.{node.name}")
	return found


def make_quotation(customer: str):
	"""A submitted Quotation of the customer: a record a Sales User may cancel."""
	item = frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": "CRM Mailbox TL " + frappe.generate_hash(length=6),
			"item_group": frappe.db.get_value("Item Group", {"is_group": 0}) or "All Item Groups",
			"stock_uom": "Nos",
			"is_stock_item": 0,
		}
	).insert(ignore_permissions=True)
	return frappe.get_doc(
		{
			"doctype": "Quotation",
			"quotation_to": "Customer",
			"party_name": customer,
			"company": frappe.defaults.get_global_default("company"),
			"items": [{"item_code": item.name, "qty": 1, "rate": 10}],
		}
	).submit()


class TestTimelineSharing(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.owner = mt.make_user("crm-mbx-tl-owner@ourco.example", SALES)
		cls.colleague = mt.make_user("crm-mbx-tl-colleague@ourco.example", SALES)
		cls.sysman = mt.make_user("crm-mbx-tl-sysman@ourco.example", ("System Manager", "Sales User"))
		cls.box = t.make_email_account(
			email_id="crm-mailbox-test-tl-personal@ourco.example",
			name="CRM Mailbox Test Timeline Personal",
			crm_purpose="Personal",
			crm_mailbox_owner=cls.owner,
		)
		domain = t.random_domain()
		cls.customer = t.make_customer(domains=[domain])
		mt.fresh_settings()
		(mail,) = t.receive(cls.box, t.build_email(t.unique_address("buyer", domain), to=cls.box.email_id))
		cls.mail = mail.name

	def setUp(self):
		mt.fresh_settings()
		frappe.db.set_value("Email Account", self.box.name, "crm_share_linked_mail", 0)

	def tearDown(self):
		frappe.set_user("Administrator")

	def on_form(self, user: str) -> bool:
		_message, docinfo = call_as(
			user, "frappe.desk.form.load.getdoc", doctype="Customer", name=self.customer.name
		)
		return self.mail in {c["name"] for c in docinfo.get("communications", [])}

	def in_docinfo(self, user: str) -> bool:
		_message, docinfo = call_as(
			user, "frappe.desk.form.load.get_docinfo", doctype="Customer", name=self.customer.name
		)
		return self.mail in {c["name"] for c in docinfo.get("communications", [])}

	def on_load_more(self, user: str) -> bool:
		message, _docinfo = call_as(
			user,
			"frappe.desk.form.load.get_communications",
			doctype="Customer",
			name=self.customer.name,
			start="0",  # as the desk sends them
			limit="21",
		)
		return self.mail in {c["name"] for c in message}

	def on_save(self, user: str) -> bool:
		"""The colleague presses Save on the Customer form (savedocs answers with the docinfo)."""
		doc = frappe.get_doc("Customer", self.customer.name).as_dict()
		_message, docinfo = call_as(
			user, "frappe.desk.form.save.savedocs", "POST", doc=frappe.as_json(doc), action="Save"
		)
		return self.mail in {c["name"] for c in docinfo.get("communications", [])}

	def test_the_app_links_the_personal_mail_to_the_customer(self):
		links = t.links_of(frappe.get_doc("Communication", self.mail))
		self.assertIn(("Customer", self.customer.name), links)
		self.assertIn(
			("Customer", self.customer.name), t.timeline_of(frappe.get_doc("Communication", self.mail))
		)

	def test_personal_mailbox_does_not_share_by_default(self):
		self.assertEqual(frappe.db.get_value("Email Account", self.box.name, "crm_share_linked_mail"), 0)
		team = mt.team_mailbox(mt.People(), name="CRM Mailbox Test Timeline Team")
		self.assertEqual(team.crm_share_linked_mail, 1)

	def test_colleague_does_not_see_unshared_mail_on_the_customer(self):
		self.assertTrue(
			frappe.has_permission("Customer", "read", doc=self.customer.name, user=self.colleague)
		)
		self.assertFalse(self.on_form(self.colleague))
		self.assertFalse(self.in_docinfo(self.colleague))
		self.assertFalse(self.on_load_more(self.colleague))

	def test_colleague_saving_the_customer_gets_no_unshared_mail(self):
		self.assertTrue(
			frappe.has_permission("Customer", "write", doc=self.customer.name, user=self.colleague)
		)
		self.assertFalse(self.on_save(self.colleague))
		self.assertTrue(self.on_save(self.owner))

	def test_colleague_cancelling_a_record_gets_no_unshared_mail(self):
		quotation = make_quotation(self.customer.name)
		comm = frappe.get_doc("Communication", self.mail)
		comm.add_link("Quotation", quotation.name)
		comm.save(ignore_permissions=True)
		self.assertTrue(frappe.has_permission("Quotation", "cancel", doc=quotation, user=self.colleague))
		_message, docinfo = call_as(
			self.colleague, "frappe.desk.form.save.cancel", "POST", doctype="Quotation", name=quotation.name
		)
		self.assertEqual(frappe.db.get_value("Quotation", quotation.name, "docstatus"), 2)
		self.assertEqual(docinfo.get("name"), quotation.name)  # the docinfo came, without the mail
		self.assertNotIn(self.mail, {c["name"] for c in docinfo.get("communications", [])})

	def test_every_frappe_endpoint_answering_with_docinfo_is_wrapped(self):
		"""A Frappe upgrade that adds a docinfo endpoint fails here until it is wrapped too."""
		overrides = frappe.get_hooks("override_whitelisted_methods")
		for endpoint in docinfo_endpoints():
			self.assertIn(endpoint, overrides, endpoint)
		self.assertTrue(
			{"frappe.desk.form.save.savedocs", "frappe.desk.form.save.cancel"} <= set(docinfo_endpoints())
		)

	def test_load_more_reads_a_bounded_page_however_large_the_start(self):
		from unittest import mock

		from frappe.desk.form import load

		from crm_mailbox.api.timeline import MAX_COMMUNICATIONS

		# Frappe's real function, watched: how many emails one request makes it read
		with mock.patch.object(load, "get_communications", wraps=load.get_communications) as frappe_call:
			message, _docinfo = call_as(
				self.owner,
				"frappe.desk.form.load.get_communications",
				doctype="Customer",
				name=self.customer.name,
				start=str(10**9),
				limit="20",
			)
		self.assertEqual(message, [])
		for call in frappe_call.call_args_list:
			self.assertLessEqual(call.kwargs["limit"], MAX_COMMUNICATIONS)

	def test_colleague_cannot_getdoc_the_unshared_mail(self):
		with self.assertRaises(frappe.PermissionError):
			call_as(self.colleague, "frappe.desk.form.load.getdoc", doctype="Communication", name=self.mail)

	def test_owner_and_system_manager_still_see_it(self):
		for user in (self.owner, self.sysman):
			self.assertTrue(self.on_form(user), user)
			self.assertTrue(self.in_docinfo(user), user)
			self.assertTrue(self.on_load_more(user), user)

	def test_shared_mailbox_shows_it_to_everyone_who_reads_the_customer(self):
		frappe.db.set_value("Email Account", self.box.name, "crm_share_linked_mail", 1)
		mt.fresh_settings()
		self.assertTrue(self.on_form(self.colleague))
		self.assertTrue(self.on_load_more(self.colleague))

	def test_purpose_change_sets_the_default_and_a_choice_by_hand_stays(self):
		box = t.make_email_account(
			email_id="crm-mailbox-test-tl-switch@ourco.example",
			name="CRM Mailbox Test Timeline Switch",
			crm_purpose="Personal",
			crm_mailbox_owner=self.owner,
		)
		self.assertEqual(box.crm_share_linked_mail, 0)
		box.update({"crm_purpose": "Shared", "crm_members": [{"user": self.owner, "access": "Process"}]})
		box.save(ignore_permissions=True)
		self.assertEqual(box.crm_share_linked_mail, 1)
		box.crm_share_linked_mail = 0  # by hand, purpose unchanged: stays
		box.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Email Account", box.name, "crm_share_linked_mail"), 0)

	def test_colleague_cannot_open_unshared_mail_through_the_customer(self):
		from frappe import client

		frappe.set_user(self.colleague)
		with self.assertRaises(frappe.PermissionError):
			client.get("Communication", self.mail)

	def test_migrate_gives_existing_mailboxes_the_default_of_their_purpose(self):
		from crm_mailbox.patches import share_linked_mail_by_purpose

		team = mt.team_mailbox(mt.People(), name="CRM Mailbox Test Timeline Team")
		frappe.db.set_value("Email Account", team.name, "crm_share_linked_mail", 0)
		frappe.db.set_value("Email Account", self.box.name, "crm_share_linked_mail", 1)
		share_linked_mail_by_purpose.execute()
		self.assertEqual(frappe.db.get_value("Email Account", team.name, "crm_share_linked_mail"), 1)
		self.assertEqual(frappe.db.get_value("Email Account", self.box.name, "crm_share_linked_mail"), 0)
