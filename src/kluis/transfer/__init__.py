"""Bulk import (CSV, vCard) and export of people, and the demo population."""
