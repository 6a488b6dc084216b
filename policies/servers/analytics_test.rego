package mcp.servers.analytics_test

import data.mcp.servers.analytics

report(rows, previous) := {
	"method": "tools/call",
	"tool": {"name": "analytics__generate_report", "server": "analytics", "upstream_name": "generate_report"},
	"arguments": {"data": {"week": "2026-11-16", "rows": rows, "previous_week": {"week": "2026-11-09", "rows": previous}}},
}

rows(n) := [row | some i in numbers.range(1, n); row := {"date": "2026-11-16", "product": "anvil", "units": i, "revenue_cents": 100}]

too_many := {"generate_report accepts at most 5000 rows per week"}

test_a_week_of_rows_passes if {
	count(analytics.deny) == 0 with input as report(rows(35), rows(35))
}

test_too_many_rows_are_refused if {
	analytics.deny == too_many with input as report(rows(5001), [])
	analytics.deny == too_many with input as report([], rows(5001))
}
