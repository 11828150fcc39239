# Copyright (c) 2026, Créneau contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CreneauTicketLedgerEntry(Document):
	# The ledger's balance and expiry rules live in the sidecar; submitting makes an entry
	# immutable, and a staff correction is a new entry, so the ERP keeps the trail.
	pass
