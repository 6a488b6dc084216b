# Validation of service configuration documents: a JSON Schema for the shape, Rego for the rules
# a schema cannot say (cross-field checks, naming), and one error list for both.
package config.service

schema := {
	"type": "object",
	"required": ["name", "port", "replicas"],
	"properties": {
		"name": {"type": "string", "minLength": 1},
		"port": {"type": "integer", "minimum": 1, "maximum": 65535},
		"replicas": {"type": "integer", "minimum": 0},
		"env": {"type": "object", "additionalProperties": {"type": "string"}},
		"tls": {
			"type": "object",
			"required": ["enabled"],
			"properties": {"enabled": {"type": "boolean"}, "cert": {"type": "string"}},
		},
	},
}

shape_errors := errors if {
	[valid, errors] := json.match_schema(input, schema)
	not valid
}

default shape_errors := []

errors contains msg if {
	some e in shape_errors
	msg := sprintf("%s: %s", [e.field, e.desc])
}

errors contains "tls.cert is required when tls is enabled" if {
	input.tls.enabled == true
	not input.tls.cert
}

errors contains "privileged ports (< 1024) need replicas >= 2" if {
	input.port < 1024
	input.replicas < 2
}

errors contains msg if {
	some key, _ in input.env
	not regex.match(`^[A-Z][A-Z0-9_]*$`, key)
	msg := sprintf("env %s: names are UPPER_SNAKE_CASE", [key])
}

valid if count(errors) == 0

# Env names in sorted order, whatever order the document wrote them in.
env_names := [key | some key, _ in input.env]
