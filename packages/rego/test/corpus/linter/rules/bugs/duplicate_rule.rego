package rules.bugs["duplicate-rule"]

import data.lib.ast
import data.lib.config
import data.lib.util

report contains violation if {
	config.enabled("bugs", "duplicate-rule")
	some i, rule in ast.rules
	some j, other in ast.rules
	i < j
	rule.head.name == other.head.name
	rule.body == other.body
	violation := util.report("bugs", "duplicate-rule", other)
}
