// crm_mailbox: the Create dialogs (Lead, Opportunity, Task, Issue, Contact, Project) and Unlink for one email,
// shared by the email's form (communication.js) and the inbox page. Each takes a form, or anything with
// the form's `doc.name`, `doc.sender` and `reload_doc()`.
frappe.provide("crm_mailbox");

crm_mailbox.API = "crm_mailbox.api.create.";

crm_mailbox.with_context = function (frm, callback) {
	frappe
		.call(crm_mailbox.API + "get_create_context", { communication: frm.doc.name })
		.then(({ message }) => callback(message));
};

crm_mailbox.made = function (frm, result) {
	const verb = result.created ? __("Made") : __("Opened the existing");
	// record names can come from an email's display name: never trust them as HTML
	const name = frappe.utils.escape_html(result.name);
	frappe.show_alert({ message: `${verb} ${__(result.doctype)} ${name}`, indicator: "green" });
	frm.reload_doc();
	frappe.set_route("Form", result.doctype, result.name);
};

// The dialog closes only once the server made the record: a validation or permission error stays
// in the dialog, beside the field it is about, and everything typed stays in it.
crm_mailbox.post = function (frm, method, args, dialog) {
	return crm_mailbox.call_in_dialog(dialog, crm_mailbox.API + method, args).then((message) => {
		if (dialog) dialog.hide();
		crm_mailbox.made(frm, message);
	});
};

// A POST from a dialog: resolves with the server's answer; a refusal is shown in the dialog (beside
// the field the server names as crm_field, else `fallback_field`, else atop the dialog) and the
// promise stays pending, the dialog open. Without a dialog, Frappe shows its message as usual.
crm_mailbox.call_in_dialog = function (dialog, method, args, fallback_field) {
	if (dialog) crm_mailbox.clear_dialog_errors(dialog);
	return new Promise((resolve) => {
		frappe
			.call({ method, type: "POST", args, freeze: true, silent: !!dialog })
			.done((r) => resolve(r.message))
			.fail((xhr) => {
				if (!dialog) return;
				// Frappe boxes a permission refusal whatever `silent` says: it is shown in the dialog instead
				// (after Frappe's own handlers, which run once these callbacks are done)
				if (xhr.status === 403) setTimeout(crm_mailbox.close_message_box, 0);
				const r = xhr.responseJSON || {};
				const about = r.crm_field || (xhr.status === 403 ? null : fallback_field);
				crm_mailbox.show_dialog_error(dialog, about, crm_mailbox.server_text(r, xhr));
			});
	});
};

// The server's messages as plain text: they are HTML (bold names, escaped email text); parsed in an
// inert document, never run, then shown with .text().
crm_mailbox.server_text = function (r, xhr) {
	let messages = [];
	try {
		messages = JSON.parse(r._server_messages || "[]").map((m) => {
			const parsed = typeof m === "string" ? JSON.parse(m) : m;
			return typeof parsed === "string" ? parsed : parsed.message;
		});
	} catch (e) {
		messages = [];
	}
	if (!messages.length && r._error_message) messages = [r._error_message];
	const html = messages.filter(Boolean).join("\n");
	const text = new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
	if (text) return text;
	return xhr && xhr.status === 403
		? __("You are not permitted to do this.")
		: __("The server refused this. Please check the values and try again.");
};

crm_mailbox.close_message_box = function () {
	const box = frappe.msg_dialog;
	const modal = box && box.$wrapper.data("bs.modal");
	if (!modal || !modal._isShown) return;
	// Bootstrap ignores a hide while the box still fades in (its backdrop first): hide it once shown
	if (box.$wrapper.is(":visible") && !modal._isTransitioning) box.hide();
	else box.$wrapper.one("shown.bs.modal", () => box.hide());
};

crm_mailbox.show_dialog_error = function (dialog, fieldname, text) {
	crm_mailbox.clear_dialog_errors(dialog);
	const $error = $('<div class="crm-dialog-error text-danger small mt-1"></div>').text(text);
	const field = fieldname && dialog.fields_dict[fieldname];
	if (field && field.$wrapper && field.$wrapper.is(":visible")) {
		field.$wrapper.addClass("has-error").attr("data-crm-error", "1");
		const $input = field.$wrapper.find(".control-input-wrapper").first();
		($input.length ? $input : field.$wrapper).append($error.attr("data-fieldname", fieldname));
	} else {
		dialog.$body.prepend($error.addClass("mb-3"));
	}
};

crm_mailbox.clear_dialog_errors = function (dialog) {
	dialog.$wrapper.find(".crm-dialog-error").remove();
	dialog.$wrapper.find("[data-crm-error]").removeClass("has-error").removeAttr("data-crm-error");
};

