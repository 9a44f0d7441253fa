"""Connected systems (issue 21): the register of processors and recipients (Art. 28, 19), the
identifier each knows a person by, and the notices of erasure, rectification, restriction,
objection and consent withdrawal sent to them (Standard Webhooks, e-mail or a manual step),
tracked until each system confirms."""
