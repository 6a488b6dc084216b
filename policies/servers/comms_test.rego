package mcp.servers.comms_test

import data.mcp.servers.comms

send(roles, to) := {
	"method": "tools/call",
	"principal": {"sub": "alice", "roles": roles},
	"tool": {"name": "comms__send_email", "server": "comms", "upstream_name": "send_email"},
	"arguments": {"to": to, "subject": "Weekly sales", "body": "..."},
}

in_workflow(request, name) := object.union(request, {"workflow": {"name": name, "step": "mail"}})

outside_domain := "send_email may only write to addresses @example.com"

outside_workflow := "your role may send e-mail only inside the workflows weekly_sales_report"

not_sales := "your role may send e-mail only to sales@example.com"

test_ops_may_mail_any_company_address if {
	count(comms.deny) == 0 with input as send(["ops"], "bob@example.com")
	count(comms.deny) == 0 with input as send(["ops"], "Bob@Example.COM")
}

test_nobody_may_mail_outside_the_company if {
	comms.deny == {outside_domain} with input as send(["ops"], "eve@evil.com")
	comms.deny == {outside_domain} with input as send(["admin"], "eve@example.com.evil.com")
	comms.deny == {outside_domain} with input as send(["admin"], "eve@evil.com@example.com")
	comms.deny == {outside_domain} with input as send(["admin"], ["bob@example.com"])
}

test_analysts_may_mail_only_sales_from_the_weekly_report if {
	count(comms.deny) == 0 with input as in_workflow(send(["analyst"], "sales@example.com"), "weekly_sales_report")
	comms.deny == {outside_workflow} with input as send(["analyst"], "sales@example.com")
	comms.deny == {outside_workflow} with input as in_workflow(send(["analyst"], "sales@example.com"), "other_flow")
	comms.deny == {not_sales} with input as in_workflow(send(["analyst"], "bob@example.com"), "weekly_sales_report")
	comms.deny == {outside_domain, outside_workflow, not_sales} with input as send(["analyst"], "eve@evil.com")
}

test_an_unrestricted_role_lifts_the_analyst_restriction if {
	count(comms.deny) == 0 with input as send(["analyst", "ops"], "bob@example.com")
}

test_list_outbox_has_no_argument_rule if {
	count(comms.deny) == 0 with input as {"method": "tools/call", "principal": {"sub": "alice", "roles": ["analyst"]}, "tool": {"server": "comms", "upstream_name": "list_outbox"}, "arguments": {}}
}
