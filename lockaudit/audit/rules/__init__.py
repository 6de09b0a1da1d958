"""Audit rules, one module per rule family; ``catalog`` describes every code."""
