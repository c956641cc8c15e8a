// crm_mailbox: the mailbox's health (how it receives, lag, backlog, last error) above the form's fields.
frappe.ui.form.on("Email Account", {
	refresh(frm) {
		if (frm.is_new() || !frm.doc.enable_incoming) return;
		// the server answers System Managers and the mailbox's owner only; others see no section
		const may_see =
			frappe.user.has_role("System Manager") ||
			frm.doc.crm_mailbox_owner === frappe.session.user;
		if (!may_see) return;
		frappe
			.call({ method: crm_mailbox.health.API, args: { account: frm.doc.name }, type: "GET" })
			.then((r) => {
				const rows = r.message || [];
				if (!rows.length || frm.doc.name !== rows[0].account) return;
				frm.crm_health && frm.crm_health.remove();
				const $section = $("<div>").append(crm_mailbox.health.table(rows, false));
				frm.crm_health = $(
					frm.dashboard.add_section($section, __("Mailbox Health"))
				).closest(".form-dashboard-section");
			});
	},
});
