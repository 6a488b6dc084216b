# Per-rule configuration: data.linter.config.rules[category][title].level, "error" by default.
package lib.config

default level(_, _) := "error"

level(category, title) := data.linter.config.rules[category][title].level

enabled(category, title) if level(category, title) != "ignore"
