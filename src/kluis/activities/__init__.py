"""Activities: calls, meetings, e-mails, notes and visits logged against a person under a
purpose, sealed with the person's key, and the person page's timeline."""

from kluis.activities import purpose_end as purpose_end  # registers its contacts hook
