package k8s.config

registries := ["registry.example.com", "quay.io"]
