// crm_mailbox: the mailbox's routing rules, and a dry run of them on its last emails.
frappe.ui.form.on("Email Account", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Routing Rules"),
			() =>
				frappe.set_route("List", "Mailbox Routing Rule", { email_account: frm.doc.name }),
			__("Rules")
		);
		frm.add_custom_button(
			__("Preview Rules"),
			() => crm_mailbox.preview_rules(frm.doc.name),
			__("Rules")
		);
		if (frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(
				__("Link Earlier Emails"),
				() => crm_mailbox.relink_mailbox(frm.doc.name),
				__("Rules")
			);
		}
	},
});

frappe.provide("crm_mailbox");

crm_mailbox.preview_rules = function (email_account) {
	frappe.prompt(
		{ fieldname: "limit", fieldtype: "Int", label: __("Last N emails"), default: 20, reqd: 1 },
		({ limit }) => {
			// progress shows as the emails are checked; many emails run in the background
			crm_mailbox.run_long(
				"crm_mailbox.api.rules.preview_rules",
				{ email_account, limit },
				(reports) => crm_mailbox.show_preview(reports)
			);
		},
		__("Preview Routing Rules"),
		__("Preview")
	);
};

crm_mailbox.show_preview = function (reports) {
	const esc = frappe.utils.escape_html;
	// a dry run did nothing: say what the live run would do
	const would = (status) => (status === "Done" ? __("Would") : __(status));
	const rows = (reports || [])
		.map((r) => {
			let what;
			if (r.skipped_because) {
				what = `<span class="text-muted">${__("not run")}: ${esc(
					r.skipped_because
				)}</span>`;
			} else if (!r.rules.length) {
				what = `<span class="text-muted">${__("no rule matches")}</span>`;
			} else {
				what = r.rules
					.map(
						(rule) => `<div><b>${esc(rule.rule_name || rule.rule)}</b>
						<span class="text-muted">${esc(rule.matched_because)}</span><ul class="mb-1">${rule.actions
							.map(
								(a) =>
									`<li>${would(a.status)} ${esc(
										__(a.action_label || a.action)
									)}: ${esc(a.note)}</li>`
							)
							.join("")}</ul></div>`
					)
					.join("");
			}
			return `<tr><td><a href="/app/communication/${encodeURIComponent(
				r.communication
			)}">${esc(r.subject || r.communication)}</a><div class="text-muted">${esc(
				r.sender
			)}</div></td><td>${what}</td></tr>`;
		})
		.join("");
	frappe.msgprint({
		title: __("Dry run: nothing was changed"),
		wide: true,
		message: `<table class="table table-bordered small"><thead><tr><th>${__("Email")}</th>
			<th>${__("Rules and actions")}</th></tr></thead><tbody>${rows}</tbody></table>`,
	});
};

// Link the mailbox's earlier emails again (after adding customers' domains, say); progress as it goes.
crm_mailbox.relink_mailbox = function (email_account) {
	crm_mailbox.run_long("crm_mailbox.api.links.relink_emails", { email_account }, (result) =>
		frappe.msgprint(
			__("{0} emails checked, {1} links added.", [result.emails, result.links_changed]),
			__("Link Earlier Emails")
		)
	);
};
