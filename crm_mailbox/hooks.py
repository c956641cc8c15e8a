app_name = "crm_mailbox"
app_title = "CRM Mailbox"
app_publisher = "crm_mailbox developers"
app_description = "Turns inbound email into managed CRM work: linking, routing, ownership"
app_email = "dev@crm-mailbox.invalid"
app_license = "mit"

# "frappe/erpnext" rather than "erpnext": install-app then needs no GitHub lookup to resolve it.
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

after_install = "crm_mailbox.setup.install.after_install"
after_migrate = "crm_mailbox.setup.install.after_migrate"
before_uninstall = "crm_mailbox.setup.install.before_uninstall"

# The "Link to..." dialog, shared by the email form, the email list and the Synced Emails report;
# long work's progress and "done" notice, wherever the user is when it ends.
app_include_js = [
	"/assets/crm_mailbox/js/link_emails.js",
	"/assets/crm_mailbox/js/email_work.js",
	"/assets/crm_mailbox/js/long_work.js",
	# Mailbox Health's table, shared by the Email Account form and the Mailbox Health page
	"/assets/crm_mailbox/js/mailbox_health.js",
	# Test Connection's progress; "Connect Your Mailbox" (the Your Mailboxes page and the user's profile)
	"/assets/crm_mailbox/js/connection_test.js",
	"/assets/crm_mailbox/js/connect_mailbox.js",
]

doctype_js = {
	"Communication": "public/js/communication.js",
	"Customer": "public/js/customer.js",
	"User": "public/js/user.js",
	"Email Account": [
		"public/js/email_account.js",
		"public/js/email_account_rules.js",
		"public/js/email_account_intake.js",
	],
}

doctype_list_js = {
	"Communication": "public/js/communication_list.js",
}

# The app's bookkeeping about an email or a record never stops Frappe from deleting it;
# integrations/deletion.py removes or repairs those rows in the same transaction.
ignore_links_on_delete = [
	"Mailbox Email Link",
	"Mailbox Rule Run",
	"Mailbox Thread",
	"Mailbox Routing Rule",
	"Mailbox Thread Seen",
	"Mailbox Intake Message",
	"Mailbox Intake Folder",
]

doc_events = {
	"*": {
		"on_trash": "crm_mailbox.integrations.deletion.on_trash",
	},
	"Communication": {
		"before_insert": "crm_mailbox.mailboxes.personal_sender.check_sender",
		"before_validate": "crm_mailbox.integrations.communication.before_validate",
		"validate": "crm_mailbox.integrations.communication.validate",
		"after_insert": [
			"crm_mailbox.integrations.communication.after_insert",
			# the thread must exist before routing rules assign it
			"crm_mailbox.integrations.threads.after_insert",
			"crm_mailbox.integrations.rules.after_insert",
			"crm_mailbox.inbox.realtime.email_inserted",
		],
	},
	"Lead": {
		"on_update": "crm_mailbox.integrations.crm_records.lead_on_update",
	},
	"Contact": {
		"before_insert": "crm_mailbox.linking.contacts.claim_for_customer",
		"on_update": "crm_mailbox.integrations.crm_records.contact_on_update",
	},
	"Customer": {
		"validate": "crm_mailbox.integrations.crm_records.customer_validate",
		"on_update": "crm_mailbox.integrations.crm_records.customer_on_update",
	},
	"File": {
		# received attachments: a file name and URL no page turns into markup
		"before_insert": "crm_mailbox.integrations.files.before_insert",
	},
	"Email Account": {
		"validate": "crm_mailbox.integrations.email_account.validate",
		"on_update": [
			"crm_mailbox.integrations.email_account.on_update",
			"crm_mailbox.intake.schedule.sync_frappe_pull",
		],
		"on_trash": [
			"crm_mailbox.integrations.email_account.on_trash",
			"crm_mailbox.intake.schedule.sync_frappe_pull",
		],
		"onload": "crm_mailbox.integrations.email_account.onload",
	},
	"User": {
		"validate": "crm_mailbox.mailboxes.inboxes.add_role_inboxes",
	},
	"Email Queue": {
		# a desk reply leaves with In-Reply-To and References (integrations/outgoing.py)
		"before_insert": "crm_mailbox.integrations.outgoing.before_insert",
	},
}

# a Task, Issue or Project made from a customer's email shows on the Customer's (or Lead's) timeline
additional_timeline_content = {
	"Customer": ["crm_mailbox.integrations.party_timeline.made_from_mail"],
	"Lead": ["crm_mailbox.integrations.party_timeline.made_from_mail"],
}

# A linked record's timeline leaves out the mail of mailboxes that do not share it (permissions/timeline.py):
# Frappe's timeline query runs no permission hook, so its endpoints are wrapped, not replaced.
override_whitelisted_methods = {
	"frappe.desk.form.load.getdoc": "crm_mailbox.api.timeline.getdoc",
	"frappe.desk.form.load.get_docinfo": "crm_mailbox.api.timeline.get_docinfo",
	"frappe.desk.form.save.savedocs": "crm_mailbox.api.timeline.savedocs",  # save / submit answer with docinfo
	"frappe.desk.form.save.cancel": "crm_mailbox.api.timeline.cancel",
	"frappe.desk.form.load.get_communications": "crm_mailbox.api.timeline.get_communications",
	# the sidebar's Assigned To counts ignore permissions: counted over readable documents (api/listview.py)
	"frappe.desk.listview.get_group_by_count": "crm_mailbox.api.listview.get_group_by_count",
	# the Email Account's "Pull Emails" button: our intake pulls the mailboxes it owns (api/intake.py)
	"frappe.email.doctype.email_account.email_account.pull_emails": "crm_mailbox.api.intake.pull_emails",
}

# Who may read a mailbox's mail: composed (ANDed) with Frappe's own rules, never looser.
permission_query_conditions = {
	"Communication": "crm_mailbox.permissions.mailbox.communication_query",
	"Mailbox Thread": "crm_mailbox.permissions.mailbox.thread_query",
	"Mailbox Email Link": "crm_mailbox.permissions.mailbox.email_link_query",
	"Mailbox Rule Run": "crm_mailbox.permissions.mailbox.rule_run_query",
	"Mailbox Routing Rule": "crm_mailbox.permissions.rules.rule_query",
	"File": "crm_mailbox.permissions.files.file_query",
}

has_permission = {
	"Communication": "crm_mailbox.permissions.mailbox.communication_permission",
	"Mailbox Thread": "crm_mailbox.permissions.mailbox.thread_permission",
	"Mailbox Email Link": "crm_mailbox.permissions.mailbox.email_link_permission",
	"Mailbox Rule Run": "crm_mailbox.permissions.mailbox.rule_run_permission",
	"Mailbox Routing Rule": "crm_mailbox.permissions.rules.rule_permission",
	"File": "crm_mailbox.permissions.files.file_permission",
}

scheduler_events = {
	"cron": {
		# overdue replies: fan out one job per mailbox
		"*/15 * * * *": ["crm_mailbox.threads.overdue.enqueue_overdue_checks"],
		# the intake's fallback pull, and Frappe's pull for the other accounts (intake/schedule.py)
		"* * * * *": ["crm_mailbox.intake.schedule.every_minute"],
	},
	"daily": ["crm_mailbox.threads.retention.enqueue_retention"],
}
