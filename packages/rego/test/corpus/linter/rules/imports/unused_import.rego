package rules.imports["unused-import"]

import data.lib.ast
import data.lib.config
import data.lib.util

report contains violation if {
	config.enabled("imports", "unused-import")
	some imp in ast.imports
	alias := object.get(imp, "alias", imp.path[count(imp.path) - 1])
	not alias_used(alias)
	violation := util.report("imports", "unused-import", imp)
}

alias_used(alias) if {
	some rule in ast.rules
	some ref in rule.refs
	ref[0] == alias
}
