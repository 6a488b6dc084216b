package rules.style["line-length"]

import data.lib.config
import data.lib.util

# Not object.get(data.linter.config, ...): with no configuration its first argument is undefined,
# and so would the whole call be.
default max_length := 120

max_length := data.linter.config.rules.style["line-length"].max

report contains violation if {
	config.enabled("style", "line-length")
	some i, line in input.lines
	count(line) > max_length
	violation := util.report("style", "line-length", {"location": {"row": i + 1, "col": max_length + 1}})
}
