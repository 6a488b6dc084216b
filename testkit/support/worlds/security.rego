# Test policy of the security suite (package mcp.authz, the default entrypoint).
# Only the principal `alice` is ever allowed anything; everyone else is denied everything.
# Some names exercise the engine's failure modes on tools/call only (listing them is allowed,
# so the call reaches the second, per-call decision):
#   filler_01: no rule defines allow (undefined decision)
#   filler_02: allow is the string "yes" (non-boolean)
#   filler_03: two complete definitions of allow conflict (evaluation error)
# Hidden from alice: the tool `fail`, the prompt `plain` (prompts are judged by their public,
# namespaced name), the resource kitchen://static/blob.
package mcp.authz

alice if input.principal.sub == "alice"

tools_call if input.method == "tools/call"

subject := input.tool.upstream_name

hidden if subject == "fail"

hidden if endswith(input.prompt.name, "__plain")

hidden if input.resource.uri == "kitchen://static/blob"

special if {
	tools_call
	subject in {"filler_01", "filler_02", "filler_03"}
}

reasons contains "echo must not repeat secrets" if {
	tools_call
	subject == "echo"
	contains(input.arguments.message, "secret")
}

allow := false if not alice

allow := false if {
	alice
	hidden
}

allow := true if {
	alice
	not hidden
	not special
	count(reasons) == 0
}

allow := false if {
	alice
	not hidden
	count(reasons) > 0
}

allow := "yes" if {
	alice
	tools_call
	subject == "filler_02"
}

allow := true if {
	alice
	tools_call
	subject == "filler_03"
}

allow := false if {
	alice
	tools_call
	subject == "filler_03"
}
