# Helpers shared by every rule: locations, reports, configuration lookup.
package lib.util

import data.lib.config

location(node) := {"row": node.location.row, "col": node.location.col}

report(category, title, node) := {
	"category": category,
	"title": title,
	"level": config.level(category, title),
	"location": location(node),
}

is_snake_case(name) if regex.match(`^[a-z][a-z0-9_]*$`, name)
