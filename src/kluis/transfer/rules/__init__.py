"""Pure rules of bulk import: reading a file's records and header, the consent-declaration
rule, validating one row into what is stored or why it is rejected, and what becomes of a row
that matches a person held already. Nothing here touches a database or a file.

``notes`` (the stable codes of rejected and skipped records) stands below the others;
``records`` reads CSV records, ``columns`` plans the header, ``values`` validates a row by the
plan, ``matching`` decides on duplicates.
"""
