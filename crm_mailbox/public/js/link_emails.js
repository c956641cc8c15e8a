// crm_mailbox: the one "Link to..." dialog, for an email's form, the email list and the Synced Emails report.
frappe.provide("crm_mailbox");

// Ask for a record, then link the emails to it on the server (which checks permissions per email).
// Returns the dialog.
crm_mailbox.link_emails = function (communications, after) {
	const many = communications.length > 1;
	const d = new frappe.ui.Dialog({
		title: many ? __("Link {0} emails to...", [communications.length]) : __("Link to..."),
		fields: [
			{
				fieldname: "link_doctype",
				fieldtype: "Link",
				options: "DocType",
				label: __("Type"),
				reqd: 1,
				default: "Customer",
				get_query: () => ({ filters: { istable: 0, issingle: 0 } }),
			},
			{
				fieldname: "link_name",
				fieldtype: "Dynamic Link",
				options: "link_doctype",
				label: __("Record"),
				reqd: 1,
			},
		],
		primary_action_label: __("Link"),
		primary_action(values) {
			d.hide();
			if (!many) {
				frappe
					.call({
						method: "crm_mailbox.api.links.link_email",
						type: "POST",
						args: { communication: communications[0], ...values },
					})
					.then(() => after && after());
				return;
			}
			// many emails: progress shows as they are linked; a large selection runs in the background
			crm_mailbox.run_long(
				"crm_mailbox.api.links.link_emails",
				{ communications, ...values },
				(result) => {
					frappe.msgprint(
						__("{0} emails linked, {1} refused (no permission).", [
							result.linked.length,
							result.refused.length,
						])
					);
					after && after();
				}
			);
		},
	});
	d.show();
	return d;
};
