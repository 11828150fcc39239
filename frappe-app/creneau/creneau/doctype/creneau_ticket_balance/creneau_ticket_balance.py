# Copyright (c) 2026, Créneau contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CreneauTicketBalance(Document):
	# Kept by the sidecar from the submitted Creneau Ticket Ledger Entries: one row per customer and
	# pack type, for reading. The ledger is the record; a correction is a ledger entry, never an edit here.
	pass
