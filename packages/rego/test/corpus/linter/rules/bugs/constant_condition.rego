package rules.bugs["constant-condition"]

import data.lib.ast
import data.lib.config
import data.lib.util

constant_types := {"boolean", "number", "string", "null"}

report contains violation if {
	config.enabled("bugs", "constant-condition")
	some rule in ast.rules
	some expr in rule.body
	expr.terms.type in constant_types
	violation := util.report("bugs", "constant-condition", expr)
}
