// crm_mailbox: a routing rule's conditions and actions in words.
// The child tables store codes (sender_known, is_false, create_lead). Their labels, the operators
// each field accepts and the fields that take no value come from the engine's vocabulary
// (crm_mailbox.mailflow.rules) through the API. This script changes only what the form shows and
// offers; the server validates what is saved.

const VOCABULARY_API = "crm_mailbox.api.rules.get_rule_vocabulary";
const CONDITION = "Mailbox Rule Condition";
const ACTION = "Mailbox Rule Action";
// the action row's parameters; the JSON's depends_on says which action uses which
const ACTION_PARAMETERS = [
	"strategy",
	"users",
	"priority",
	"tag",
	"link_doctype",
	"link_name",
	"title",
];

let vocabulary_request = null;
// once the grid is done refreshing the row that changed
const sync_conditions_soon = frappe.utils.debounce(sync_conditions, 50);
const sync_actions_soon = frappe.utils.debounce(sync_actions, 50);

frappe.ui.form.on("Mailbox Routing Rule", {
	setup() {
		get_vocabulary();
	},
	refresh(frm) {
		get_vocabulary().then((vocabulary) => vocabulary && show_vocabulary(frm, vocabulary));
	},
});

frappe.ui.form.on(CONDITION, {
	field(frm, cdt, cdn) {
		get_vocabulary().then((vocabulary) => {
			if (!vocabulary) return;
			fit_condition(cdt, cdn, vocabulary);
			sync_conditions_soon(frm, vocabulary);
		});
	},
	form_render(frm) {
		get_vocabulary().then((vocabulary) => vocabulary && sync_conditions(frm, vocabulary));
	},
});

frappe.ui.form.on(ACTION, {
	action(frm) {
		sync_actions_soon(frm);
	},
});

function get_vocabulary() {
	// once per page; a failed request is tried again on the next refresh
	vocabulary_request ||= frappe
		.call({ method: VOCABULARY_API, type: "GET" })
		.then(({ message }) => prepare(message))
		.catch(() => {
			vocabulary_request = null;
		});
	return vocabulary_request;
}

function prepare(vocabulary) {
	const labels = (options) => new Map(options.map((o) => [o.value, o.label]));
	return {
		...vocabulary,
		field_labels: labels(vocabulary.fields),
		operator_labels: labels(vocabulary.operators),
		action_labels: labels(vocabulary.actions),
		boolean_fields: new Set(vocabulary.boolean_fields),
	};
}

function show_vocabulary(frm, vocabulary) {
	// static grid cells: Frappe's Select formatter prints the stored code; print its label instead
	set_label_formatter(CONDITION, "field", vocabulary.field_labels);
	set_label_formatter(CONDITION, "operator", vocabulary.operator_labels);
	set_label_formatter(ACTION, "action", vocabulary.action_labels);

	const conditions = frm.fields_dict.conditions.grid;
	const needs_value = (row) => !vocabulary.boolean_fields.has(row.field);
	conditions.update_docfield_property("field", "options", vocabulary.fields);
	conditions.update_docfield_property("operator", "options", vocabulary.operators);
	conditions.update_docfield_property("value", "depends_on", needs_value);
	conditions.update_docfield_property(
		"value",
		"read_only_depends_on",
		(row) => !needs_value(row)
	);
	frm.fields_dict.actions.grid.update_docfield_property("action", "options", vocabulary.actions);

	// a grid refresh or an edit in the grid may reset a row's docfields: apply the rows' own state
	// after each (the grid triggers "change" on itself after a refresh; edits bubble up as "change")
	conditions.wrapper
		.off(".crm_mailbox")
		.on("change.crm_mailbox", () => sync_conditions_soon(frm, vocabulary))
		// and before a row's operator list opens
		.on("focusin.crm_mailbox", "[data-fieldname='operator']", (e) => {
			const grid_row = $(e.target).closest(".grid-row").data("grid_row");
			grid_row?.doc && set_operator_options(frm, grid_row.doc, vocabulary);
		});
	frm.fields_dict.actions.grid.wrapper
		.off(".crm_mailbox")
		.on("change.crm_mailbox", () => sync_actions_soon(frm));
	sync_conditions_soon(frm, vocabulary);
	sync_actions_soon(frm);
}

