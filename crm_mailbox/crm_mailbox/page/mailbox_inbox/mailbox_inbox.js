// crm_mailbox: the team inbox. Queue | conversation | side panel, all from crm_mailbox.api.inbox.
// Everything taken from an email is text: set with .text() or escaped once where it meets HTML; email
// bodies arrive sanitised from the server and are shown in sandboxed iframes that cannot run scripts.

frappe.pages["mailbox-inbox"].on_page_load = function (wrapper) {
	frappe.ui.make_app_page({ parent: wrapper, title: __("Inbox"), single_column: true });
	wrapper.inbox = new crm_mailbox.Inbox(wrapper);
	frappe.breadcrumbs.add("CRM Mailbox");
};

frappe.pages["mailbox-inbox"].on_page_show = function (wrapper) {
	const inbox = wrapper.inbox;
	if (!inbox) return;
	// a mailbox's "Open Inbox" names the mailbox; a workspace Number Card also names its tab
	const options = frappe.route_options || {};
	frappe.route_options = null;
	if (options.filter && crm_mailbox.INBOX_FILTERS.some(([key]) => key === options.filter)) {
		inbox.filter = options.filter;
		inbox.mark_tab();
	}
	if (options.mailbox && options.mailbox !== inbox.mailbox()) {
		inbox.mailbox_field.set_value(options.mailbox);
	} else {
		inbox.refresh();
	}
};

frappe.provide("crm_mailbox");

crm_mailbox.INBOX_API = "crm_mailbox.api.inbox.";
crm_mailbox.INBOX_FILTERS = [
	["mine", __("Mine")],
	["unassigned", __("Unassigned")],
	["waiting_on_us", __("Waiting on us")],
	["overdue", __("Overdue")],
	["waiting_on_customer", __("Waiting on customer")],
	["done", __("Done")],
	["open", __("All open")],
];
// the counts endpoint's keys for the tabs that show a number
crm_mailbox.INBOX_COUNTED = {
	mine: "mine",
	unassigned: "unassigned",
	overdue: "overdue",
	waiting_on_customer: "waiting_on_customer",
};
// no scripts in a message frame; same-origin only so the page can size the frame to its content
crm_mailbox.MESSAGE_SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox";

