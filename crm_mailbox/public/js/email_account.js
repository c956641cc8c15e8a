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

// Test Connection runs in a background job: the dialog shows each step as it ends (a realtime event
// asks for the progress at once; polling covers missed events) and the verdict when it is done.
crm_mailbox.test_connection = function (frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Test Connection"),
		fields: [{ fieldname: "progress", fieldtype: "HTML" }],
		size: "large",
	});
	const $progress = dialog.get_field("progress").$wrapper;
	$progress.html(`<p class="text-muted">${__("Starting the test...")}</p>`);
	dialog.show();

	const started = Date.now();
	const GIVE_UP_MS = 150 * 1000; // the job itself is stopped after two minutes
	let test_id = null;
	let timer = null;
	const stop = () => {
		clearTimeout(timer);
		frappe.realtime.off("crm_mailbox_connection_test", on_event);
	};
	const poll = () => {
		clearTimeout(timer);
		frappe
			.call("crm_mailbox.api.mailboxes.connection_test_status", { test_id })
			.then(({ message }) => {
				$progress.html(crm_mailbox.connection_progress_html(message, Date.now() - started));
				if (message.done) return stop();
				if (Date.now() - started > GIVE_UP_MS) {
					$progress.append(
						`<p class="text-danger">${__(
							"No answer from the test: is a background worker running?"
						)}</p>`
					);
					return stop();
				}
				timer = setTimeout(poll, 1500);
			});
	};
	const on_event = (data) => {
		if (data && data.test_id === test_id) poll();
	};
	dialog.onhide = stop;

	frappe
		.call({
			method: "crm_mailbox.api.mailboxes.test_connection",
			args: { email_account: frm.doc.name },
		})
		.then(({ message }) => {
			test_id = message.test_id;
			frappe.realtime.on("crm_mailbox_connection_test", on_event);
			poll();
		})
		.catch(() => dialog.hide());
};

crm_mailbox.connection_progress_html = function (state, elapsed_ms) {
	const esc = frappe.utils.escape_html;
	const titles = { incoming: __("Incoming (IMAP)"), outgoing: __("Outgoing (SMTP)") };
	const row = (step) => `<tr>
			<td>${step.ok ? "✔" : "✘"}</td>
			<td>${esc(step.name)}</td>
			<td>${esc(String(step.seconds))} s</td>
			<td>${esc(step.detail || "")}${
		step.hint ? `<div class="text-danger">${esc(step.hint)}</div>` : ""
	}</td>
		</tr>`;
	const result = state.result;
	let html = "";
	for (const check of ["incoming", "outgoing"]) {
		const report = result ? result[check] : null;
		const steps = report ? report.steps : (state.steps || []).filter((s) => s.check === check);
		if (!steps.length) continue;
		const verdict = report ? (report.ok ? __("OK") : __("Failed")) : __("testing...");
		html += `<h5>${esc(titles[check])}: ${esc(verdict)}</h5>
			<table class="table table-bordered table-sm small"><tbody>${steps
				.map(row)
				.join("")}</tbody></table>`;
	}
	if (!result) {
		const seconds = Math.round(elapsed_ms / 1000);
		html += `<p class="text-muted">${esc(__("Testing... {0} s", [seconds]))}</p>`;
		return html;
	}
	const indicator = result.ok ? "green" : "red";
	const verdict = result.ok ? __("Connection works") : __("Connection problem");
	const notes = (result.notes || []).map((n) => `<p class="text-muted">${esc(n)}</p>`).join("");
	return `<p><span class="indicator-pill ${indicator}">${esc(verdict)}</span></p>${html}${notes}`;
};
