"""The audit: rules (stable codes), the policy that filters them, and the engine."""
