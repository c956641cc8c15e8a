// crm_mailbox: suggest the customer's email domain from its contacts.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Suggest Email Domains"),
			() => {
				frappe.call("crm_mailbox.api.links.suggest_customer_domains", {
					customer: frm.doc.name,
				}).then(({ message: domains }) => {
					if (!domains || !domains.length) {
						frappe.msgprint(
							__(
								"No suggestion: the contacts do not all share one company domain (free-mail domains never count)."
							)
						);
						return;
					}
					domains.forEach((domain) => frm.add_child("crm_email_domains", { domain }));
					frm.refresh_field("crm_email_domains");
					frappe.show_alert({
						message: __("Added {0}. Save to link earlier mail.", [
							frappe.utils.escape_html(domains.join(", ")),
						]),
						indicator: "green",
					});
				});
			},
			__("Actions")
		);
	},
});
