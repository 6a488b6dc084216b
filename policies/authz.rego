# Entry policy of mcp-warden (policy.entrypoint: data.mcp.authz). The gateway forwards a request
# only when `allow` is exactly true; `reasons` tell the caller and the audit trail why not.
#
# Access is role based (data.warden.roles in data.json): each role lists, per upstream server
# ("*" for any), the name globs of the tools, prompts and resource URIs it may use, and under
# "client" the server->client requests (sampling, elicitation, roots) those upstreams may send it. Argument
# rules live in one package per upstream (policies/servers/*.rego) and are asked for `deny`
# reasons on tools/call only: listing a tool just asks whether the caller may call it at all.
package mcp.authz

default allow := false

allow if {
	granted
	count(server_denials) == 0
}

# What each method is about; a method not listed has no subject, so nothing grants it.
# An else chain, most frequent first: a tool decision evaluates only the first condition.
subject_kind := "tools" if {
	input.method in {"tools/call", "tools/list"}
} else := "resources" if {
	input.method in {"resources/read", "resources/subscribe", "resources/unsubscribe", "resources/list", "resources/templates/list"}
} else := "prompts" if {
	input.method in {"prompts/get", "prompts/list"}
} else := "completion" if {
	# Completions are about a prompt or a resource template: the same grant as using it.
	input.method == "completion/complete"
} else := "logging" if {
	# Upstream log messages (old era) and the new era's listen stream: what either carries is
	# filtered per caller by the gateway (list changes by the caller's own view, updates by read).
	input.method in {"logging/setLevel", "subscriptions/listen"}
} else := "tasks" if {
	# The tasks extension (2026-07-28): polling, answering or cancelling a task a tool call started.
	# The gateway lets only the task's owner get this far; others are told it does not exist.
	input.method in {"tasks/get", "tasks/update", "tasks/cancel"}
} else := "client" if {
	# Requests an upstream sends to the caller's client while serving one of its calls.
	input.method in {"sampling/createMessage", "elicitation/create", "roots/list"}
} else := "console" if {
	# The web console's pages (issue 16): a role lists the page globs it may read.
	input.method == "console/read"
}

granted if {
	subject_kind == "tools"
	grants("tools", input.tool.server, input.tool.upstream_name, null)
}

granted if {
	subject_kind in {"resources", "completion"}
	grants("resources", input.resource.server, input.resource.uri, ["/"])
}

# Any caller with a configured role may ask for upstream log messages: the gateway sends them only
# to sessions whose setLevel was allowed (clients such as the MCP inspector ask at connect).
granted if {
	subject_kind == "logging"
	some role in input.principal.roles
	data.warden.roles[role]
}

# A task belongs to a tool call: a role that may use some tool of the task's upstream may follow it.
granted if {
	subject_kind == "tasks"
	some role in input.principal.roles
	some server_glob, _ in data.warden.roles[role].tools
	glob.match(server_glob, null, input.task.server)
}

# The console shows the audit trail and what others may see: only roles that list the page.
granted if {
	subject_kind == "console"
	some role in input.principal.roles
	some page_glob in data.warden.roles[role].console
	glob.match(page_glob, null, input.console.page)
}

# A role lists, per upstream glob, the server->client methods its upstreams may send its clients.
granted if {
	subject_kind == "client"
	grants("client", input.upstream.name, input.method, null)
}

granted if {
	subject_kind in {"prompts", "completion"}
	grants("prompts", input.prompt.server, input.prompt.name, null)
}

# Some role of the caller lists a server glob matching `server` with a name glob matching `name`.
# Resource URIs use "/" as the glob delimiter, so "file:///srv/*" does not reach into subfolders.
grants(kind, server, name, delimiters) if {
	some role in input.principal.roles
	some server_glob, name_globs in data.warden.roles[role][kind]
	glob.match(server_glob, null, server)
	some name_glob in name_globs
	glob.match(name_glob, delimiters, name)
}

# Delegation: the package of the tool's upstream (data.mcp.servers.<server>) judges the arguments.
server_denials contains reason if {
	input.method == "tools/call"
	some reason in data.mcp.servers[input.tool.server].deny
}

subject := label if {
	input.tool
	label := sprintf("tool %s of %s", [input.tool.upstream_name, input.tool.server])
}

subject := label if {
	not input.tool
	input.resource
	label := sprintf("resource %s of %s", [input.resource.uri, input.resource.server])
}

subject := label if {
	not input.tool
	not input.resource
	input.prompt
	label := sprintf("prompt %s of %s", [input.prompt.name, input.prompt.server])
}

subject := "upstream log messages" if subject_kind == "logging"

subject := sprintf("%s from %s", [input.method, input.upstream.name]) if subject_kind == "client"

subject := sprintf("the tasks of %s", [input.task.server]) if subject_kind == "tasks"

subject := sprintf("the console's %s page", [input.console.page]) if subject_kind == "console"

reasons contains "no authenticated principal" if not input.principal

reasons contains reason if {
	input.principal
	not subject_kind
	reason := sprintf("method %s is not covered by the policy", [input.method])
}

reasons contains reason if {
	subject_kind
	not granted
	reason := sprintf("no role of %s grants %s", [input.principal.sub, subject])
}

reasons contains reason if {
	granted
	some reason in server_denials
}
