// crm_mailbox: Mailbox Health, every mailbox the user may see (System Manager: all; an owner: their own).
frappe.pages["mailbox-health"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Mailbox Health"),
		single_column: true,
	});
	frappe.breadcrumbs.add("CRM Mailbox");
	const $body = $('<div class="mailbox-health">').appendTo(page.main);
	const refresh = () =>
		frappe.call(crm_mailbox.health.API).then((r) => {
			const rows = r.message || [];
			$body.empty();
			if (!rows.length) {
				$('<p class="text-muted">')
					.text(__("No mailbox of yours receives mail."))
					.appendTo($body);
				return;
			}
			$body.append(crm_mailbox.health.table(rows, true));
		});
	page.set_primary_action(__("Refresh"), refresh, "refresh");
	wrapper.refresh_health = refresh;
};

frappe.pages["mailbox-health"].on_page_show = function (wrapper) {
	wrapper.refresh_health && wrapper.refresh_health();
};
