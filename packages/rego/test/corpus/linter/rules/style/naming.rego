# METADATA
# description: rule names are snake_case
package rules.style["rule-name"]

import data.lib.ast
import data.lib.config
import data.lib.util

report contains violation if {
	config.enabled("style", "rule-name")
	some rule in ast.rules
	not util.is_snake_case(rule.head.name)
	violation := util.report("style", "rule-name", rule)
}
