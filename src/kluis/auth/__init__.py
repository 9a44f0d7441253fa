"""Staff users, roles and API tokens."""
