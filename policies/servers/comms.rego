# Upstream `comms` (example deployment): `send_email(to, subject, body)` and `list_outbox()`.
# Mail only goes to addresses of the company domain. Restricted roles (analysts) may send only
# from inside a restricted workflow (the `weekly_sales_report` composite tool) and only to the
# sales address; a caller who also holds an unrestricted role (ops, admin) is not restricted.
# Each negation names a rule (`not to_company_address`), never `not f(input.x)`: OPA moves the
# argument out of the negation, so a missing `to` or `workflow` would make the deny undefined.
package mcp.servers.comms

settings := data.warden.servers.comms

deny contains reason if {
	input.tool.upstream_name == "send_email"
	not to_company_address
	reason := sprintf("send_email may only write to addresses @%s", [settings.company_domain])
}

deny contains reason if {
	input.tool.upstream_name == "send_email"
	restricted
	not in_restricted_workflow
	reason := sprintf("your role may send e-mail only inside the workflows %s", [concat(", ", settings.restricted_workflows)])
}

deny contains reason if {
	input.tool.upstream_name == "send_email"
	restricted
	not to_sales_address
	reason := sprintf("your role may send e-mail only to %s", [settings.sales_address])
}

to_company_address if company_address(input.arguments.to)

to_sales_address if sales_address(input.arguments.to)

in_restricted_workflow if input.workflow.name in settings.restricted_workflows

restricted if {
	some role in input.principal.roles
	role in settings.restricted_roles
	not unrestricted
}

unrestricted if {
	some role in input.principal.roles
	role in settings.unrestricted_roles
}

company_address(to) if {
	is_string(to)
	regex.match(`^[^@\s]+@[^@\s]+$`, to)
	endswith(lower(to), concat("", ["@", settings.company_domain]))
}

sales_address(to) if {
	is_string(to)
	lower(to) == settings.sales_address
}