crm_mailbox.Inbox = class Inbox {
	constructor(wrapper) {
		this.wrapper = wrapper;
		this.page = wrapper.page;
		this.filter = "mine";
		this.threads = [];
		this.next = null;
		this.current = null;
		this.show_images = false;
		this.make_layout();
		this.bind_keys();
		this.listen();
	}

	make_layout() {
		this.mailbox_field = this.page.add_field({
			fieldname: "mailbox",
			fieldtype: "Select",
			label: __("Mailbox"),
			options: [{ label: __("All mailboxes"), value: "" }],
			change: () => this.refresh(),
		});
		this.page.set_secondary_action(__("Refresh"), () => this.refresh(), "refresh");
		const $main = $(`<div class="crm-inbox">
			<div class="crm-inbox-queue">
				<div class="crm-inbox-tabs"></div>
				<div class="crm-inbox-mailbox-counts small"></div>
				<div class="crm-inbox-rows"></div>
				<div class="crm-inbox-more text-center" style="display:none">
					<button class="btn btn-xs btn-default">${__("Load more")}</button>
				</div>
			</div>
			<div class="crm-inbox-conversation"><p class="text-muted">${__("Choose a thread.")}</p></div>
			<div class="crm-inbox-side"></div>
		</div>`).appendTo(this.page.main);
		this.$tabs = $main.find(".crm-inbox-tabs");
		this.$mailbox_counts = $main.find(".crm-inbox-mailbox-counts");
		this.$rows = $main.find(".crm-inbox-rows");
		this.$more = $main.find(".crm-inbox-more");
		this.$conversation = $main.find(".crm-inbox-conversation");
		this.$side = $main.find(".crm-inbox-side");
		for (const [key, label] of crm_mailbox.INBOX_FILTERS) {
			$(`<button class="btn btn-xs btn-default" data-filter="${key}"></button>`)
				.text(label)
				.append(`<span class="crm-inbox-badge badge" style="display:none"></span>`)
				.on("click", () => this.set_filter(key))
				.appendTo(this.$tabs);
		}
		this.$more.find("button").on("click", () => this.load(true));
		this.$rows.on("click", ".crm-inbox-row", (e) =>
			this.open($(e.currentTarget).attr("data-name"))
		);
		this.mark_tab();
	}

	mailbox() {
		return this.mailbox_field.get_value() || null;
	}

	set_filter(key) {
		this.filter = key;
		this.mark_tab();
		this.load(false);
	}

	mark_tab() {
		this.$tabs.find(".btn").each((i, el) => {
			$(el).toggleClass("btn-primary", el.dataset.filter === this.filter);
			$(el).toggleClass("btn-default", el.dataset.filter !== this.filter);
		});
	}

	refresh() {
		this.load_counts();
		this.load(false);
		if (this.current) this.open(this.current, { keep_images: true });
	}

	load_counts() {
		return frappe
			.call(crm_mailbox.INBOX_API + "counts", { mailbox: this.mailbox() })
			.then(({ message }) => {
				this.counts = message;
				this.update_mailbox_options(Object.keys(message.mailboxes || {}));
				for (const [key, count_key] of Object.entries(crm_mailbox.INBOX_COUNTED)) {
					const n = message.total[count_key] || 0;
					this.$tabs
						.find(`[data-filter="${key}"] .crm-inbox-badge`)
						.text(n)
						.toggle(n > 0);
				}
				this.render_mailbox_counts(message.mailboxes || {});
			});
	}

	// the four counts of each mailbox the user reads; a click narrows the queue to that mailbox
	render_mailbox_counts(mailboxes) {
		const $t = this.$mailbox_counts.empty();
		const names = Object.keys(mailboxes);
		if (this.mailbox() || names.length < 2) return;
		const $table = $(`<table class="table table-sm table-hover mb-2"><thead><tr>
			<th>${__("Mailbox")}</th><th>${__("Mine")}</th><th>${__("Overdue")}</th>
			<th>${__("Unassigned")}</th><th>${__("Waiting on customer")}</th></tr></thead>
			<tbody></tbody></table>`).appendTo($t);
		for (const name of names) {
			const c = mailboxes[name];
			const $row = $("<tr>").attr("data-mailbox", name).css("cursor", "pointer");
			$("<td>").text(name).appendTo($row);
			for (const key of ["mine", "overdue", "unassigned", "waiting_on_customer"]) {
				$("<td>")
					.text(c[key] || 0)
					.attr("data-count", key)
					.appendTo($row);
			}
			$row.on("click", () => this.mailbox_field.set_value(name));
			$table.find("tbody").append($row);
		}
	}

	update_mailbox_options(names) {
		if (this.mailbox()) return; // a filtered answer lists only the chosen mailbox
		const options = [{ label: __("All mailboxes"), value: "" }].concat(
			names.map((n) => ({ label: n, value: n }))
		);
		const known = JSON.stringify(this.mailbox_field.df.options);
		if (known === JSON.stringify(options)) return;
		this.mailbox_field.df.options = options;
		this.mailbox_field.refresh();
	}

	load(more) {
		const args = { filter: this.filter, mailbox: this.mailbox(), page_length: 20 };
		if (more && this.next) args.after = this.next;
		return frappe.call(crm_mailbox.INBOX_API + "queue", args).then(({ message }) => {
			this.threads = more ? this.threads.concat(message.threads) : message.threads;
			this.next = message.next;
			this.render_rows();
		});
	}

	render_rows() {
		this.$rows.empty();
		if (!this.threads.length) {
			this.$rows.append(
				`<p class="text-muted crm-inbox-empty">${__("No threads here.")}</p>`
			);
		}
		for (const t of this.threads) this.$rows.append(this.row(t));
		this.$more.toggle(!!this.next);
	}

	row(t) {
		const $row = $(`<div class="crm-inbox-row">
			<div class="crm-inbox-meta"><span class="crm-inbox-who"></span>
				<span class="pull-right crm-inbox-when"></span></div>
			<div class="crm-inbox-subject"></div>
			<div class="crm-inbox-snippet"></div>
			<div class="crm-inbox-meta"><span class="crm-inbox-party"></span>
				<span class="crm-inbox-owner"></span> <span class="crm-inbox-due"></span></div>
		</div>`);
		$row.attr("data-name", t.name)
			.toggleClass("unread", !!t.unread)
			.toggleClass("active", t.name === this.current);
		$row.find(".crm-inbox-who").text(t.sender_name || t.sender);
		$row.find(".crm-inbox-when").text(
			t.last_message_at ? frappe.datetime.prettyDate(t.last_message_at, true) : ""
		);
		$row.find(".crm-inbox-subject").text(t.subject || __("(no subject)"));
		$row.find(".crm-inbox-snippet").text(t.snippet || "");
		if (t.party)
			$row.find(".crm-inbox-party").text(`${__(t.party.doctype)}: ${t.party.name} · `);
		$row.find(".crm-inbox-owner").text(t.owner_name ? t.owner_name : __("Unassigned"));
		if (t.due_at) {
			$row.find(".crm-inbox-due")
				.text(`· ${__("due")} ${frappe.datetime.str_to_user(t.due_at)}`)
				.toggleClass("text-danger", !!t.is_overdue);
		}
		return $row;
	}

	open(name, opts = {}) {
		if (!name) return;
		if (name !== this.current || !opts.keep_images) this.show_images = false;
		this.current = name;
		this.$rows.find(".crm-inbox-row").each((i, el) => {
			$(el).toggleClass("active", el.dataset.name === name);
		});
		return frappe
			.call(crm_mailbox.INBOX_API + "conversation", {
				thread: name,
				show_images: this.show_images ? 1 : 0,
			})
			.then(({ message }) => {
				if (this.current !== name) return;
				this.data = message;
				this.render_conversation(message);
				this.render_side(message);
				this.seen(name);
			});
	}

	seen(name) {
		frappe.call({
			method: crm_mailbox.INBOX_API + "mark_seen",
			type: "POST",
			args: { thread: name },
		});
		const t = this.threads.find((x) => x.name === name);
		if (t) t.unread = false;
		this.$rows
			.find(`.crm-inbox-row`)
			.filter((i, el) => el.dataset.name === name)
			.removeClass("unread");
	}

	render_conversation(data) {
		const $c = this.$conversation.empty();
		$("<h4>")
			.text(data.thread.subject || __("(no subject)"))
			.appendTo($c);
		$(
			`<div class="alert alert-warning small crm-inbox-replying" style="display:none"></div>`
		).appendTo($c);
		this.replying = {};
		for (const r of data.replying || [])
			this.replying[r.user] = { name: r.full_name, at: Date.now() };
		this.show_replying();
		if (data.messages.some((m) => m.has_remote_images) && !this.show_images) {
			$(`<div class="alert alert-info small crm-inbox-images">
				${__("Remote images are hidden to protect your privacy.")}
				<button class="btn btn-xs btn-default">${__("Show images")}</button></div>`)
				.appendTo($c)
				.find("button")
				.on("click", () => {
					this.show_images = true;
					this.open(this.current, { keep_images: true });
				});
		}
		for (const m of data.messages) $c.append(this.message(m));
		if (!data.messages.length)
			$c.append(`<p class="text-muted">${__("No message you may read.")}</p>`);
	}

	message(m) {
		const kind = m.kind === "note" ? "note" : m.direction === "Sent" ? "sent" : "received";
		const $m = $(`<div class="crm-inbox-message ${kind}">
			<div class="crm-inbox-head"><b class="crm-inbox-from"></b> <span class="crm-inbox-addr"></span>
				<span class="pull-right crm-inbox-at"></span></div>
		</div>`);
		$m.attr("data-name", m.name);
		const label =
			m.kind === "note"
				? `${__("Internal note")} · ${m.sender_name || m.sender}`
				: m.sender_name || m.sender;
		$m.find(".crm-inbox-from").text(label);
		if (m.kind === "email" && m.sender_name) $m.find(".crm-inbox-addr").text(`<${m.sender}>`);
		$m.find(".crm-inbox-at").text(frappe.datetime.str_to_user(m.at));
		if (m.kind === "note") {
			// a note is app-escaped HTML, sanitised again on the server
			$(`<div class="crm-inbox-note"></div>`).html(m.html).appendTo($m);
			return $m;
		}
		$m.append(this.frame(m.html));
		if (m.quoted_html) {
			const $quoted = $(`<div class="crm-inbox-quoted" style="display:none"></div>`).append(
				this.frame(m.quoted_html)
			);
			$(`<button class="btn btn-xs btn-link crm-inbox-show-quoted">···</button>`)
				.attr("title", __("Show quoted text"))
				.on("click", () => $quoted.toggle())
				.appendTo($m);
			$m.append($quoted);
		}
		if (m.attachments.length) {
			const $files = $(`<div class="crm-inbox-files small"></div>`).appendTo($m);
			for (const f of m.attachments) {
				const url = /^(\/|https?:)/.test(f.file_url) ? f.file_url : "#";
				const $a = $(`<a target="_blank" rel="noopener" class="mr-3"></a>`).attr(
					"href",
					url
				);
				if (f.is_image && url.startsWith("/")) {
					$("<img>")
						.attr({ src: url, alt: "" })
						.css({ maxHeight: "48px", marginRight: "4px" })
						.appendTo($a);
				}
				$a.append(frappe.utils.icon("attachment", "xs"));
				$("<span>").text(` ${f.file_name}`).appendTo($a);
				$files.append($a);
			}
		}
		return $m;
	}

	frame(html) {
		const iframe = document.createElement("iframe");
		iframe.setAttribute("sandbox", crm_mailbox.MESSAGE_SANDBOX);
		iframe.setAttribute("referrerpolicy", "no-referrer");
		iframe.srcdoc = `<!doctype html><html><head><meta charset="utf-8"><base target="_blank">
			<style>body{font-family:system-ui,sans-serif;font-size:13px;margin:0;overflow-wrap:anywhere}
			img{max-width:100%;height:auto}blockquote{margin:0 0 0 8px;padding-left:8px;border-left:2px solid #ccc}</style>
			</head><body>${html}</body></html>`;
		iframe.addEventListener("load", () => {
			const doc = iframe.contentDocument;
			// the body's own height: the document's is never less than the frame's default 150px
			if (doc && doc.body) iframe.style.height = doc.body.scrollHeight + 16 + "px";
		});
		return iframe;
	}

	render_side(data) {
		const t = data.thread;
		const can = data.can;
		const $s = this.$side.empty();
		const row = (label, value, cls) =>
			$(
				`<div class="small mb-2"><div class="text-muted"></div><div class="${
					cls || ""
				}"></div></div>`
			)
				.find(".text-muted")
				.text(label)
				.end()
				.find("div:last")
				.text(value || "—")
				.end()
				.appendTo($s);
		row(__("Mailbox"), t.mailbox);
		row(__("Status"), __(t.work_status), "crm-inbox-status");
		row(__("Owner"), t.owner_name || __("Unassigned"), "crm-inbox-owner-name");
		if (t.due_at)
			row(
				__("Due"),
				frappe.datetime.str_to_user(t.due_at),
				t.is_overdue ? "text-danger" : ""
			);
		const $links = $(
			`<div class="small mb-3"><div class="text-muted">${__("Linked to")}</div></div>`
		).appendTo($s);
		for (const l of data.links) {
			const $l = $(`<div><a></a> <span class="text-muted"></span></div>`);
			$l.find("a")
				.attr(
					"href",
					`/app/${frappe.router.slug(l.link_doctype)}/${encodeURIComponent(l.link_name)}`
				)
				.text(`${__(l.link_doctype)} ${l.link_name}`);
			$l.find("span").text(__(l.reason || ""));
			$links.append($l);
		}
		if (!data.links.length) $links.append(`<div class="text-muted">—</div>`);

		const button = (label, action, key) => {
			$(`<button class="btn btn-sm btn-default"></button>`)
				.text(label)
				.attr("data-action", key)
				.on("click", action)
				.appendTo($s);
		};
		if (can.reply) {
			button(__("Reply") + " (r)", () => this.reply(false), "reply");
			button(__("Reply All"), () => this.reply(true), "reply-all");
		}
		if (can.assign)
			button(
				(t.owner ? __("Reassign") : __("Assign")) + " (a)",
				() => this.assign(),
				"assign"
			);
		if (can.done && t.work_status !== "Done")
			button(__("Done") + " (e)", () => this.set_status("Done"), "done");
		if (can.ignore && t.work_status !== "Ignored")
			button(__("Ignore"), () => this.set_status("Ignored"), "ignore");
		if (can.note) button(__("Internal note"), () => this.note(), "note");
		for (const doctype of ["Lead", "Opportunity", "Task", "Issue", "Contact", "Project"]) {
			const fn = crm_mailbox[`make_${frappe.scrub(doctype)}`];
			if (can[`create_${frappe.scrub(doctype)}`] && fn) {
				button(
					__("Create {0}", [__(doctype)]),
					() => fn(this.email_frm()),
					`create-${frappe.scrub(doctype)}`
				);
			}
		}
		if (can.link && crm_mailbox.link_emails) {
			button(
				__("Link to..."),
				() => crm_mailbox.link_emails([this.last_email()], () => this.refresh()),
				"link"
			);
			if (crm_mailbox.unlink_dialog)
				button(
					__("Unlink..."),
					() => crm_mailbox.unlink_dialog(this.email_frm()),
					"unlink"
				);
		}
	}

	last_email() {
		return this.data && this.data.reply_to && this.data.reply_to.name;
	}

	// what the email form's Create and Unlink dialogs use of a form: the email, and a reload
	email_frm() {
		const r = this.data.reply_to;
		return { doc: { name: r.name, sender: r.sender }, reload_doc: () => this.refresh() };
	}

	reply(reply_all) {
		const r = this.data && this.data.reply_to;
		if (!r) return;
		const composer = new frappe.views.CommunicationComposer({
			// the reply refers to the email it answers: the app keeps it in the thread
			doc: { doctype: "Communication", name: r.name },
			subject: __("Re: {0}", [r.subject]),
			recipients: r.sender,
			last_email: r,
			is_a_reply: true,
			reply_all: reply_all,
			cc: reply_all ? r.cc : "",
			title: reply_all ? __("Reply All") : __("Reply"),
			success: () => setTimeout(() => this.refresh(), 1000),
		});
		// From: the thread's own mailbox when the user may send from it (Frappe would pick the
		// user's own address, or nothing when they have several)
		if ((composer.user_email_accounts || []).includes(r.mailbox_address)) {
			composer.sender = r.mailbox_address;
			composer.dialog.set_value("sender", r.mailbox_address);
		}
		this.announce_replying(this.current, composer.dialog);
	}

	// colleagues viewing the thread see "<name> is replying" while the composer is open
	announce_replying(thread, dialog) {
		const say = (active) =>
			frappe.call({
				method: crm_mailbox.INBOX_API + "replying",
				type: "POST",
				args: { thread, active: active ? 1 : 0 },
				silent: true,
			});
		say(true);
		// the server forgets a mark after two and a half minutes: say it again while still writing
		const timer = setInterval(() => say(true), 60000);
		dialog.$wrapper.one("hidden.bs.modal", () => {
			clearInterval(timer);
			say(false);
		});
	}

	show_replying() {
		const $notice = this.$conversation.find(".crm-inbox-replying");
		// as on the server, a mark not renewed for two and a half minutes lapses (a closed browser)
		const names = Object.values(this.replying || {})
			.filter((r) => Date.now() - r.at < 150000)
			.map((r) => r.name);
		// a full name is whatever the user typed: set as text, never markup
		$notice
			.text(names.length ? __("{0} is replying", [names.join(", ")]) : "")
			.toggle(names.length > 0);
	}

	call(method, args) {
		return frappe.call({ method, type: "POST", args, freeze: true });
	}

	set_status(status) {
		if (!this.current) return;
		this.call("crm_mailbox.api.threads.set_status", { thread: this.current, status }).then(
			() => {
				frappe.show_alert({ message: __("Marked {0}", [__(status)]), indicator: "green" });
				this.refresh();
			}
		);
	}

	assign() {
		if (!this.current || !(this.data.can || {}).assign) return;
		const thread = this.current;
		const owners = this.data.owners || [];
		const d = new frappe.ui.Dialog({
			title: __("Assign thread"),
			fields: [
				{
					fieldname: "user",
					fieldtype: "Link",
					options: "User",
					label: __("Owner"),
					reqd: 1,
					// only those who may own the thread: the mailbox's owner and processors
					get_query: () => ({ filters: { enabled: 1, name: ["in", owners] } }),
				},
				{
					fieldname: "reason",
					fieldtype: "Small Text",
					label: __("Note for the new owner"),
				},
			],
			primary_action_label: __("Assign"),
			primary_action: (values) => {
				// the dialog stays open until the server agrees, so nothing typed is lost
				crm_mailbox
					.call_in_dialog(
						d,
						"crm_mailbox.api.threads.assign",
						{ thread, ...values },
						"user"
					)
					.then(() => {
						d.hide();
						this.refresh();
					});
			},
		});
		d.show();
	}

	note() {
		const communication = this.last_email();
		if (!communication) return;
		const d = new frappe.ui.Dialog({
			title: __("Internal note"),
			fields: [
				{
					fieldname: "note",
					fieldtype: "Small Text",
					label: __("Note (not sent to the customer)"),
					reqd: 1,
				},
			],
			primary_action_label: __("Add note"),
			primary_action: ({ note }) => {
				crm_mailbox
					.call_in_dialog(
						d,
						"crm_mailbox.api.threads.add_note",
						{ communication, note },
						"note"
					)
					.then(() => {
						d.hide();
						this.open(this.current, { keep_images: true });
					});
			},
		});
		d.show();
	}

	move(step) {
		if (!this.threads.length) return;
		const i = this.threads.findIndex((t) => t.name === this.current);
		const next = this.threads[Math.min(this.threads.length - 1, Math.max(0, i + step))];
		if (next) this.open(next.name);
	}

	bind_keys() {
		$(document).on("keydown.crm_inbox", (e) => {
			if (frappe.get_route()[0] !== "mailbox-inbox") return;
			if (e.ctrlKey || e.metaKey || e.altKey) return;
			const t = e.target;
			if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)))
				return;
			if ($(".modal:visible").length) return;
			const can = (this.data && this.data.can) || {};
			const actions = {
				j: () => this.move(1),
				k: () => this.move(-1),
				r: () => can.reply && this.reply(false),
				e: () => can.done && this.set_status("Done"),
				a: () => this.assign(),
			};
			if (actions[e.key]) {
				e.preventDefault();
				actions[e.key]();
			}
		});
	}

	listen() {
		// the server tells each member of the mailbox; the page asks again with its own permissions
		frappe.realtime.on("crm_mailbox_inbox", (data) => {
			if (frappe.get_route()[0] !== "mailbox-inbox") return;
			clearTimeout(this.refresh_timer);
			this.refresh_timer = setTimeout(() => {
				this.load_counts();
				this.load(false);
				if (data && data.thread === this.current)
					this.open(this.current, { keep_images: true });
			}, 500);
		});
		frappe.realtime.on("crm_mailbox_replying", (data) => {
			if (!data || data.thread !== this.current || !this.replying) return;
			if (data.active)
				this.replying[data.user] = { name: data.full_name || data.user, at: Date.now() };
			else delete this.replying[data.user];
			this.show_replying();
		});
		setInterval(() => this.replying && this.show_replying(), 30000);
		// and counts every minute in case an event was missed (a reconnect)
		setInterval(() => {
			if (frappe.get_route()[0] === "mailbox-inbox" && !document.hidden) this.load_counts();
		}, 60000);
	}
};
