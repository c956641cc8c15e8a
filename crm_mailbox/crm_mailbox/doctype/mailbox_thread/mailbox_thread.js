// crm_mailbox: work a thread from its form; the server checks who may.
frappe.ui.form.on("Mailbox Thread", {
	refresh(frm) {
		if (frm.is_new()) return;
		const set_status = (status) =>
			frm
				.call({
					method: "crm_mailbox.api.threads.set_status",
					args: { thread: frm.doc.name, status },
				})
				.then(() => frm.reload_doc());
		if (!["Done", "Ignored"].includes(frm.doc.work_status)) {
			frm.add_custom_button(__("Mark Done"), () => set_status("Done"));
			frm.add_custom_button(__("Ignore"), () => set_status("Ignored"), __("Status"));
		} else {
			frm.add_custom_button(__("Reopen"), () => set_status("Waiting on us"), __("Status"));
		}
		frm.add_custom_button(__("Reassign"), () => {
			frappe.prompt(
				[
					{ fieldname: "user", fieldtype: "Link", options: "User", label: __("New Owner"), reqd: 1 },
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Why") },
				],
				(values) =>
					frm
						.call({
							method: "crm_mailbox.api.threads.assign",
							args: { thread: frm.doc.name, user: values.user, reason: values.reason || "" },
						})
						.then(() => frm.reload_doc()),
				__("Reassign Thread")
			);
		});
		if (frm.doc.is_overdue) {
			frm.dashboard.set_headline(__("The reply was due {0}.", [frappe.datetime.comment_when(frm.doc.due_at)]));
		}
	},
});
