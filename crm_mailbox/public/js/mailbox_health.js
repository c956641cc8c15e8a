// crm_mailbox: the Mailbox Health view, on the Email Account form and on the Mailbox Health page.
// Every value (account name, server error) is text: set with .text(), never as markup.
frappe.provide("crm_mailbox.health");

crm_mailbox.health.API = "crm_mailbox.api.intake.mailbox_health";

crm_mailbox.health.lag = function (seconds) {
	if (seconds === null || seconds === undefined) return "—";
	if (seconds < 120) return __("{0} s", [seconds]);
	if (seconds < 7200) return __("{0} min", [Math.round(seconds / 60)]);
	return __("{0} h", [Math.round(seconds / 3600)]);
};

crm_mailbox.health.when = function (value) {
	return value ? frappe.datetime.str_to_user(value) : "—";
};

// One table row per mailbox: what the health API returned, as text.
crm_mailbox.health.table = function (rows, with_account) {
	const $table = $('<table class="table table-bordered table-sm small mb-0">');
	const headers = [
		__("Intake"),
		__("Last Successful Pull"),
		__("Lag"),
		__("Backlog"),
		__("Taken Today"),
		__("Poison Waiting"),
		__("Last Error"),
	];
	if (with_account) headers.unshift(__("Mailbox"));
	const $head = $("<tr>").appendTo($("<thead>").appendTo($table));
	headers.forEach((h) => $("<th>").text(h).appendTo($head));
	const $body = $("<tbody>").appendTo($table);
	rows.forEach((row) => {
		const cells = [
			row.mode_label,
			row.owned ? crm_mailbox.health.when(row.last_success_at) : "—",
			row.owned ? crm_mailbox.health.lag(row.lag_seconds) : "—",
			row.owned ? String(row.backlog) : "—",
			row.owned ? String(row.taken_today) : "—",
			String(row.poison_waiting),
			row.last_error
				? __("{0} (since {1})", [row.last_error, crm_mailbox.health.when(row.error_since)])
				: "—",
		];
		if (with_account) cells.unshift(row.account);
		const $tr = $("<tr>").appendTo($body);
		cells.forEach((c, i) => {
			const $td = $("<td>").text(c).appendTo($tr);
			if (with_account && i === 0) {
				$td.empty().append(
					$("<a>")
						.text(row.account)
						.attr("href", frappe.utils.get_form_link("Email Account", row.account))
				);
			}
			if (row.last_error && i === cells.length - 1) $td.addClass("text-danger");
		});
	});
	return $table;
};
