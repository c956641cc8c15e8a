// Retry: hand a kept message to the receive path again (System Manager; the server checks too).
frappe.ui.form.on("Mailbox Intake Message", {
	refresh(frm) {
		if (frm.doc.status !== "Failed" || !frm.doc.raw || !frappe.user.has_role("System Manager")) {
			return;
		}
		frm.add_custom_button(__("Retry"), () => {
			frm.call({ doc: frm.doc, method: "retry", freeze: true }).then((r) => {
				if (r.message) {
					frappe.show_alert({ message: __("Received as an email"), indicator: "green" });
				} else {
					frappe.msgprint({
						title: __("Still Not Received"),
						message: __("The message failed again; the reason below is the new one."),
						indicator: "orange",
					});
				}
				frm.reload_doc();
			});
		});
	},
});
