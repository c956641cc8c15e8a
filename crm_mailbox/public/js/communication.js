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

// crm_mailbox: what the routing rules did, the "Create" group, and linking by hand.
frappe.ui.form.on("Communication", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.communication_medium !== "Email") return;
		crm_mailbox.render_rule_runs(frm);
		crm_mailbox.add_work_buttons(frm);
	},
});

crm_mailbox.render_rule_runs = function (frm) {
	const field = frm.get_field("crm_links_html");
	if (!field) return;
	const $parent = field.$wrapper.parent();
	$parent.find(".crm-mailbox-rule-runs").remove();
	const $box = $(`<div class="crm-mailbox-rule-runs"></div>`).appendTo($parent);
	frappe
		.call("crm_mailbox.api.rules.get_rule_runs", { communication: frm.doc.name })
		.then(({ message: runs }) => {
			if (!runs || !runs.length) return;
			const esc = frappe.utils.escape_html;
			const body = runs
				.map((run) => {
					const actions = run.actions
						.map((a) => {
							const ref = a.reference_name
								? ` <a href="/app/${frappe.router.slug(a.reference_doctype)}/${encodeURIComponent(
										a.reference_name
								  )}">${esc(a.reference_doctype)} ${esc(a.reference_name)}</a>`
								: "";
							return `<li><b>${__(a.status)}</b> ${esc(__(a.action_label || a.action))}: ${esc(
								a.note || ""
							)}${ref}</li>`;
						})
						.join("");
					return `<div class="mb-2"><a href="/app/mailbox-routing-rule/${encodeURIComponent(
						run.rule
					)}">${esc(run.rule_name || run.rule)}</a>
						<span class="text-muted">${__("matched because")} ${esc(run.matched_because || "")}</span>
						<ul class="mb-0">${actions}</ul></div>`;
				})
				.join("");
			$box.html(`<div class="small"><h6 class="mt-3">${__("Routing Rules")}</h6>${body}</div>`);
		});
};

crm_mailbox.add_work_buttons = function (frm) {
	const group = __("Create");
	const create = (label, action) => {
		// Frappe (Contact) and ERPNext (Lead, Opportunity, Issue) put entries with these labels in the
		// same "Create" group first, and a group keeps the first of two entries with one label: take
		// theirs out (with its twin in the narrow-screen menu) so that ours is the one that runs.
		frm.remove_custom_button(label, "Create");
		const twin = `${group} > ${__(label)}`;
		frm.page.menu
			.find(".menu-item-label")
			.filter((i, el) => el.textContent.trim() === twin)
			.closest("li")
			.remove();
		// theirs go even when ours is not offered: the user may not make that record at all
		if (action) frm.add_custom_button(__(label), action, group);
	};
	// offer only what the user may make: a "Not permitted" after typing the whole brief loses it
	const entries = {
		Lead: crm_mailbox.make_lead,
		Opportunity: crm_mailbox.make_opportunity,
		Task: crm_mailbox.make_task,
		Issue: crm_mailbox.make_issue,
		Contact: crm_mailbox.make_contact,
		Project: crm_mailbox.make_project,
	};
	for (const [doctype, make] of Object.entries(entries)) {
		create(doctype, frappe.model.can_create(doctype) ? () => make(frm) : null);
	}
	frm.add_custom_button(
		__("Link to..."),
		() => crm_mailbox.link_emails([frm.doc.name], () => frm.reload_doc()),
		__("Links")
	);
	frm.add_custom_button(__("Unlink..."), () => crm_mailbox.unlink_dialog(frm), __("Links"));
};
