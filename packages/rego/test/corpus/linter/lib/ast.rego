# Views of the input document: a parsed module as {"package": ..., "imports": [...], "rules": [...]}.
package lib.ast

rules := input.rules

rule_names contains rule.head.name if some rule in rules

imports := object.get(input, "imports", [])

imported_paths contains concat(".", imp.path) if some imp in imports
