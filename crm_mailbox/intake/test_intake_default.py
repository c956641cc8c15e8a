"""Which new mailboxes our intake receives for: Shared and CRM by default, a Personal one when it opts in."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.intake.accounts import owns


class TestIntakeDefault(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.owner = t.make_user("intake-default-owner@ourco.example")
		cls.team = [{"user": cls.owner, "access": "Process"}]

	def make(self, label: str, **fields):
		name = f"CRM Intake Default {label}"
		if frappe.db.exists("Email Account", name):
			frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
		return t.make_email_account(f"intake-default-{label.lower()}@ourco.example", name, **fields)

	def test_a_shared_mailbox_starts_with_our_intake(self):
		self.assertTrue(owns(self.make("Shared", crm_purpose="Shared", crm_members=self.team).name))

	def test_a_personal_mailbox_keeps_frappes_pull_unless_it_opts_in(self):
		owner = self.owner
		plain = self.make("Personal", crm_purpose="Personal", crm_mailbox_owner=owner)
		self.assertFalse(owns(plain.name))
		opted = self.make("Opted", crm_purpose="Personal", crm_mailbox_owner=owner, crm_own_intake=1)
		self.assertTrue(owns(opted.name))

	def test_a_purpose_changed_later_sets_it_and_a_hand_set_value_stays(self):
		account = self.make("Later", crm_purpose="Personal", crm_mailbox_owner=self.owner)
		account.crm_purpose = "CRM"
		account.set("crm_members", self.team)
		account.save(ignore_permissions=True)
		self.assertTrue(owns(account.name))
		account.crm_own_intake = 0
		account.save(ignore_permissions=True)
		self.assertFalse(owns(account.name))