// Esc in an open date picker closes the picker, not the whole dialog (and what was typed in it).
crm_mailbox.keep_dialog_on_picker_escape = function (dialog) {
	const pickers = Object.values(dialog.fields_dict).filter((f) => f.datepicker);
	dialog.$wrapper[0].addEventListener(
		"keydown",
		(e) => {
			if (e.key !== "Escape") return;
			const open = pickers.find((f) => f.datepicker.visible);
			if (!open) return;
			e.stopPropagation();
			e.preventDefault();
			open.datepicker.hide();
		},
		true // before the picker's and the dialog's own handlers
	);
};

crm_mailbox.make_lead = function (frm) {
	crm_mailbox.with_context(frm, (ctx) => {
		if (ctx.lead) return frappe.set_route("Form", "Lead", ctx.lead);
		const v = ctx.lead_values || {};
		const d = new frappe.ui.Dialog({
			title: __("Lead from {0}", [frappe.utils.escape_html(frm.doc.sender)]),
			fields: [
				{
					fieldname: "first_name",
					fieldtype: "Data",
					label: __("First Name"),
					default: v.first_name,
				},
				{
					fieldname: "last_name",
					fieldtype: "Data",
					label: __("Last Name"),
					default: v.last_name,
				},
				{
					fieldname: "company_name",
					fieldtype: "Data",
					label: __("Organisation"),
					default: v.company_name,
				},
				{ fieldname: "phone", fieldtype: "Data", label: __("Phone"), default: v.phone },
				{
					fieldname: "job_title",
					fieldtype: "Data",
					label: __("Job Title"),
					default: v.job_title,
				},
			],
			primary_action_label: __("Make Lead"),
			primary_action(values) {
				crm_mailbox.post(frm, "create_lead", { communication: frm.doc.name, values }, d);
			},
		});
		d.show();
	});
};

crm_mailbox.make_opportunity = function (frm) {
	crm_mailbox.with_context(frm, (ctx) => {
		if (!ctx.party) {
			frappe.msgprint(
				__(
					"The email is not linked to a Customer or Lead. Make a Lead first, or link the email."
				)
			);
			return;
		}
		const options = {
			opportunity_type: "Opportunity Type",
			source: "Lead Source",
			sales_stage: "Sales Stage",
			company: "Company",
		};
		const fields = ctx.opportunity_missing.map((f) => ({
			fieldname: f,
			fieldtype: "Link",
			options: options[f],
			label: __(options[f]),
			reqd: f === "company" ? 1 : 0,
		}));
		const args = { communication: frm.doc.name };
		// a Lead's name can come from an email's display name: text, not markup
		const party_name = frappe.utils.escape_html(ctx.party.name);
		if (!fields.length) {
			frappe.confirm(
				__("Make an Opportunity for {0} {1}?", [__(ctx.party.doctype), party_name]),
				() => crm_mailbox.post(frm, "create_opportunity", args)
			);
			return;
		}
		const d = new frappe.ui.Dialog({
			title: __("Opportunity for {0} {1}", [__(ctx.party.doctype), party_name]),
			fields,
			primary_action_label: __("Make Opportunity"),
			primary_action(values) {
				crm_mailbox.post(frm, "create_opportunity", { ...args, values }, d);
			},
		});
		d.show();
	});
};

crm_mailbox.make_task = function (frm) {
	crm_mailbox.with_context(frm, (ctx) => {
		const d = new frappe.ui.Dialog({
			title: __("Task from this email"),
			size: "large",
			fields: [
				{
					fieldname: "title",
					fieldtype: "Data",
					label: __("What needs doing"),
					reqd: 1,
					// issue 10: never prefilled with the subject; the subject is only the placeholder hint
					placeholder: ctx.title,
					description: __("Say what the assignee should do, not the email's subject."),
				},
				{
					fieldname: "expected_result",
					fieldtype: "Small Text",
					label: __("Expected Result"),
				},
				{
					fieldname: "definition_of_done",
					fieldtype: "Small Text",
					label: __("Definition of Done"),
				},
				{ fieldname: "col", fieldtype: "Column Break" },
				{
					fieldname: "assignee",
					fieldtype: "Link",
					options: "User",
					label: __("Assignee"),
				},
				{ fieldname: "deadline", fieldtype: "Date", label: __("Deadline") },
				{
					fieldname: "priority",
					fieldtype: "Select",
					options: ["", "Low", "Medium", "High", "Urgent"],
					label: __("Priority"),
				},
				{
					fieldname: "project",
					fieldtype: "Link",
					options: "Project",
					label: __("Project"),
				},
				{ fieldname: "sec", fieldtype: "Section Break", hidden: !ctx.attachments.length },
				{
					fieldname: "attachments",
					fieldtype: "MultiCheck",
					label: __("Attachments to carry"),
					// MultiCheck draws labels as HTML
					options: ctx.attachments.map((f) => ({
						label: frappe.utils.escape_html(f.file_name),
						value: f.name,
						checked: 1,
					})),
				},
			],
			primary_action_label: __("Make Task"),
			primary_action(values) {
				if (!values.deadline && !values.priority) {
					crm_mailbox.show_dialog_error(
						d,
						"deadline",
						__("Give the task a deadline or a priority.")
					);
					return;
				}
				crm_mailbox.post(
					frm,
					"create_task",
					{
						communication: frm.doc.name,
						...values,
						attachments: values.attachments || [],
					},
					d
				);
			},
		});
		d.show();
		crm_mailbox.keep_dialog_on_picker_escape(d);
	});
};

