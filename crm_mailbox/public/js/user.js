// crm_mailbox: on your own profile, connect your own mailbox (the "Your Mailboxes" page).
frappe.ui.form.on("User", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.name !== frappe.session.user) return;
		frm.add_custom_button(__("Connect Your Mailbox"), () =>
			frappe.set_route("connect-mailbox")
		);
	},
});
