// Copyright (c) 2026, crm_mailbox developers
// For license information, please see license.txt

frappe.query_reports["Synced Emails"] = {
	filters: [
		{ fieldname: "email_account", label: __("Mailbox"), fieldtype: "Link", options: "Email Account" },
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -30),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "needs_review", label: __("Needs Review"), fieldtype: "Check" },
		{ fieldname: "unlinked_only", label: __("Not Linked"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		// email text (and link names made from it) is data: Frappe's Data formatter does not escape
		if (["sender", "subject", "links", "crm_review_note"].includes(column.fieldname)) {
			return frappe.utils.escape_html(value == null ? "" : String(value));
		}
		return default_formatter(value, row, column, data);
	},
	get_datatable_options(options) {
		return Object.assign(options, { checkboxColumn: true });
	},
	after_datatable_render(datatable) {
		// The datatable keeps its ticked row numbers when the report refreshes with other rows:
		// start each result unticked, else "Link to..." would link emails nobody ticked.
		datatable.rowmanager.checkAll(false);
	},
	onload(report) {
		report.page.add_inner_button(__("Link to..."), () => {
			const checked = report.datatable.rowmanager.getCheckedRows();
			const communications = checked.map((i) => report.data[i].communication);
			if (!communications.length) {
				frappe.msgprint(__("Select the emails to link first."));
				return;
			}
			crm_mailbox.link_emails(communications, () => report.refresh());
		});
	},
};
