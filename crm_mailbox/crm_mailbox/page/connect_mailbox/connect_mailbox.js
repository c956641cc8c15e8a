// crm_mailbox: the user's own Personal mailboxes, and "Connect Your Mailbox" (public/js/connect_mailbox.js).
// Addresses and server names are the user's own typing: set as text or escaped once.

frappe.pages["connect-mailbox"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Your Mailboxes"),
		single_column: true,
	});
	frappe.breadcrumbs.add("CRM Mailbox");
	const $list = $('<div class="crm-own-mailboxes"></div>').appendTo(page.main);
	const refresh = () => crm_mailbox.render_own_mailboxes($list, refresh);
	page.set_primary_action(__("Connect a Mailbox"), () =>
		crm_mailbox.connect_mailbox(null, refresh)
	);
	wrapper.refresh_mailboxes = refresh;
	refresh();
};

frappe.pages["connect-mailbox"].on_page_show = function (wrapper) {
	if (wrapper.refresh_mailboxes) wrapper.refresh_mailboxes();
};

frappe.provide("crm_mailbox");

crm_mailbox.render_own_mailboxes = function ($list, refresh) {
	frappe.call(crm_mailbox.OWN_API + "get_connect_context").then(({ message: ctx }) => {
		$list.empty();
		if (!ctx.may_connect) {
			$('<p class="text-muted"></p>').text(ctx.reason).appendTo($list);
			return;
		}
		if (!ctx.mailboxes.length) {
			$('<p class="text-muted"></p>')
				.text(
					__(
						"Connect your own mailbox: its mail is linked to your customers and leads, and only you read it."
					)
				)
				.appendTo($list);
			return;
		}
		const $table = $(`<table class="table table-bordered"><thead><tr>
			<th>${__("Address")}</th><th>${__("Status")}</th><th>${__("Folders")}</th>
			<th>${__("Link Mail To")}</th><th></th></tr></thead><tbody></tbody></table>`).appendTo($list);
		for (const box of ctx.mailboxes) {
			const $row = $("<tr></tr>")
				.attr("data-mailbox", box.name)
				.appendTo($table.find("tbody"));
			$("<td></td>").text(box.email_id).appendTo($row);
			$("<td></td>")
				.append(
					$('<span class="indicator-pill"></span>')
						.addClass(box.enable_incoming ? "green" : "gray")
						.text(box.enable_incoming ? __("Syncing") : __("Paused"))
				)
				.appendTo($row);
			$("<td></td>")
				.text((box.folders || []).join(", "))
				.appendTo($row);
			$("<td></td>")
				.text(__(box.crm_link_parties || "Customers and Leads"))
				.appendTo($row);
			const $actions = $("<td></td>").appendTo($row);
			const button = (label, action) =>
				$('<button class="btn btn-xs btn-default mr-2"></button>')
					.text(label)
					.on("click", action)
					.appendTo($actions);
			button(__("Change"), () => crm_mailbox.connect_mailbox(box, refresh));
			button(box.enable_incoming ? __("Pause") : __("Resume"), () =>
				frappe
					.call({
						method: crm_mailbox.OWN_API + "set_mailbox_enabled",
						type: "POST",
						args: { email_account: box.name, enabled: box.enable_incoming ? 0 : 1 },
						freeze: true,
					})
					.then(refresh)
			);
			if (box.auth_method === "OAuth")
				button(__("Sign In"), () => crm_mailbox.authorize_mailbox(box.name));
		}
	});
};
