// crm_mailbox: long work started from the desk (relinking, rule dry runs, bulk linking).
// The server sends Frappe's own "progress" event to the user who started it (the desk's progress
// bar shows it); a background job's end comes as "crm_mailbox_job_done", to that user only.
frappe.provide("crm_mailbox");

crm_mailbox.waiting_jobs = crm_mailbox.waiting_jobs || {};

// Call a long-work endpoint; `done(result)` runs with its result at once, or when its job has ended.
crm_mailbox.run_long = function (method, args, done) {
	return frappe.call({ method, type: "POST", args }).then(({ message }) => {
		if (message.job_id) {
			crm_mailbox.waiting_jobs[message.job_id] = done;
			frappe.show_alert(
				{
					message: __(
						"Many emails: this runs in the background. You will be told when it is done."
					),
					indicator: "blue",
				},
				10
			);
			return;
		}
		frappe.hide_progress();
		done && done(message.result);
	});
};

crm_mailbox.on_job_done = function (data) {
	if (!data || !data.job_id) return;
	frappe.hide_progress();
	// the event says only that it ended; its title and result come from the server, for this user only
	frappe
		.call("crm_mailbox.api.jobs.get_job", { job_id: data.job_id })
		.then(({ message: job }) => {
			const done = crm_mailbox.waiting_jobs[data.job_id];
			delete crm_mailbox.waiting_jobs[data.job_id];
			if (job.missing) return; // its result is kept for an hour only
			const title = frappe.utils.escape_html(job.title || "");
			if (job.failed) {
				frappe.msgprint({
					title: __("Not done"),
					indicator: "red",
					message: __("{0} failed; the Error Log has the details.", [title]),
				});
			} else if (done) {
				done(job.result);
			} else {
				frappe.show_alert({ message: __("{0}: done.", [title]), indicator: "green" }, 10);
			}
		});
};

$(document).on("app_ready", () =>
	frappe.realtime.on("crm_mailbox_job_done", crm_mailbox.on_job_done)
);
