frappe.listview_settings["Mailbox Thread"] = {
	add_fields: ["work_status", "is_overdue"],
	filters: [["in_team_list", "=", 1]],
	get_indicator(doc) {
		if (doc.is_overdue && ["New", "Waiting on us"].includes(doc.work_status)) {
			return [__("Overdue"), "red", "is_overdue,=,1"];
		}
		const colors = {
			New: "blue",
			"Waiting on us": "orange",
			"Waiting on customer": "yellow",
			Done: "green",
			Ignored: "gray",
		};
		return [__(doc.work_status), colors[doc.work_status] || "gray", `work_status,=,${doc.work_status}`];
	},
};
