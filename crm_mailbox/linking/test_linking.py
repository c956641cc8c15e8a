"""Bench suite: emails received through Frappe's receive path are linked with reasons."""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox import testing as t
from crm_mailbox.linking import backfill, candidates, resolver, store


class TestLinking(FrappeTestCase):
	"""Every case runs twice: with the Email Account's "Create Contacts from Incoming Emails" off,
	and on (Frappe's default) in TestLinkingWithFrappesContacts below."""

	create_contact = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# received through our intake, which hands our hooks the raw headers (Auto-Submitted, References)
		cls.account = t.make_email_account(create_contact=cls.create_contact, crm_own_intake=1)

	def receive_from(self, sender, **kwargs):
		(communication,) = t.receive(self.account, t.build_email(sender, **kwargs))
		self.assertIsNotNone(communication, "the email was not saved")
		return communication

	def test_lead_address_links_the_lead(self):
		address = t.unique_address("jane")
		lead = t.make_lead(address)
		mail = self.receive_from(f"Jane Lead <{address}>")
		self.assertEqual(t.links_of(mail).get(("Lead", lead.name)), "Lead address")
		self.assertIn(("Lead", lead.name), t.timeline_of(mail))
		self.assertEqual((mail.reference_doctype, mail.reference_name), ("Lead", lead.name))

	def test_lead_beats_contact_with_same_address(self):
		address = t.unique_address("jane")
		customer = t.make_customer()
		other = t.make_contact(address, links=[("Customer", customer.name)])
		lead = t.make_lead(address)
		mail = self.receive_from(address)
		links = t.links_of(mail)
		self.assertEqual(links.get(("Lead", lead.name)), "Lead address")
		self.assertNotIn(("Contact", other.name), links)
		self.assertNotIn(("Contact", other.name), t.timeline_of(mail))
		self.assertNotIn(("Customer", customer.name), t.timeline_of(mail))
		superseded = frappe.db.get_value(
			"Mailbox Email Link",
			{"communication": mail.name, "link_doctype": "Contact", "link_name": other.name},
			["status", "detail"],
			as_dict=True,
		)
		self.assertEqual(superseded.status, "Superseded")
		self.assertIn(lead.name, superseded.detail)

	def test_first_created_contact_wins(self):
		address = t.unique_address("bob")
		first_customer, second_customer = t.make_customer(), t.make_customer()
		first = t.make_contact(address, links=[("Customer", first_customer.name)])
		second = t.make_contact(address, links=[("Customer", second_customer.name)])
		mail = self.receive_from(address)
		timeline = t.timeline_of(mail)
		self.assertIn(("Contact", first.name), timeline)
		self.assertIn(("Customer", first_customer.name), timeline)
		self.assertNotIn(("Contact", second.name), timeline)
		self.assertNotIn(("Customer", second_customer.name), timeline)
		self.assertEqual(t.links_of(mail)[("Customer", first_customer.name)], "Contact party")

	def test_converted_lead_links_its_customer_and_keeps_history(self):
		address = t.unique_address("convert")
		lead = t.make_lead(address)
		before = self.receive_from(address)
		self.assertIn(("Lead", lead.name), t.links_of(before))

		customer = t.make_customer()
		frappe.db.set_value("Customer", customer.name, "lead_name", lead.name)
		frappe.db.set_value("Lead", lead.name, "status", "Converted")

		after = self.receive_from(address)
		links = t.links_of(after)
		self.assertEqual(links.get(("Customer", customer.name)), "Converted lead")
		self.assertNotIn(("Lead", lead.name), links)
		self.assertIn(("Lead", lead.name), t.links_of(frappe.get_doc("Communication", before.name)))

		# Relinking earlier mail adds the customer but takes nothing away from the lead's history.
		backfill.relink([before.name])
		self.assertIn(("Lead", lead.name), t.timeline_of(before))
		self.assertIn(("Lead", lead.name), t.links_of(before))
		self.assertEqual(t.links_of(before).get(("Customer", customer.name)), "Converted lead")

	def test_customer_domain_links_unknown_colleague(self):
		domain = t.random_domain()
		customer = t.make_customer(domains=[domain])
		address = f"new.person@{domain}"
		mail = self.receive_from(address)
		links = t.links_of(mail)
		self.assertIn(("Customer", customer.name), t.timeline_of(mail))
		contacts = frappe.get_all("Contact Email", filters={"email_id": address}, pluck="parent")
		if self.create_contact:
			# Frappe's contact for the stranger belongs to the customer; it cannot outrank the domain.
			(contact,) = contacts
			self.assertEqual(_parties_of(contact), [("Customer", customer.name)])
			self.assertEqual(
				links, {("Contact", contact): "Contact address", ("Customer", customer.name): "Contact party"}
			)
		else:
			self.assertEqual(contacts, [])
			self.assertEqual(links, {("Customer", customer.name): "Customer domain"})
		self.assertEqual(mail.crm_sender_domain, domain)

	def test_exact_address_beats_domain(self):
		domain = t.random_domain()
		t.make_customer(domains=[domain])
		lead = t.make_lead(f"buyer@{domain}")
		mail = self.receive_from(f"buyer@{domain}")
		self.assertEqual(
			set(t.links_of(mail)) - {("Contact", c) for c in _contacts_of(lead)}, {("Lead", lead.name)}
		)

	def test_free_mail_domain_is_refused_and_never_links(self):
		with self.assertRaises(frappe.ValidationError):
			t.make_customer(domains=["gmail.com"])
		mail = self.receive_from(t.unique_address("private", "gmail.com"))
		self.assertEqual({doctype for doctype, _name in t.links_of(mail)} - {"Contact"}, set())
		for _doctype, name in t.links_of(mail):
			self.assertEqual(_parties_of(name), [], "a free-mail sender's contact belongs to no one")

	def test_reply_joins_thread_links_for_unknown_sender(self):
		lead = t.make_lead(t.unique_address("thread"))
		first = self.receive_from(
			lead.email_id, message_id="<first-" + frappe.generate_hash(length=8) + "@x>"
		)
		first_id = "<" + first.message_id + ">"
		reply = self.receive_from(
			t.unique_address("colleague"), subject="Re: Hello", in_reply_to=first_id, references=first_id
		)
		self.assertEqual(t.links_of(reply).get(("Lead", lead.name)), "Thread")

		by_references = self.receive_from(
			t.unique_address("other"), subject="Re: Hello", references=f"<unknown@x> {first_id}"
		)
		self.assertEqual(t.links_of(by_references).get(("Lead", lead.name)), "Thread")

	def test_most_recent_open_opportunity_is_linked(self):
		domain = t.random_domain()
		customer = t.make_customer(domains=[domain])
		t.make_opportunity("Customer", customer.name)
		newest = t.make_opportunity("Customer", customer.name)
		lost = t.make_opportunity("Customer", customer.name)
		frappe.db.set_value("Opportunity", lost.name, "status", "Lost")
		mail = self.receive_from(f"someone@{domain}")
		links = t.links_of(mail)
		opportunities = {name for (doctype, name) in links if doctype == "Opportunity"}
		self.assertEqual(opportunities, {newest.name})
		self.assertEqual((mail.reference_doctype, mail.reference_name), ("Opportunity", newest.name))

	def test_automated_mail_never_creates_a_contact(self):
		account = t.make_email_account(
			"support@ourco.example", "CRM Mailbox Test Support", create_contact=1, crm_own_intake=1
		)
		machine = t.unique_address("no-reply")
		(auto,) = t.receive(
			account,
			t.build_email(machine, to="support@ourco.example", headers={"Auto-Submitted": "auto-generated"}),
		)
		self.assertTrue(auto.crm_is_automated)
		self.assertIn("Auto-Submitted", auto.crm_automated_signal)
		self.assertFalse(frappe.db.exists("Contact Email", {"email_id": machine}))
		self.assertEqual(auto.email_account, account.name)

		person = t.unique_address("person")
		(human,) = t.receive(account, t.build_email(person, to="support@ourco.example"))
		self.assertFalse(human.crm_is_automated)
		self.assertTrue(
			frappe.db.exists("Contact Email", {"email_id": person}), "Frappe's own contact creation"
		)

	def test_automated_mail_from_known_lead_is_linked(self):
		lead = t.make_lead(t.unique_address("ooo"))
		mail = self.receive_from(
			lead.email_id, subject="Automatic reply: Hello", headers={"Auto-Submitted": "auto-replied"}
		)
		self.assertTrue(mail.crm_is_automated)
		self.assertIn(("Lead", lead.name), t.links_of(mail))

	def test_real_client_mail_is_linked(self):
		frappe.db.delete("Customer Email Domain", {"domain": "acme-industries.com"})  # earlier runs
		for contact in frappe.get_all(
			"Contact Email", {"email_id": "anna.mueller@acme-industries.com"}, pluck="parent"
		):
			# another customer's, from earlier runs
			frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
		customer = t.make_customer(domains=["acme-industries.com"])
		(outlook,) = t.receive(self.account, t.eml("outlook_new_inquiry.eml"))
		self.assertEqual(outlook.sender, "anna.mueller@acme-industries.com")
		self.assertIn(("Customer", customer.name), t.links_of(outlook))
		self.assertFalse(outlook.crm_is_automated)

	def test_real_bounce_and_mailing_list_are_automated(self):
		for name in (
			"bounce_dsn.eml",
			"mailing_list.eml",
			"auto_reply_outlook.eml",
			"noreply_notification.eml",
		):
			# a new Message-ID: the same email received before (another run) would only be found again
			(mail,) = t.receive(self.account, t.with_message_id(t.eml(name)))
			self.assertIsNotNone(mail, name)
			self.assertTrue(mail.crm_is_automated, name)
			self.assertTrue(mail.crm_automated_signal, name)

	def test_malformed_mail_is_not_lost(self):
		(mail,) = t.receive(self.account, t.eml("malformed.eml"))
		self.assertIsNotNone(mail)

	def test_outgoing_mail_links_by_recipient(self):
		from frappe.core.doctype.communication.email import make

		lead = t.make_lead(t.unique_address("out"))
		result = make(
			recipients=lead.email_id,
			subject="Our quote",
			content="Please find our quote.",
			send_email=False,
			communication_medium="Email",
			sender="sales@ourco.example",
		)
		mail = frappe.get_doc("Communication", result["name"])
		self.assertEqual(t.links_of(mail).get(("Lead", lead.name)), "Lead address")

	def test_error_in_linking_keeps_the_email_and_marks_it_for_review(self):
		address = t.unique_address("broken")
		with patch.object(resolver, "resolve_links", side_effect=RuntimeError("boom")):
			(mail,) = t.receive(self.account, t.build_email(address))
		self.assertIsNotNone(mail, "the email must not be lost")
		self.assertTrue(mail.crm_needs_review)
		self.assertIn("Automatic linking failed", mail.crm_review_note)
		self.assertTrue(
			frappe.db.exists("Error Log", {"reference_doctype": "Communication", "reference_name": mail.name})
		)

	def test_second_pull_of_the_same_message_creates_no_duplicate(self):
		lead = t.make_lead(t.unique_address("dup"))
		raw = t.build_email(lead.email_id)
		(first,) = t.receive(self.account, raw)
		before = _link_rows(first)
		t.receive(self.account, raw)
		self.assertEqual(frappe.db.count("Communication", {"message_id": first.message_id}), 1)
		self.assertIn(("Lead", lead.name, "Linked"), before)
		self.assertEqual(_link_rows(first), before, "the second pull added or changed links")

	def test_a_link_is_stored_once_whoever_writes_it(self):
		lead = t.make_lead(t.unique_address("once"))
		mail = self.receive_from(lead.email_id)
		link = store.Link("Lead", lead.name, "Lead address", "again")
		# a second writer (a relink job, a user) that did not see the first row: no second row
		store._bulk_insert(mail.name, [link], "Administrator")
		self.assertEqual(_link_rows(mail).count(("Lead", lead.name, "Linked")), 1)
		with self.assertRaises(frappe.UniqueValidationError):
			frappe.get_doc(
				{
					"doctype": "Mailbox Email Link",
					"communication": mail.name,
					"link_doctype": "Lead",
					"link_name": lead.name,
					"status": "Linked",
					"reason": "Manual",
				}
			).db_insert()

	def test_no_contact_for_our_own_or_a_colleagues_address(self):
		for contact in frappe.get_all("Contact Email", {"email_id": self.account.email_id}, pluck="parent"):
			frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)  # earlier runs
		colleague = t.make_user(t.unique_address("colleague", "ourco.example"), ("Sales User",))
		contacts_before = set(
			frappe.get_all(
				"Contact Email",
				filters={"email_id": ("in", [self.account.email_id, colleague])},
				pluck="parent",
			)
		)
		stranger = t.unique_address("stranger")
		mail = self.receive_from(stranger, to=self.account.email_id, headers={"Cc": colleague})
		contacts_after = set(
			frappe.get_all(
				"Contact Email",
				filters={"email_id": ("in", [self.account.email_id, colleague])},
				pluck="parent",
			)
		)
		self.assertEqual(contacts_after, contacts_before, "a Contact was made for our own address")
		self.assertEqual(
			bool(frappe.db.exists("Contact Email", {"email_id": stranger})),
			bool(self.create_contact),
			"Frappe's contact creation for strangers must stay as the Email Account says",
		)
		ours = {("Contact", c) for c in contacts_after}
		self.assertFalse(ours & t.timeline_of(mail))
		self.assertFalse(ours & set(t.links_of(mail)))

	def test_our_own_contacts_are_never_participants(self):
		# A Contact for the mailbox's address (made by Frappe before this app, or by hand), and a
		# colleague's: neither is linked to the mail, though Frappe links every participant's Contact.
		own = frappe.db.get_value("Contact Email", {"email_id": self.account.email_id}, "parent")
		own = own or t.make_contact(self.account.email_id).name
		colleague = t.make_user(t.unique_address("colleague", "ourco.example"), ("Sales User",))
		theirs = (
			frappe.db.get_value("Contact Email", {"email_id": colleague}, "parent")
			or t.make_contact(colleague).name
		)
		lead = t.make_lead(t.unique_address("customer"))
		mail = self.receive_from(lead.email_id, to=self.account.email_id, headers={"Cc": colleague})
		mail.save(ignore_permissions=True)  # Frappe re-adds participants' contacts on every save
		for name in (own, theirs):
			self.assertNotIn(("Contact", name), t.timeline_of(mail))
			self.assertNotIn(("Contact", name), t.links_of(mail))
		self.assertIn(("Lead", lead.name), t.links_of(mail))

	def test_not_linked_means_no_lead_customer_or_opportunity(self):
		from crm_mailbox.crm_mailbox.report.synced_emails import synced_emails

		if not frappe.db.exists("Contact Email", {"email_id": self.account.email_id}):
			t.make_contact(self.account.email_id)  # our own address's Contact never counts as a link
		subject = "Not linked " + frappe.generate_hash(length=8)
		unknown = self.receive_from(
			t.unique_address("nobody", "gmail.com"), to=self.account.email_id, subject=subject
		)
		lead = t.make_lead(t.unique_address("known"))
		known = self.receive_from(lead.email_id, to=self.account.email_id, subject=subject)
		task = frappe.get_doc({"doctype": "Task", "subject": "from the email"}).insert(
			ignore_permissions=True
		)
		store.record(unknown.name, [store.Link("Task", task.name, "Manual", "made from the email")])

		def listed():
			_columns, rows = synced_emails.execute(
				frappe._dict(email_account=self.account.name, unlinked_only=1)
			)
			return {row["communication"] for row in rows}

		found = listed()
		self.assertNotIn(known.name, found)
		# with Create Contacts on the stranger has Frappe's Contact, which belongs to no one: still stray mail
		self.assertIn(
			unknown.name,
			found,
			"a Task link, Frappe's Contact or our own contact made the email count as linked",
		)

	def test_new_contact_links_earlier_mail(self):
		address = t.unique_address("later")
		mail = self.receive_from(address)
		for contact in frappe.get_all("Contact Email", filters={"email_id": address}, pluck="parent"):
			frappe.delete_doc("Contact", contact, ignore_permissions=True, force=True)  # Frappe's, if on
		self.assertEqual({doctype for doctype, _name in t.links_of(mail)} - {"Contact"}, set())
		frappe.db.delete("Mailbox Email Link", {"communication": mail.name})
		contact = t.make_contact(address)  # on_update enqueues the backfill (runs now in tests)
		self.assertEqual(t.links_of(mail).get(("Contact", contact.name)), "Contact address")
		self.assertIn(("Contact", contact.name), t.timeline_of(mail))

	def test_new_customer_domain_links_earlier_mail(self):
		domain = t.random_domain()
		mail = self.receive_from(f"buyer@{domain}")
		customer = t.make_customer()
		customer.append("crm_email_domains", {"domain": domain.upper()})
		customer.save(ignore_permissions=True)
		self.assertEqual(customer.crm_email_domains[0].domain, domain)
		self.assertEqual(t.links_of(mail).get(("Customer", customer.name)), "Customer domain")

	def test_relink_dry_run_changes_nothing_and_is_idempotent(self):
		address = t.unique_address("relink")
		mail = self.receive_from(address)
		frappe.db.set_value("Lead", t.make_lead(address).name, "modified", frappe.utils.now())
		frappe.db.delete("Mailbox Email Link", {"communication": mail.name})
		frappe.db.delete("Communication Link", {"parent": mail.name, "link_doctype": "Lead"})

		names = backfill.emails_for(addresses=[address])
		planned = backfill.relink(names, dry_run=True)
		self.assertTrue(any(change.link.doctype == "Lead" for change in planned))
		self.assertEqual(t.links_of(mail), {})

		done = backfill.relink(names)
		self.assertEqual(
			[(c.link.doctype, c.link.name) for c in done], [(c.link.doctype, c.link.name) for c in planned]
		)
		self.assertIn("Lead", {doctype for doctype, _name in t.links_of(mail)})
		self.assertEqual(backfill.relink(names), [])

	def test_query_count_does_not_grow_with_crm_size(self):
		sender = t.unique_address("count")
		t.make_lead(sender)

		def count_queries():
			communication = frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_medium": "Email",
					"sent_or_received": "Received",
					"sender": sender,
					"recipients": "sales@ourco.example",
					"subject": "count",
				}
			)
			queries = []
			original = frappe.db.__class__.sql

			def counting(db, *args, **kwargs):
				queries.append(args[0])
				return original(db, *args, **kwargs)

			with patch.object(frappe.db.__class__, "sql", counting):
				resolver.resolve_links(communication)
			return len(queries)

		small = count_queries()
		for _ in range(150):
			domain = t.random_domain()
			t.make_lead(f"l@{domain}")
			t.make_contact(f"c@{domain}")
			t.make_customer(domains=[domain])
		large = count_queries()
		self.assertEqual(small, large)
		with self.assertQueryCount(small):
			communication = frappe._dict(
				sent_or_received="Received", sender=sender, crm_thread_ids="", in_reply_to=None
			)
			resolver.resolve_links(communication)


class TestLinkingWithFrappesContacts(TestLinking):
	"""The same cases with "Create Contacts from Incoming Emails" on, as Frappe sets it by default."""

	create_contact = 1


def _parties_of(contact: str) -> list[tuple[str, str]]:
	return [
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "parent": contact},
			fields=["link_doctype", "link_name"],
		)
	]


def _link_rows(mail) -> list[tuple[str, str, str]]:
	return sorted(
		(r.link_doctype, r.link_name, r.status)
		for r in frappe.get_all(
			"Mailbox Email Link",
			filters={"communication": mail.name},
			fields=["link_doctype", "link_name", "status"],
		)
	)


def _contacts_of(lead) -> list[str]:
	return frappe.get_all(
		"Dynamic Link",
		filters={"link_doctype": "Lead", "link_name": lead.name, "parenttype": "Contact"},
		pluck="parent",
	)


class TestCandidates(FrappeTestCase):
	def test_lookup_forms_find_plus_and_case_variants(self):
		address = t.unique_address("Forms")
		contact = t.make_contact(address)
		local, domain = address.split("@")
		found = candidates.fetch([f"{local.upper()}+crm@{domain}"])
		self.assertIn(contact.name, [c.name for c in found.contacts])
