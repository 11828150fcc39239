# Copyright (c) 2026, Créneau contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CreneauQuota(Document):
	pass
