package mcp.servers.db_test

import data.mcp.servers.db

query(sql) := {"method": "tools/call", "tool": {"name": "db__query", "server": "db", "upstream_name": "query"}, "arguments": {"sql": sql}}

refused := {"query accepts exactly one read-only SELECT statement"}

test_select_statements_pass if {
	count(db.deny) == 0 with input as query("SELECT product, sum(units) FROM sales GROUP BY product")
	count(db.deny) == 0 with input as query("  with t as (select 1 as n) select n from t;  ")
}

test_writing_statements_are_refused if {
	db.deny == refused with input as query("DELETE FROM sales")
	db.deny == refused with input as query("UPDATE sales SET units = 0")
	db.deny == refused with input as query("insert into sales values ('2026-11-16', 'anvil', 1, 1)")
	db.deny == refused with input as query("PRAGMA writable_schema = 1")
	db.deny == refused with input as query("ATTACH DATABASE 'x.db' AS x")
	db.deny == refused with input as query("with d as (delete from sales returning *) select * from d")
}

test_a_second_statement_or_a_comment_is_refused if {
	db.deny == refused with input as query("select 1; drop table sales")
	db.deny == refused with input as query("select 1 -- and more")
	db.deny == refused with input as query("select /* hidden */ 1")
}

test_sql_that_is_not_a_string_is_refused if {
	db.deny == refused with input as query(42)
	db.deny == refused with input as {"method": "tools/call", "tool": {"server": "db", "upstream_name": "query"}, "arguments": {}}
}

test_get_sales_has_no_argument_rule if {
	count(db.deny) == 0 with input as {"method": "tools/call", "tool": {"server": "db", "upstream_name": "get_sales"}, "arguments": {"week": "2026-11-16"}}
}
