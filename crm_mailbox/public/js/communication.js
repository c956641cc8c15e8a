// crm_mailbox: show why this email is linked to each CRM record.
frappe.ui.form.on("Communication", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.communication_medium !== "Email") return;
		crm_mailbox.render_links(frm);
	},
});

frappe.provide("crm_mailbox");

crm_mailbox.render_links = function (frm) {
	const field = frm.get_field("crm_links_html");
	if (!field) return;
	frappe
		.call("crm_mailbox.api.links.get_email_links", { communication: frm.doc.name })
		.then(({ message: links }) => {
			if (!links || !links.length) {
				field.$wrapper.html(
					`<p class="text-muted small">${__("Not linked to any CRM record.")}</p>`
				);
				return;
			}
			const rows = links
				.map((link) => {
					const muted = link.status === "Linked" ? "" : "text-muted";
					const route = `/app/${frappe.router.slug(link.link_doctype)}/${encodeURIComponent(
						link.link_name
					)}`;
					return `<tr class="${muted}">
						<td>${__(link.link_doctype)}</td>
						<td><a href="${route}">${frappe.utils.escape_html(link.link_name)}</a></td>
						<td>${__(link.status)}</td>
						<td>${__(link.reason)}</td>
						<td>${frappe.utils.escape_html(link.detail || "")}</td>
					</tr>`;
				})
				.join("");
			field.$wrapper.html(`<table class="table table-bordered table-sm small">
				<thead><tr><th>${__("Type")}</th><th>${__("Record")}</th><th>${__("Status")}</th>
				<th>${__("Reason")}</th><th>${__("Why")}</th></tr></thead><tbody>${rows}</tbody></table>`);
		});
};
