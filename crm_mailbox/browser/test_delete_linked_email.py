"""Browser: a person deletes an email that the app has linked, from the email's form in the desk.

Before crm_mailbox ignored its own rows in Frappe's link check, this failed with
"Cannot delete or cancel because Communication ... is linked with Mailbox Email Link".
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.browser.harness import Browser, require_browser
from crm_mailbox.mailboxes import testing as mt
from crm_mailbox.threads import ownership


class TestDeleteLinkedEmailInTheDesk(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		require_browser()
		frappe.set_user("Administrator")
		people = mt.People()
		cls.box = mt.team_mailbox(people, name="CRM Mailbox Test Delete")
		mt.fresh_settings()
		cls.lead = t.make_lead(t.unique_address("lead"))
		(cls.mail,) = t.receive(cls.box, t.build_email(cls.lead.email_id, to=cls.box.email_id))
		cls.thread = ownership.thread_of(cls.mail.name)
		# the web server is another process: it sees committed data only
		frappe.db.commit()  # nosemgrep
		cls.browser = Browser("Administrator", frappe.conf.get("admin_password") or "admin")

	@classmethod
	def tearDownClass(cls):
		cls.browser.close()
		frappe.delete_doc("Lead", cls.lead.name, force=True, ignore_permissions=True)
		# undo what the test committed
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def test_delete_from_the_form_menu(self):
		self.assertIn(("Lead", self.lead.name), t.links_of(self.mail))
		page = self.browser.page
		# as a person gets there: from the list (after a delete the desk goes back one page)
		self.browser.open("app/communication")
		self.browser.run(f"frappe.set_route('Form', 'Communication', {frappe.as_json(self.mail.name)})")

		page.locator(".page-head:visible .menu-btn-group button").click()
		page.locator(".page-head:visible .menu-btn-group .dropdown-item:visible", has_text="Delete").click()
		page.locator(".modal.show .btn-modal-primary").click()
		page.wait_for_function("() => frappe.get_route_str().startsWith('List/Communication')")
		self.browser.settle()

		# a new transaction sees what the web server did
		frappe.db.commit()  # nosemgrep
		self.assertFalse(
			frappe.db.exists("Communication", self.mail.name),
			f"the email was not deleted; browser said: {self.browser.dialogs + self.browser.errors}",
		)
		self.assertEqual(frappe.db.count("Mailbox Email Link", {"communication": self.mail.name}), 0)
		self.assertFalse(frappe.db.exists(ownership.THREAD, self.thread))
