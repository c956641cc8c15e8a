// crm_mailbox: bulk actions on selected emails: Lead or Issue for each, link them all to one record.
frappe.provide("crm_mailbox");

(function () {
	const settings = (frappe.listview_settings["Communication"] =
		frappe.listview_settings["Communication"] || {});
	const previous_onload = settings.onload;

	const make_for_each = (listview, doctype) => {
		const communications = listview.get_checked_items(true);
		if (!communications.length) return;
		frappe
			.call({
				method: "crm_mailbox.api.create.create_for_emails",
				type: "POST",
				args: { communications, doctype },
				freeze: true,
			})
			.then(({ message: results }) => {
				const esc = frappe.utils.escape_html;
				const rows = results
					.map((r) =>
						r.error
							? `<li>${esc(r.communication)}: <span class="text-danger">${esc(r.error)}</span></li>`
							: `<li>${esc(r.communication)}: <a href="/app/${frappe.router.slug(
									r.doctype
							  )}/${encodeURIComponent(r.name)}">${esc(r.doctype)} ${esc(r.name)}</a>${
									r.created ? "" : ` (${__("existing")})`
							  }</li>`
					)
					.join("");
				frappe.msgprint({ title: __("{0} for the selected emails", [__(doctype)]), message: `<ul>${rows}</ul>` });
				listview.refresh();
			});
	};

	settings.onload = function (listview) {
		if (previous_onload) previous_onload(listview);
		listview.page.add_actions_menu_item(__("Create Lead for each"), () => make_for_each(listview, "Lead"), false);
		listview.page.add_actions_menu_item(__("Create Issue for each"), () => make_for_each(listview, "Issue"), false);
		listview.page.add_actions_menu_item(
			__("Link to..."),
			() => {
				const communications = listview.get_checked_items(true);
				if (communications.length) crm_mailbox.link_emails(communications, () => listview.refresh());
			},
			false
		);
	};
})();
