# Upstream `db` (example deployment): `get_sales(week)` and `query(sql)`.
# `query` accepts exactly one read-only statement. The server checks again (SQLite's own
# read-only flag on a read-only connection); the policy makes the refusal visible and audited.
package mcp.servers.db

deny contains "query accepts exactly one read-only SELECT statement" if {
	input.tool.upstream_name == "query"
	not read_only_query
}

# A rule, not `not read_only(input.arguments.sql)`: OPA moves the argument out of the negation,
# so a query without `sql` would make the deny undefined instead of refusing it.
read_only_query if read_only(input.arguments.sql)

# Words that change data or the connection: refused anywhere in the text, even inside a literal
# (a false refusal is cheap; a false acceptance is not).
writing_words := `\b(insert|update|delete|replace|upsert|merge|drop|alter|create|truncate|attach|detach|pragma|vacuum|reindex|analyze|grant|revoke|begin|commit|rollback|savepoint|release)\b`

read_only(sql) if {
	is_string(sql)
	statement := trim_right(lower(trim_space(sql)), "; \t\r\n")
	regex.match(`^(select|with)\b`, statement)
	not regex.match(writing_words, statement)
	# A second statement or a comment could hide anything: refuse ';', '--' and '/*' outright.
	not regex.match(`;|--|/\*`, statement)
}
