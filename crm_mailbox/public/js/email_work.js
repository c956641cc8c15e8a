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

// The dialog closes only once the server made the record: a validation or permission error shows
// over the dialog and everything typed stays in it.
crm_mailbox.post = function (frm, method, args, dialog) {
	return frappe
		.call({ method: crm_mailbox.API + method, type: "POST", args, freeze: true })
		.then(({ message }) => {
			if (dialog) dialog.hide();
			crm_mailbox.made(frm, message);
		});
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
					frappe.msgprint(__("Give the task a deadline or a priority."));
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
					d.hide();
					frappe
						.call({
							method: "crm_mailbox.api.links.unlink_email",
							type: "POST",
							args: { communication: frm.doc.name, link_doctype, link_name },
						})
						.then(() => frm.reload_doc());
				},
			});
			d.show();
		});
};
