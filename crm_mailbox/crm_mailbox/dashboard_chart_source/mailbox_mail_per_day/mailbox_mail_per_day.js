// crm_mailbox: emails received, replies sent and threads fallen overdue per day, in the mailboxes the
// user reads (crm_mailbox.api.dashboard.mail_per_day); optionally one mailbox.
frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Mailbox Mail per Day"] = {
	method: "crm_mailbox.api.dashboard.mail_per_day",
	filters: [
		{
			fieldname: "mailbox",
			label: __("Mailbox"),
			fieldtype: "Link",
			options: "Email Account",
		},
	],
};