function set_label_formatter(doctype, fieldname, labels) {
	// the documented hook of frappe.form.formatters._apply_custom_formatter
	const df = frappe.meta.docfield_map[doctype]?.[fieldname];
	if (df) df.formatter = (value) => (labels.has(value) ? __(labels.get(value)) : value ?? "");
}

function sync_conditions(frm, vocabulary) {
	for (const row of frm.doc.conditions || []) {
		set_operator_options(frm, row, vocabulary);
	}
	fit_columns(frm, "conditions", ["value"]);
}

function sync_actions(frm) {
	fit_columns(frm, "actions", ACTION_PARAMETERS);
}

function fit_condition(cdt, cdn, vocabulary) {
	// a new field: keep the operator if the field accepts it, and no value for a yes/no field
	const row = frappe.get_doc(cdt, cdn);
	const allowed = vocabulary.operators_by_field[row.field] || [];
	if (allowed.length && !allowed.includes(row.operator)) {
		frappe.model.set_value(cdt, cdn, "operator", allowed[0]);
	}
	if (vocabulary.boolean_fields.has(row.field) && row.value) {
		frappe.model.set_value(cdt, cdn, "value", "");
	}
}

function set_operator_options(frm, row, vocabulary) {
	const grid_row = frm.fields_dict.conditions.grid.get_row(row.name);
	if (!grid_row) return;
	const allowed = vocabulary.operators_by_field[row.field];
	const options = allowed
		? vocabulary.operators.filter((o) => allowed.includes(o.value))
		: vocabulary.operators;
	// the grid cell uses the row's docfields, the row form the per-row copy in frappe.meta
	const docfields = new Set([
		grid_row.docfields.find((df) => df.fieldname === "operator"),
		frappe.meta.get_docfield(CONDITION, "operator", row.name),
	]);
	let changed = false;
	for (const df of docfields) {
		if (df && JSON.stringify(df.options) !== JSON.stringify(options)) {
			df.options = options;
			changed = true;
		}
	}
	if (changed) {
		grid_row.on_grid_fields_dict.operator?.refresh();
		grid_row.grid_form?.fields_dict.operator?.refresh();
	}
}

function fit_columns(frm, table, fieldnames) {
	// show a column of the grid only when one of its rows uses that field
	const grid = frm.fields_dict[table].grid;
	if (grid.user_defined_columns?.length) return; // the user chose the columns
	const rows = frm.doc[table] || [];
	let changed = false;
	for (const fieldname of fieldnames) {
		const df = grid.fields_map[fieldname];
		if (!df || !frappe.meta.docfield_map[grid.doctype][fieldname].in_list_view) continue;
		const in_list_view = !rows.length || rows.some((row) => is_used(frm, df, row)) ? 1 : 0;
		if (df.in_list_view !== in_list_view) {
			df.in_list_view = in_list_view;
			changed = true;
		}
	}
	if (!changed) return;
	// redrawing the grid drops the row being edited in its form: close it first, then open it again
	const open_row = frm.open_grid_row()?.grid === grid ? frm.open_grid_row() : null;
	open_row?.toggle_view(false);
	grid.reset_grid();
	if (open_row) grid.get_row(open_row.doc.name)?.toggle_view(true);
}

function is_used(frm, df, row) {
	const condition = df.depends_on;
	if (!condition) return true;
	if (typeof condition === "function") return condition(row);
	if (condition.startsWith("eval:")) {
		return frappe.utils.eval(condition.slice(5), { doc: row, parent: frm.doc });
	}
	return Boolean(row[condition]);
}
