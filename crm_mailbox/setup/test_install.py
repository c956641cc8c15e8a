"""Bench suite: custom fields are created by install, kept stable by migrate, removed by uninstall."""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_mailbox.setup import install


def our_custom_fields() -> dict[str, str]:
	expected = install.get_custom_fields()
	return {
		row.name: str(row.modified)
		for doctype, fields in expected.items()
		for row in frappe.get_all(
			"Custom Field",
			filters={"dt": doctype, "fieldname": ("in", [f["fieldname"] for f in fields])},
			fields=["name", "modified"],
		)
	}


class TestInstall(FrappeTestCase):
	def test_install_created_every_custom_field(self):
		expected = sum(len(fields) for fields in install.get_custom_fields().values())
		self.assertEqual(len(our_custom_fields()), expected)
		self.assertTrue(frappe.get_meta("Communication").has_field("crm_needs_review"))
		self.assertTrue(frappe.get_meta("Customer").has_field("crm_email_domains"))

	def test_migrate_twice_changes_nothing(self):
		install.after_migrate()
		first = our_custom_fields()
		install.after_migrate()
		self.assertEqual(our_custom_fields(), first)

	def test_lookup_columns_are_indexed(self):
		for doctype, columns in install.INDEXES:
			index_columns = {
				row.Column_name
				for row in frappe.db.sql(f"show index from `tab{doctype}`", as_dict=True)  # noqa: S608
			}
			self.assertTrue(set(columns) <= index_columns, f"{doctype} {columns} not indexed")

	def test_uninstall_removes_our_custom_fields(self):
		try:
			install.before_uninstall()
			self.assertEqual(our_custom_fields(), {})
			self.assertFalse(frappe.get_meta("Communication").has_field("crm_needs_review"))
		finally:
			install.after_install()
		self.assertTrue(frappe.get_meta("Communication").has_field("crm_needs_review"))


class TestUniqueLinkKey(FrappeTestCase):
	def test_migrate_removes_duplicate_links_then_adds_the_unique_key(self):
		doctype, _columns, key = install.LINK_KEY
		table = f"tab{doctype}"
		communication = frappe.get_all("Communication", limit=1, pluck="name")[0]
		record = "crm-dup-" + frappe.generate_hash(length=8)  # the DDL below commits: unique per run
		first, second = record + "-1", record + "-2"
		# as written before the key existed: two rows for one email and record
		frappe.db.sql_ddl(f"alter table `{table}` drop index `{key}`")
		try:
			for name, creation in (
				(first, "2026-01-01 10:00:00"),
				(second, "2026-01-02 10:00:00"),
			):
				frappe.db.sql(
					f"""insert into `{table}` (name, creation, modified, communication, link_doctype,
					link_name, status, reason) values (%s, %s, %s, %s, 'Customer', %s, 'Linked', 'Manual')""",
					(name, creation, creation, communication, record),
				)
		finally:
			install.after_migrate()  # the key is back whatever happened above
		rows = frappe.get_all(
			doctype,
			filters={
				"communication": communication,
				"link_doctype": "Customer",
				"link_name": record,
			},
			pluck="name",
		)
		self.assertEqual(rows, [first])
		self.assertTrue(
			frappe.db.sql(f"show index from `{table}` where Key_name = %s and Non_unique = 0", key)
		)
		frappe.db.delete(doctype, {"name": first})
