package linter_test

import data.lib.config
import data.linter

loc(row) := {"row": row, "col": 1}

module := {
	"imports": [{"path": ["data", "lib", "x"], "location": loc(2)}, {"path": ["data", "used"], "location": loc(3)}],
	"rules": [
		{"head": {"name": "allowAll"}, "body": [{"terms": {"type": "boolean"}, "location": loc(5)}], "refs": [], "location": loc(5)},
		{"head": {"name": "ok_rule"}, "body": [{"terms": {"type": "ref"}, "location": loc(6)}], "refs": [["used", "x"]], "location": loc(6)},
		{"head": {"name": "ok_rule"}, "body": [{"terms": {"type": "ref"}, "location": loc(6)}], "refs": [], "location": loc(7)},
	],
	"lines": ["package p", "import data.lib.x", "import data.used", "", "allowAll if true", "ok_rule if used.x", "ok_rule if used.x"],
}

titles contains [v.category, v.title, v.location.row] if some v in linter.report with input as module

test_every_rule_package_reports if {
	titles == {
		["style", "rule-name", 5],
		["bugs", "constant-condition", 5],
		["bugs", "duplicate-rule", 7],
		["imports", "unused-import", 2],
	}
}

test_counts_by_category if {
	linter.by_category == {"style": 1, "bugs": 2, "imports": 1} with input as module
}

test_first_violation_follows_sorted_order if {
	# Objects sort by their sorted key/value pairs: "bugs" < "imports" < "style", then title.
	v := linter.first with input as module
	v.category == "bugs"
	v.title == "constant-condition"
}

test_rules_can_be_ignored_by_configuration if {
	cfg := {"rules": {"bugs": {"duplicate-rule": {"level": "ignore"}}}}
	r := linter.report with input as module with data.linter.config as cfg
	count(r) == 3
}

test_levels_default_to_error if {
	config.level("style", "rule-name") == "error"
	config.level("style", "rule-name") == "warning" with data.linter.config as {"rules": {"style": {"rule-name": {"level": "warning"}}}}
}

test_warnings_do_not_fail if {
	cfg := {"rules": {"style": {"rule-name": {"level": "warning"}}, "bugs": {"constant-condition": {"level": "warning"}, "duplicate-rule": {"level": "warning"}}, "imports": {"unused-import": {"level": "warning"}}}}
	not linter.fail with input as module with data.linter.config as cfg
	linter.fail with input as module
}

test_line_length if {
	long := concat("", [x | some _ in numbers.range(1, 130); x := "a"])
	r := data.rules.style["line-length"].report with input as {"rules": [], "lines": ["short", long]}
	r == {{"category": "style", "title": "line-length", "level": "error", "location": {"row": 2, "col": 121}}}
}

test_line_length_limit_is_configurable if {
	r := data.rules.style["line-length"].report with input as {"rules": [], "lines": ["123456"]} with data.linter.config as {"rules": {"style": {"line-length": {"max": 5}}}}
	count(r) == 1
}

test_snake_case if {
	data.lib.util.is_snake_case("a_b1")
	not data.lib.util.is_snake_case("aB")
}

# A rule without head name: the negated call's argument is undefined, so nothing is reported
# (OPA moves rule.head.name out of the negation).
test_rule_without_name_is_not_reported_as_bad_name if {
	r := data.rules.style["rule-name"].report with input as {"rules": [{"head": {}, "body": [], "location": loc(1)}]}
	count(r) == 0
}

test_package_paths_with_dashes if {
	data.rules.bugs["duplicate-rule"]
	data.rules.imports["unused-import"]
}
