"""Kluis: a customer-data system in which the GDPR holds by construction."""

__version__ = "0.1.0"
