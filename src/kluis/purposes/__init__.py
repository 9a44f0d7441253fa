"""Purposes of processing: lawful basis, data categories, retention (Art. 5(1)(b), 6, 30)."""
