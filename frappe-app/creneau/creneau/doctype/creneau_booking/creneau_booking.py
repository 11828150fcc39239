# Copyright (c) 2026, Créneau contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CreneauBooking(Document):
	# Bookings are written by the Créneau sidecar, which owns the booking rules; the
	# controller stays empty so that a record saved from the desk is stored as it is.
	pass
