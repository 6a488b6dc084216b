# Upstream `analytics` (example deployment): `generate_report(data)` over sales rows.
# The report is pure computation; the rule bounds its input so one call cannot tie it up.
package mcp.servers.analytics

settings := data.warden.servers.analytics

row_counts contains n if {
	input.tool.upstream_name == "generate_report"
	n := count(input.arguments.data.rows)
}

row_counts contains n if {
	input.tool.upstream_name == "generate_report"
	n := count(input.arguments.data.previous_week.rows)
}

deny contains reason if {
	some n in row_counts
	n > settings.max_rows
	reason := sprintf("generate_report accepts at most %d rows per week", [settings.max_rows])
}
