// crm_mailbox: "Connect Your Mailbox", a Personal mailbox a user connects without admin rights.
// The server (crm_mailbox.api.own_mailbox) decides what may be saved; this only asks. Text from DNS,
// the server or the user is escaped once, where it meets HTML (option labels are HTML too).
frappe.provide("crm_mailbox");

crm_mailbox.OWN_API = "crm_mailbox.api.own_mailbox.";

crm_mailbox.connect_mailbox = function (existing, on_saved) {
	const esc = frappe.utils.escape_html;
	frappe.call(crm_mailbox.OWN_API + "get_connect_context").then(({ message: ctx }) => {
		if (!ctx.may_connect) {
			frappe.msgprint({ title: __("Connect Your Mailbox"), message: esc(ctx.reason) });
			return;
		}
		const apps = ctx.oauth_apps || [];
		const security = [
			{ label: __("SSL/TLS"), value: "ssl" },
			{ label: __("STARTTLS"), value: "starttls" },
		];
		let mailbox = existing ? existing.name : null;
		const d = new frappe.ui.Dialog({
			title: existing
				? __("Your Mailbox {0}", [esc(existing.email_id)])
				: __("Connect Your Mailbox"),
			size: "large",
			fields: [
				{
					fieldname: "email_id",
					fieldtype: "Data",
					options: "Email",
					label: __("Email Address"),
					reqd: 1,
					read_only: existing ? 1 : 0,
					change: () => suggest(),
				},
				{ fieldname: "suggestion", fieldtype: "HTML" },
				{
					fieldname: "auth",
					fieldtype: "Select",
					label: __("Sign In With"),
					options: [{ label: __("App password"), value: "password" }].concat(
						apps.length ? [{ label: __("OAuth sign-in app"), value: "oauth" }] : []
					),
					default: "password",
				},
				{ fieldname: "oauth_note", fieldtype: "HTML" },
				{
					fieldname: "connected_app",
					fieldtype: "Select",
					label: __("Sign-in App"),
					options: apps.map((a) => ({
						label: esc(a.provider_name || a.name),
						value: a.name,
					})),
					depends_on: "eval:doc.auth==='oauth'",
				},
				{
					fieldname: "password",
					fieldtype: "Password",
					label: __("App Password"),
					depends_on: "eval:doc.auth!=='oauth'",
					description: existing ? __("Leave empty to keep the stored password.") : "",
				},
				{
					fieldname: "login_id",
					fieldtype: "Data",
					label: __("User Name (if not the address)"),
					depends_on: "eval:doc.auth!=='oauth'",
				},
				{ fieldname: "servers", fieldtype: "Section Break", label: __("Servers") },
				{
					fieldname: "email_server",
					fieldtype: "Data",
					label: __("Incoming Server (IMAP)"),
					reqd: 1,
				},
				{
					fieldname: "incoming_security",
					fieldtype: "Select",
					label: __("Encryption"),
					options: security,
					default: "ssl",
				},
				{ fieldname: "incoming_port", fieldtype: "Int", label: __("Port") },
				{ fieldname: "servers_col", fieldtype: "Column Break" },
				{
					fieldname: "smtp_server",
					fieldtype: "Data",
					label: __("Outgoing Server (SMTP)"),
				},
				{
					fieldname: "outgoing_security",
					fieldtype: "Select",
					label: __("Encryption"),
					options: security,
					default: "starttls",
				},
				{ fieldname: "smtp_port", fieldtype: "Int", label: __("Port") },
				{ fieldname: "sync", fieldtype: "Section Break", label: __("What to Sync") },
				{
					fieldname: "folders",
					// Data, not Small Text: Frappe shows a Data value escaped, a text field's as HTML
					fieldtype: "Data",
					label: __("Folders"),
					default: "INBOX",
					description: __("Separate folders with commas."),
				},
				{
					fieldname: "link_parties",
					fieldtype: "Select",
					label: __("Link Mail To"),
					options: ctx.link_parties.map((p) => ({ label: esc(__(p)), value: p })),
				},
				{ fieldname: "result", fieldtype: "Section Break" },
				{ fieldname: "progress", fieldtype: "HTML" },
			],
			primary_action_label: __("Connect"),
			primary_action: () =>
				save(1).then(
					() => d.hide(),
					() => {}
				),
			secondary_action_label: __("Test Connection"),
			secondary_action: () => save(0).then(test, () => {}),
		});
		let stop_test = null;
		d.onhide = () => stop_test && stop_test();
		d.get_field("oauth_note").$wrapper.html(
			apps.length
				? ""
				: `<p class="text-muted small">${esc(
						__(
							"This site has no OAuth sign-in app for mail (a Connected App): sign in with an app password."
						)
				  )}</p>`
		);
		if (existing) {
			d.set_values({
				email_id: existing.email_id,
				auth: existing.auth_method === "OAuth" ? "oauth" : "password",
				login_id: existing.login_id || "",
				email_server: existing.email_server,
				incoming_security: existing.use_starttls ? "starttls" : "ssl",
				incoming_port: existing.incoming_port,
				smtp_server: existing.smtp_server,
				outgoing_security: existing.use_ssl_for_outgoing ? "ssl" : "starttls",
				smtp_port: existing.smtp_port,
				folders: (existing.folders || []).join(", "),
				link_parties: existing.crm_link_parties || ctx.link_parties[0],
			});
		}

		function suggest() {
			const email_id = d.get_value("email_id");
			const $box = d.get_field("suggestion").$wrapper;
			if (!email_id || existing) return;
			frappe
				.call(crm_mailbox.OWN_API + "suggest_settings", { email_id })
				.then(({ message: s }) => {
					$box.html(crm_mailbox.suggestion_html(s));
					if (!s.incoming) return;
					d.set_value("email_server", s.incoming.host);
					d.set_value("incoming_security", s.incoming.security);
					d.set_value("incoming_port", s.incoming.port);
					if (s.outgoing) {
						d.set_value("smtp_server", s.outgoing.host);
						d.set_value("outgoing_security", s.outgoing.security);
						d.set_value("smtp_port", s.outgoing.port);
					}
				});
		}

		// Saves a draft (connect=0: Frappe does not pull yet) or the connected mailbox; the dialog stays
		// open with the server's message when it refuses.
		function save(connect) {
			const v = d.get_values();
			if (!v) return Promise.reject();
			const values = {
				email_id: v.email_id,
				auth: v.auth,
				connected_app: v.auth === "oauth" ? v.connected_app : undefined,
				password: v.password || "",
				login_id: v.login_id || "",
				email_server: v.email_server,
				incoming_security: v.incoming_security,
				incoming_port: v.incoming_port || "",
				smtp_server: v.smtp_server || "",
				outgoing_security: v.outgoing_security,
				smtp_port: v.smtp_port || "",
				folders: (v.folders || "")
					.split(",")
					.map((f) => f.trim())
					.filter(Boolean),
				link_parties: v.link_parties,
			};
			if (mailbox) values.name = mailbox;
			return frappe
				.call({
					method: crm_mailbox.OWN_API + "save_mailbox",
					type: "POST",
					args: { values, connect },
					freeze: true,
				})
				.then(({ message }) => {
					mailbox = message.name;
					d.set_df_property("email_id", "read_only", 1);
					if (on_saved) on_saved(mailbox);
					if (connect && v.auth === "oauth")
						return crm_mailbox.authorize_mailbox(mailbox);
					if (connect)
						frappe.show_alert({
							message: __("Connected {0}", [esc(v.email_id)]),
							indicator: "green",
						});
				});
		}

		function test() {
			if (stop_test) stop_test();
			stop_test = crm_mailbox.follow_connection_test({
				method: crm_mailbox.OWN_API + "test_mailbox",
				args: { email_account: mailbox },
				$progress: d.get_field("progress").$wrapper,
			});
		}

		d.show();
	});
};

crm_mailbox.suggestion_html = function (s) {
	const esc = frappe.utils.escape_html;
	let text;
	if (s.source === "provider" || s.source === "mx")
		text = __("Settings of {0} filled in.", [esc(s.provider)]);
	else if (s.source === "dns")
		text = __("Settings found in the DNS records of {0} filled in.", [esc(s.domain)]);
	else if (s.domain)
		text = __("No settings found for {0}: type your provider's servers.", [esc(s.domain)]);
	else return "";
	const note = s.note ? `<br>${esc(s.note)}` : "";
	return `<p class="text-muted small">${text}${note}</p>`;
};

crm_mailbox.authorize_mailbox = function (mailbox) {
	return frappe
		.call({
			method: crm_mailbox.OWN_API + "authorize_mailbox",
			type: "POST",
			args: { email_account: mailbox },
		})
		.then(({ message }) => {
			if (/^https?:\/\//i.test(message.url || "")) window.location.href = message.url;
		});
};
