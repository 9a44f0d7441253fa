"""The public pages for the people in the database: unsubscribe, preferences, sign-up with double
opt-in. Plain server-rendered HTML in Dutch and English, no login, no cookies, no scripts."""
