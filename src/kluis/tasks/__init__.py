"""Tasks and reminders: what a member of staff has to do, by when, and about whom (issue 18)."""
