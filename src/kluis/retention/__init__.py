"""Storage limitation that runs itself: retention sweeps, legal holds, re-confirmation of
consent (Art. 5(1)(e), 7, 17)."""
