"""E-mail that obeys consent: transactional and commercial sends, unsubscribe links, SMTP."""
