"""Custom fields for mailboxes with a purpose (Email Account) and email threads (Communication).

Merged into crm_mailbox.setup.install.get_custom_fields(), which creates and removes them.
"""

TEAM = "eval:['Shared', 'CRM'].includes(doc.crm_purpose)"


def email_account_fields() -> list[dict]:
	return [
		{
			"fieldname": "crm_mailbox_settings_section",
			"fieldtype": "Section Break",
			"label": "CRM Mailbox",
			"insert_after": "send_notification_to",
			"collapsible": 1,
			"depends_on": "enable_incoming",
		},
		{
			"fieldname": "crm_purpose",
			"fieldtype": "Select",
			"label": "Purpose",
			"options": "\nPersonal\nShared\nCRM",
			"insert_after": "crm_mailbox_settings_section",
			"description": "Personal: only its owner reads it. Shared or CRM: its members read it, and every "
			"new conversation gets one owner among its processors. Empty: Frappe's usual rules.",
		},
		{
			"fieldname": "crm_mailbox_owner",
			"fieldtype": "Link",
			"label": "Mailbox Owner",
			"options": "User",
			"insert_after": "crm_purpose",
			"depends_on": "crm_purpose",
			"mandatory_depends_on": "eval:doc.crm_purpose == 'Personal'",
		},
		{
			"fieldname": "crm_owner_strategy",
			"fieldtype": "Select",
			"label": "Thread Owner",
			"options": "Round robin\nLeast open threads\nFixed user\nMailbox owner",
			"default": "Round robin",
			"insert_after": "crm_mailbox_owner",
			"depends_on": TEAM,
			"description": "Who owns a new conversation: the processors in turn, the processor with the "
			"fewest open threads, one fixed user, or the mailbox owner.",
		},
		{
			"fieldname": "crm_fixed_owner",
			"fieldtype": "Link",
			"label": "Fixed Thread Owner",
			"options": "User",
			"insert_after": "crm_owner_strategy",
			"depends_on": "eval:doc.crm_owner_strategy == 'Fixed user' && "
			"['Shared', 'CRM'].includes(doc.crm_purpose)",
		},
		{
			"fieldname": "crm_archive_unknown",
			"fieldtype": "Check",
			"label": "Archive Mail from Unknown Senders Too",
			"insert_after": "crm_fixed_owner",
			"depends_on": TEAM,
			"description": "Off: mail from senders matching no Lead, Contact or Customer is kept but not "
			"put in the team's list. Set on for Shared and off for CRM when the purpose is chosen.",
		},
		{
			"fieldname": "crm_share_linked_mail",
			"fieldtype": "Check",
			"label": "Share Linked Mail with Everyone Who Can Read the Linked Record",
			"insert_after": "crm_archive_unknown",
			"depends_on": "crm_purpose",
			"description": "On: an email linked to a Customer, Lead or Contact shows on that record's "
			"timeline to everyone who can read the record. Off: only to those who may read this "
			"mailbox. Set on for Shared and CRM and off for Personal when the purpose is chosen.",
		},
		{
			"fieldname": "crm_link_parties",
			"fieldtype": "Select",
			"label": "Link Mail To",
			"options": "\nCustomers and Leads\nCustomers\nLeads",
			"insert_after": "crm_share_linked_mail",
			"depends_on": "crm_purpose",
			"description": "Which parties this mailbox's mail is linked to (with their contacts and open "
			"opportunities). Empty: Customers and Leads.",
		},
		{
			"fieldname": "crm_mailbox_column",
			"fieldtype": "Column Break",
			"insert_after": "crm_link_parties",
		},
		{
			"fieldname": "crm_reply_deadline_hours",
			"fieldtype": "Float",
			"label": "Reply Deadline (Working Hours)",
			"default": "24",
			"insert_after": "crm_mailbox_column",
			"depends_on": TEAM,
			"description": "A thread waiting on us is overdue after this many working hours; its owner is "
			"notified, and the warned members after twice as long. 0: no deadline.",
		},
		{
			"fieldname": "crm_working_hours",
			"fieldtype": "Data",
			"label": "Working Hours",
			"default": "09:00-17:00",
			"insert_after": "crm_reply_deadline_hours",
			"depends_on": TEAM,
			"description": "The hours of a working day that count toward the reply deadline, as 09:00-17:00.",
		},
		{
			"fieldname": "crm_holiday_list",
			"fieldtype": "Link",
			"label": "Holiday List",
			"options": "Holiday List",
			"insert_after": "crm_working_hours",
			"depends_on": TEAM,
			"description": "Working days are Monday to Friday, except the dates of this list.",
		},
		{
			"fieldname": "crm_retention_days",
			"fieldtype": "Int",
			"label": "Keep Processed Mail in the Team List (Days)",
			"default": "30",
			"insert_after": "crm_holiday_list",
			"depends_on": TEAM,
			"description": "Done or Ignored threads leave the team's list after this many days. Nothing "
			"is deleted. 0: they stay.",
		},
		{
			"fieldname": "crm_own_intake",
			"fieldtype": "Check",
			"label": "Receive with crm_mailbox's Intake (Seconds, Not Minutes)",
			"insert_after": "crm_retention_days",
			"depends_on": "eval:doc.use_imap && doc.auth_method != 'OAuth'",
			"description": "On: new mail arrives within seconds (IMAP IDLE) or at the interval below, in "
			"batches until the folder is drained; a message Frappe cannot read is kept for Retry instead "
			"of stopping the mailbox. Off: Frappe's own pull. Set on for Shared and CRM when the purpose "
			"is chosen.",
		},
		{
			"fieldname": "crm_poll_seconds",
			"fieldtype": "Int",
			"label": "Check for New Mail Every (Seconds)",
			"default": "60",
			"non_negative": 1,
			"insert_after": "crm_own_intake",
			"depends_on": "crm_own_intake",
			"description": "Where the server offers no IMAP IDLE, or it is off below. At least 15.",
		},
		{
			"fieldname": "crm_use_idle",
			"fieldtype": "Check",
			"label": "Use IMAP IDLE (Push) Where the Server Offers It",
			"default": "1",
			"insert_after": "crm_poll_seconds",
			"depends_on": "crm_own_intake",
		},
		{
			"fieldname": "crm_members_section",
			"fieldtype": "Section Break",
			"label": "Mailbox Members",
			"insert_after": "crm_use_idle",
			"depends_on": TEAM,
		},
		{
			"fieldname": "crm_members",
			"fieldtype": "Table",
			"label": "Members",
			"options": "Mailbox Member",
			"insert_after": "crm_members_section",
			"description": "Read: may read this mailbox. Process: may also own its threads. A role stands for "
			"every user with it.",
		},
		{
			"fieldname": "crm_defaults_section",
			"fieldtype": "Section Break",
			"label": "CRM Defaults",
			"insert_after": "crm_members",
			"depends_on": "eval:doc.crm_purpose == 'CRM'",
			"collapsible": 1,
		},
		{
			"fieldname": "crm_opportunity_type",
			"fieldtype": "Link",
			"label": "Opportunity Type",
			"options": "Opportunity Type",
			"insert_after": "crm_defaults_section",
		},
		{
			"fieldname": "crm_opportunity_source",
			"fieldtype": "Link",
			"label": "Source",
			"options": "Lead Source",
			"insert_after": "crm_opportunity_type",
		},
		{
			"fieldname": "crm_sales_stage",
			"fieldtype": "Link",
			"label": "Starting Sales Stage",
			"options": "Sales Stage",
			"insert_after": "crm_opportunity_source",
		},
		{
			"fieldname": "crm_defaults_column",
			"fieldtype": "Column Break",
			"insert_after": "crm_sales_stage",
		},
		{
			"fieldname": "crm_opportunity_owner",
			"fieldtype": "Link",
			"label": "Opportunity Owner",
			"options": "User",
			"insert_after": "crm_defaults_column",
		},
		{
			"fieldname": "crm_company",
			"fieldtype": "Link",
			"label": "Company",
			"options": "Company",
			"insert_after": "crm_opportunity_owner",
		},
	]


def communication_thread_fields() -> list[dict]:
	return [
		{
			"fieldname": "crm_thread",
			"fieldtype": "Link",
			"label": "Thread",
			"options": "Mailbox Thread",
			"read_only": 1,
			"search_index": 1,
			"insert_after": "crm_review_note",
		},
		{
			"fieldname": "crm_thread_owner",
			"fieldtype": "Link",
			"label": "Thread Owner",
			"options": "User",
			"read_only": 1,
			"in_standard_filter": 1,
			"depends_on": "crm_thread",
			"insert_after": "crm_thread",
		},
	]
