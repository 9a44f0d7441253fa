"""Consent: the append-only ledger with evidence, permission state and ``may_contact``.

Loading the slice gives contacts, which stands below it, the two consent steps it needs
(``kluis.contacts.hooks``): the person's live consent, and deleting a person's ledger.
"""

from kluis.consent import links as _links

_links.register()
