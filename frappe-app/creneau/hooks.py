app_name = "creneau"
app_title = "Creneau"
app_publisher = "Créneau contributors"
app_description = "Booking rules, ticket packs and a member portal for tiers-lieux: the add-on's DocTypes and Custom Fields"
app_email = "contact@creneau.invalid"
app_license = "agpl-3.0"

# Dokos keeps ERPNext's app name, so this one requirement fits both ERPs.
required_apps = ["erpnext"]

# Custom Fields on standard DocTypes (Customer, Sales Invoice Item) travel as fixtures, the same
# file the REST installer reads, so both ways of installing add the same fields.
fixtures = [
	{"dt": "Custom Field", "filters": [["fieldname", "like", "creneau_%"]]},
]

# The role, the UOMs and their conversion factors come from setup_records.json, shared with the
# REST installer; they are created when missing and never overwritten.
after_install = "creneau.install.after_install"
after_migrate = "creneau.install.after_migrate"
