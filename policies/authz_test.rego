package mcp.authz_test

import data.mcp.authz

principal(roles) := {"sub": "alice", "iss": "https://idp.example.com", "aud": ["mcp-warden"], "scopes": [], "roles": roles, "claims": {}}

tool(server, name) := {"name": concat("__", [server, name]), "server": server, "upstream_name": name}

call(roles, server, name, args) := {"method": "tools/call", "principal": principal(roles), "tool": tool(server, name), "arguments": args}

listing(roles, server, name) := {"method": "tools/list", "principal": principal(roles), "tool": tool(server, name)}

resource(method, roles, uri) := {"method": method, "principal": principal(roles), "resource": {"uri": uri, "server": "fs"}}

prompt(method, roles) := {"method": method, "principal": principal(roles), "prompt": {"name": "fs__review", "server": "fs"}}

test_analyst_may_list_and_call_get_sales if {
	authz.allow with input as listing(["analyst"], "db", "get_sales")
	authz.allow with input as call(["analyst"], "db", "get_sales", {"week": "2026-11-16"})
	count(authz.reasons) == 0 with input as call(["analyst"], "db", "get_sales", {"week": "2026-11-16"})
}

test_analyst_does_not_see_tools_no_role_grants if {
	not authz.allow with input as listing(["analyst"], "comms", "list_outbox")
	authz.reasons == {"no role of alice grants tool list_outbox of comms"} with input as listing(["analyst"], "comms", "list_outbox")
}

test_ops_may_use_every_comms_tool if {
	authz.allow with input as listing(["ops"], "comms", "list_outbox")
	authz.allow with input as call(["ops"], "comms", "list_outbox", {})
	authz.allow with input as call(["ops"], "comms", "send_email", {"to": "bob@example.com", "subject": "hi", "body": "x"})
}

test_admin_may_use_any_tool_of_any_server if {
	authz.allow with input as call(["admin"], "fs", "write_file", {"path": "/tmp/x"})
}

test_unknown_server_is_denied_by_default if {
	not authz.allow with input as listing(["analyst", "ops"], "fs", "read_file")
}

test_unknown_role_is_denied if {
	not authz.allow with input as listing(["intern"], "db", "get_sales")
}

test_caller_without_principal_is_denied if {
	no_principal := {"method": "tools/list", "tool": tool("db", "get_sales")}
	not authz.allow with input as no_principal
	authz.reasons == {"no authenticated principal"} with input as no_principal
}

test_methods_the_policy_does_not_know_are_denied if {
	odd := {"method": "resources/frobnicate", "principal": principal(["admin"])}
	not authz.allow with input as odd
	authz.reasons == {"method resources/frobnicate is not covered by the policy"} with input as odd
}

test_argument_rules_are_delegated_to_the_server_package if {
	not authz.allow with input as call(["analyst"], "db", "query", {"sql": "DROP TABLE sales"})
	authz.reasons == {"query accepts exactly one read-only SELECT statement"} with input as call(["analyst"], "db", "query", {"sql": "DROP TABLE sales"})
	authz.allow with input as call(["analyst"], "db", "query", {"sql": "select count(*) from sales"})
}

test_listing_asks_only_whether_the_tool_may_be_called_at_all if {
	# An analyst may send mail only inside the workflow, yet sees the tool.
	authz.allow with input as listing(["analyst"], "comms", "send_email")
	not authz.allow with input as call(["analyst"], "comms", "send_email", {"to": "sales@example.com", "subject": "s", "body": "b"})
}

test_analyst_may_run_the_weekly_report_and_its_steps if {
	authz.allow with input as call(["analyst"], "warden", "weekly_sales_report", {"week": "2026-11-16"})
	step := object.union(
		call(["analyst"], "comms", "send_email", {"to": "sales@example.com", "subject": "Weekly sales", "body": "report"}),
		{"workflow": {"name": "weekly_sales_report", "step": "mail"}},
	)
	authz.allow with input as step
}

