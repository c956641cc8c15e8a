// crm_mailbox: test the connection step by step; purpose defaults.
frappe.ui.form.on("Email Account", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Test Connection"), () => crm_mailbox.test_connection(frm));
		if (frm.doc.crm_purpose) {
			frm.add_custom_button(__("Open Inbox"), () =>
				frappe.set_route("mailbox-inbox", { mailbox: frm.doc.name })
			);
		}
		crm_mailbox.show_member_problems(frm);
	},
	crm_purpose(frm) {
		// Shared mailboxes archive mail from unknown senders too; CRM mailboxes keep it out of the list.
		if (["Shared", "CRM"].includes(frm.doc.crm_purpose)) {
			frm.set_value("crm_archive_unknown", frm.doc.crm_purpose === "Shared" ? 1 : 0);
		}
		// Linked mail shows on the record's timeline to all its readers, except a Personal mailbox's.
		if (frm.doc.crm_purpose) {
			frm.set_value("crm_share_linked_mail", frm.doc.crm_purpose === "Personal" ? 0 : 1);
		}
	},
});

frappe.provide("crm_mailbox");

// Members who cannot read the mailbox yet (server's sentences, plain text: escaped here).
crm_mailbox.show_member_problems = function (frm) {
	const problems = (frm.doc.__onload || {}).crm_member_problems || [];
	if (!problems.length) return;
	const items = problems.map((p) => `<li>${frappe.utils.escape_html(p)}</li>`).join("");
	frm.dashboard.add_comment(
		`${__("Some members cannot read this mailbox:")}<ul class="mb-0">${items}</ul>`,
		"orange",
		true
	);
};

// Test Connection: the steps as they end, then the verdict (public/js/connection_test.js).
crm_mailbox.test_connection = function (frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Test Connection"),
		fields: [{ fieldname: "progress", fieldtype: "HTML" }],
		size: "large",
	});
	dialog.show();
	const stop = crm_mailbox.follow_connection_test({
		method: "crm_mailbox.api.mailboxes.test_connection",
		args: { email_account: frm.doc.name },
		$progress: dialog.get_field("progress").$wrapper,
		on_error: () => dialog.hide(),
	});
	dialog.onhide = stop;
};
