// crm_mailbox: test the connection step by step; purpose defaults.
frappe.ui.form.on("Email Account", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Test Connection"), () => crm_mailbox.test_connection(frm));
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

crm_mailbox.test_connection = function (frm) {
	frappe.dom.freeze(__("Testing the connection..."));
	frm.call({
		method: "crm_mailbox.api.mailboxes.test_connection",
		args: { email_account: frm.doc.name },
	})
		.then(({ message }) => crm_mailbox.show_connection_report(message))
		.always(() => frappe.dom.unfreeze());
};

crm_mailbox.show_connection_report = function (result) {
	const esc = frappe.utils.escape_html;
	const section = (title, report) => {
		if (!report) return "";
		const rows = report.steps
			.map(
				(step) => `<tr>
					<td>${step.ok ? "✔" : "✘"}</td>
					<td>${esc(step.name)}</td>
					<td>${esc(String(step.seconds))} s</td>
					<td>${esc(step.detail || "")}${
					step.hint ? `<div class="text-danger">${esc(step.hint)}</div>` : ""
				}</td>
				</tr>`
			)
			.join("");
		return `<h5>${title}: ${report.ok ? __("OK") : __("Failed")}</h5>
			<table class="table table-bordered table-sm small"><tbody>${rows}</tbody></table>`;
	};
	const notes = (result.notes || []).map((n) => `<p class="text-muted">${esc(n)}</p>`).join("");
	frappe.msgprint({
		title: result.ok ? __("Connection works") : __("Connection problem"),
		indicator: result.ok ? "green" : "red",
		message:
			section(__("Incoming (IMAP)"), result.incoming) +
			section(__("Outgoing (SMTP)"), result.outgoing) +
			notes,
		wide: true,
	});
};
