"""Privacy requests of the people in the database (Art. 12, 15-22): access, portability,
rectification, restriction, objection and erasure, with their deadlines and proof."""
