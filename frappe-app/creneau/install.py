import json
import os

import frappe


def after_install():
	ensure_setup_records()


def after_migrate():
	ensure_setup_records()


def load_setup_records():
	path = os.path.join(os.path.dirname(__file__), "setup_records.json")
	with open(path) as f:
		return json.load(f)


def ensure_setup_records():
	"""Create the role, UOMs and UOM conversion factors the add-on needs, leaving existing ones as they are.

	A place may already sell by the Hour or the Day with its own settings; changing them would change
	the meaning of invoices it has issued, so only what is missing is added.
	"""
	records = load_setup_records()

	for role in records["roles"]:
		if not frappe.db.exists("Role", role["role_name"]):
			frappe.get_doc({"doctype": "Role", **role}).insert(ignore_permissions=True)

	if frappe.db.exists("DocType", "UOM"):
		for uom in records["uoms"]:
			if not frappe.db.exists("UOM", uom["uom_name"]):
				frappe.get_doc(
					{
						"doctype": "UOM",
						"uom_name": uom["uom_name"],
						"must_be_whole_number": uom["must_be_whole_number"],
					}
				).insert(ignore_permissions=True)

	if frappe.db.exists("DocType", "UOM Conversion Factor"):
		for factor in records["uom_conversion_factors"]:
			if not frappe.db.exists("UOM Category", factor["category"]):
				frappe.get_doc({"doctype": "UOM Category", "category_name": factor["category"]}).insert(
					ignore_permissions=True
				)
			if not frappe.db.exists(
				"UOM Conversion Factor", {"from_uom": factor["from_uom"], "to_uom": factor["to_uom"]}
			):
				frappe.get_doc({"doctype": "UOM Conversion Factor", **factor}).insert(ignore_permissions=True)
