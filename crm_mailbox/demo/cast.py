"""The demo's people and records: a sales team, customers with contacts, leads, two mailboxes, rules.

Each record is looked up by a fixed key before it is made, so a second run makes nothing new.
"""

from __future__ import annotations

import frappe

from crm_mailbox import testing as t

DOMAIN = "ourco.example"  # our company, as in tests/eml
ANNA = f"anna.demo@{DOMAIN}"  # sales: processes both mailboxes
BEN = f"ben.demo@{DOMAIN}"  # support: processes the Shared mailbox
CARLA = f"carla.demo@{DOMAIN}"  # sales manager: processes the CRM mailbox, reads the Shared one
TEAM = {
	ANNA: ("Anna", ("Inbox User", "Sales User")),
	BEN: ("Ben", ("Inbox User", "Support Team", "Sales User")),
	CARLA: ("Carla", ("Inbox User", "Sales User", "Sales Manager")),
}

SALES = "Demo Sales"  # CRM mailbox
SUPPORT = "Demo Support"  # Shared mailbox
MAILBOX_ADDRESSES = {SALES: f"demo-sales@{DOMAIN}", SUPPORT: f"demo-support@{DOMAIN}"}

# name: (email domains, contacts (full name, address)); tests/eml's domains as week.RENAMES renames them
CUSTOMERS = {
	"Acme Industries": (
		["acme-industries.example"],
		[("Anna Müller", "anna.mueller@acme-industries.example")],
	),
	"Globex Corporation": (["globex-corp.example"], [("Chloé Martin", "chloe@globex-corp.example")]),
}
# address: (first name, last name, company)
LEADS = {
	"info@xn--bcher-mller-demo-jzbg.example": ("Jörg", "Bücher", "Bücher-Müller GmbH"),
	"dave@initech.example": ("Dave", "Bolton", "Initech Ltd"),
}


def team(password: str | None = None) -> None:
	from frappe.utils.password import update_password

	for address, (first_name, roles) in TEAM.items():
		t.make_user(address, roles)
		if frappe.db.get_value("User", address, "first_name") != first_name:
			frappe.db.set_value("User", address, {"first_name": first_name, "last_name": "(demo)"})
		if password:
			update_password(address, password)


def customers() -> None:
	for name, (domains, contacts) in CUSTOMERS.items():
		if not frappe.db.exists("Customer", {"customer_name": name}):
			t.make_customer(name, domains=domains)
		customer = frappe.db.get_value("Customer", {"customer_name": name})
		for full_name, address in contacts:
			if not frappe.db.exists("Contact Email", {"email_id": address, "parenttype": "Contact"}):
				first_name, _space, last_name = full_name.partition(" ")
				contact = t.make_contact(address, first_name, links=[("Customer", customer)])
				contact.db_set("last_name", last_name)


def leads() -> None:
	for address, (first_name, last_name, company) in LEADS.items():
		if not frappe.db.exists("Lead", {"email_id": address}):
			t.make_lead(address, first_name, last_name=last_name, company_name=company)


def mailboxes() -> None:
	"""Made once: a later run leaves a demo mailbox as its users set it (a real password, members)."""
	common = {
		# Awaiting Password: Frappe's scheduler pulls no mail for it (its mail is the demo's), and
		# the owner can connect the real mailbox later by entering its password.
		"awaiting_password": 1,
		"password": None,
		"crm_own_intake": 0,
		"crm_reply_deadline_hours": 8,
	}
	settings = {
		SALES: {
			"crm_purpose": "CRM",
			"crm_owner_strategy": "Round robin",
			"crm_members": [
				{"user": ANNA, "access": "Process", "warn_when_overdue": 1},
				{"user": CARLA, "access": "Process"},
			],
			"crm_opportunity_owner": CARLA,
			"crm_company": t.company(),
		},
		SUPPORT: {
			"crm_purpose": "Shared",
			"crm_owner_strategy": "Round robin",
			"crm_members": [
				{"user": BEN, "access": "Process", "warn_when_overdue": 1},
				{"user": ANNA, "access": "Process"},
				{"user": CARLA, "access": "Read"},
			],
		},
	}
	for name, fields in settings.items():
		if not frappe.db.exists("Email Account", name):
			t.make_email_account(MAILBOX_ADDRESSES[name], name, **common, **fields)


# mailbox: [(rule name, match, conditions (field, operator, value), actions, stop after)]
RULES = {
	SALES: [
		(
			"Noise: newsletters, bounces, auto-replies",
			"All",
			[("is_automated", "is_true", "")],
			[{"action": "mark_ignored"}],
			1,
		),
		(
			"New business: a lead and an opportunity",
			"All",
			[("sender_known", "is_false", "")],
			[{"action": "create_lead"}, {"action": "create_opportunity"}],
			0,
		),
	],
	SUPPORT: [
		(
			"Noise: newsletters, bounces, auto-replies",
			"All",
			[("is_automated", "is_true", "")],
			[{"action": "mark_ignored"}],
			1,
		),
		(
			"Breakdowns: an urgent issue",
			"Any",
			[("subject_or_body", "matches", r"\b(broken|error|defect|not working)\b")],
			[
				{"action": "create_issue"},
				{"action": "set_priority", "priority": "High"},
				{"action": "add_tag", "tag": "breakdown"},
			],
			1,
		),
	],
}


def rules() -> None:
	for mailbox, rows in RULES.items():
		for sequence, (rule_name, match, conditions, actions, stop_after) in enumerate(rows, start=1):
			if frappe.db.exists("Mailbox Routing Rule", {"email_account": mailbox, "rule_name": rule_name}):
				continue
			frappe.get_doc(
				{
					"doctype": "Mailbox Routing Rule",
					"rule_name": rule_name,
					"email_account": mailbox,
					"match": match,
					"sequence": sequence,
					"stop_after": stop_after,
					"conditions": [
						dict(zip(("field", "operator", "value"), c, strict=True)) for c in conditions
					],
					"actions": actions,
				}
			).insert(ignore_permissions=True)
