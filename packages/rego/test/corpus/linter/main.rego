# Aggregation: every rule package under data.rules contributes its `report` set.
package linter

import data.rules

report contains violation if some violation in rules[_][_].report

by_category[category] := count([v | some v in report; v.category == category]) if some category in {v.category | some v in report}

# The first violation in the canonical order of the set (OPA iterates sets sorted).
first := [v | some v in report][0]

errors := {v | some v in report; v.level == "error"}

fail if count(errors) > 0