test_resources_follow_uri_globs if {
	authz.allow with input as resource("resources/read", ["ops"], "file:///srv/reports/w47.txt")
	authz.allow with input as resource("resources/list", ["ops"], "file:///srv/reports/2026/w47.txt")
	not authz.allow with input as resource("resources/read", ["ops"], "file:///etc/passwd")
	not authz.allow with input as resource("resources/subscribe", ["analyst"], "file:///srv/reports/w47.txt")
	authz.allow with input as resource("resources/read", ["admin"], "file:///etc/hosts")
	authz.reasons == {"no role of alice grants resource file:///etc/passwd of fs"} with input as resource("resources/read", ["ops"], "file:///etc/passwd")
}

test_prompts_and_completions_follow_prompt_globs if {
	authz.allow with input as prompt("prompts/get", ["ops"])
	authz.allow with input as prompt("prompts/list", ["ops"])
	authz.allow with input as prompt("completion/complete", ["ops"])
	not authz.allow with input as prompt("prompts/get", ["analyst"])
	not authz.allow with input as prompt("completion/complete", ["analyst"])
}

test_any_configured_role_may_set_the_log_level_and_listen if {
	authz.allow with input as {"method": "logging/setLevel", "principal": principal(["reporter"])}
	not authz.allow with input as {"method": "logging/setLevel", "principal": principal(["guest"])}
	authz.reasons == {"no role of alice grants upstream log messages"} with input as {"method": "logging/setLevel", "principal": principal(["guest"])}
	not authz.allow with input as {"method": "logging/setLevel"}
	authz.allow with input as {"method": "subscriptions/listen", "principal": principal(["reporter"])}
	not authz.allow with input as {"method": "subscriptions/listen", "principal": principal(["guest"])}
	not authz.allow with input as {"method": "subscriptions/listen"}
}

task_request(method, roles, server) := {
	"method": method,
	"principal": principal(roles),
	"task": {"id": "t-1", "server": server, "upstream_id": "up-1"},
	"params": {"taskId": "up-1"},
}

test_a_task_is_followed_with_a_grant_on_its_upstream_tools if {
	authz.allow with input as task_request("tasks/get", ["reporter"], "db")
	authz.allow with input as task_request("tasks/update", ["analyst"], "comms")
	authz.allow with input as task_request("tasks/cancel", ["admin"], "anything")
	not authz.allow with input as task_request("tasks/get", ["reporter"], "comms")
	authz.reasons == {"no role of alice grants the tasks of comms"} with input as task_request("tasks/get", ["reporter"], "comms")
	not authz.allow with input as task_request("tasks/get", ["guest"], "db")
}

server_request(method, roles, upstream) := {
	"method": method,
	"principal": principal(roles),
	"upstream": {"name": upstream},
	"call": {"method": "tools/call", "tool": tool(upstream, "ask"), "decision_id": "d-1"},
	"params": {},
}

test_server_requests_are_granted_per_role_and_method if {
	authz.allow with input as server_request("sampling/createMessage", ["ops"], "everything")
	authz.allow with input as server_request("elicitation/create", ["analyst"], "everything")
	authz.allow with input as server_request("roots/list", ["analyst"], "fs")
	not authz.allow with input as server_request("sampling/createMessage", ["analyst"], "everything")
	authz.reasons == {"no role of alice grants sampling/createMessage from everything"} with input as server_request("sampling/createMessage", ["analyst"], "everything")
	not authz.allow with input as server_request("roots/list", ["reporter"], "fs")
	not authz.allow with input as server_request("sampling/createMessage", [], "everything")
}

console_read(page, roles) := {"method": "console/read", "principal": principal(roles), "console": {"page": page}}

test_console_pages_are_granted_per_role if {
	authz.allow with input as console_read("decisions", ["ops"])
	authz.allow with input as console_read("catalog", ["admin"])
	authz.allow with input as console_read("overview", ["reporter"])
	not authz.allow with input as console_read("decisions", ["reporter"])
	not authz.allow with input as console_read("overview", ["analyst"])
	authz.reasons == {"no role of alice grants the console's overview page"} with input as console_read("overview", ["analyst"])
	not authz.allow with input as {"method": "console/read", "console": {"page": "overview"}}
}