// A services team's "service order": a Project for the email's Customer, with a brief and its files.
crm_mailbox.make_project = function (frm) {
	crm_mailbox.with_context(frm, (ctx) => {
		const customer = ctx.party && ctx.party.doctype === "Customer" ? ctx.party.name : "";
		const d = new frappe.ui.Dialog({
			title: __("Project from this email"),
			size: "large",
			fields: [
				{
					fieldname: "title",
					fieldtype: "Data",
					label: __("What is to be delivered"),
					reqd: 1,
					placeholder: ctx.title,
					description: __("Name the service ordered, not the email's subject."),
				},
				{
					fieldname: "customer",
					fieldtype: "Link",
					options: "Customer",
					label: __("Customer"),
					default: customer,
				},
				{ fieldname: "scope", fieldtype: "Small Text", label: __("Scope") },
				{
					fieldname: "expected_result",
					fieldtype: "Small Text",
					label: __("Expected Result"),
				},
				{ fieldname: "col", fieldtype: "Column Break" },
				{ fieldname: "start", fieldtype: "Date", label: __("Expected Start") },
				{ fieldname: "deadline", fieldtype: "Date", label: __("Expected End") },
				{
					fieldname: "priority",
					fieldtype: "Select",
					options: ["", "Low", "Medium", "High"],
					label: __("Priority"),
				},
				{
					fieldname: "project_type",
					fieldtype: "Link",
					options: "Project Type",
					label: __("Project Type"),
				},
				{ fieldname: "sec", fieldtype: "Section Break", hidden: !ctx.attachments.length },
				{
					fieldname: "attachments",
					fieldtype: "MultiCheck",
					label: __("Attachments to carry"),
					// MultiCheck draws labels as HTML
					options: ctx.attachments.map((f) => ({
						label: frappe.utils.escape_html(f.file_name),
						value: f.name,
						checked: 1,
					})),
				},
			],
			primary_action_label: __("Make Project"),
			primary_action(values) {
				crm_mailbox.post(
					frm,
					"create_project",
					{
						communication: frm.doc.name,
						...values,
						attachments: values.attachments || [],
					},
					d
				);
			},
		});
		d.show();
		crm_mailbox.keep_dialog_on_picker_escape(d);
	});
};

crm_mailbox.make_issue = function (frm) {
	crm_mailbox.with_context(frm, (ctx) => {
		const d = new frappe.ui.Dialog({
			title: __("Issue from this email"),
			fields: [
				{
					fieldname: "title",
					fieldtype: "Data",
					label: __("Subject"),
					reqd: 1,
					default: ctx.title,
				},
				{
					fieldname: "priority",
					fieldtype: "Link",
					options: "Issue Priority",
					label: __("Priority"),
				},
			],
			primary_action_label: __("Make Issue"),
			primary_action(values) {
				crm_mailbox.post(
					frm,
					"create_issue",
					{ communication: frm.doc.name, ...values },
					d
				);
			},
		});
		d.show();
	});
};

crm_mailbox.make_contact = function (frm) {
	crm_mailbox.post(frm, "create_contact", { communication: frm.doc.name });
};

crm_mailbox.unlink_dialog = function (frm) {
	frappe
		.call("crm_mailbox.api.links.get_email_links", { communication: frm.doc.name })
		.then(({ message: links }) => {
			const linked = (links || []).filter((l) => l.status === "Linked");
			if (!linked.length)
				return frappe.msgprint(__("The email is not linked to any record."));
			const d = new frappe.ui.Dialog({
				title: __("Unlink"),
				fields: [
					{
						fieldname: "link",
						fieldtype: "Select",
						label: __("Record"),
						reqd: 1,
						options: linked.map((l) => ({
							label: `${__(l.link_doctype)} ${frappe.utils.escape_html(
								l.link_name
							)} (${__(l.reason)})`,
							value: `${l.link_doctype}::${l.link_name}`,
						})),
					},
				],
				primary_action_label: __("Unlink"),
				primary_action({ link }) {
					const [link_doctype, link_name] = link.split("::");
					crm_mailbox
						.call_in_dialog(
							d,
							"crm_mailbox.api.links.unlink_email",
							{ communication: frm.doc.name, link_doctype, link_name },
							"link"
						)
						.then(() => {
							d.hide();
							frm.reload_doc();
						});
				},
			});
			d.show();
		});
};
