// crm_mailbox: follow a Test Connection job, for the Email Account form and the connect dialog.
// The job runs in the background: each step shows as it ends (a realtime event asks for the progress at
// once; polling covers missed events), then the verdict. Every text from the server is escaped here.
frappe.provide("crm_mailbox");

// Starts the test with `method(args)` (which answers {test_id}) and draws into $progress; returns a
// function that stops following it.
crm_mailbox.follow_connection_test = function ({ method, args, $progress, on_error, on_done }) {
	$progress.html(`<p class="text-muted">${__("Starting the test...")}</p>`);
	const started = Date.now();
	const GIVE_UP_MS = 150 * 1000; // the job itself is stopped after two minutes
	let test_id = null;
	let timer = null;
	let stopped = false;
	const stop = () => {
		stopped = true;
		clearTimeout(timer);
		frappe.realtime.off("crm_mailbox_connection_test", on_event);
	};
	const poll = () => {
		clearTimeout(timer);
		if (stopped) return;
		frappe
			.call("crm_mailbox.api.mailboxes.connection_test_status", { test_id })
			.then(({ message }) => {
				if (stopped) return;
				$progress.html(
					crm_mailbox.connection_progress_html(message, Date.now() - started)
				);
				if (message.done) {
					stop();
					if (on_done) on_done(message.result);
					return;
				}
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
	frappe
		.call({ method, args, type: "POST" })
		.then(({ message }) => {
			test_id = message.test_id;
			frappe.realtime.on("crm_mailbox_connection_test", on_event);
			poll();
		})
		.catch(() => {
			$progress.empty();
			if (on_error) on_error();
		});
	return stop;
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
	return `<p><span class="indicator-pill ${indicator}">${esc(
		verdict
	)}</span></p>${html}${notes}`;
};
