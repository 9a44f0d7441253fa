-- Run once by the postgres image when its volume is empty: the keyring gets a database of its
-- own, so a dump of the data store never carries the keys that decrypt it (DESIGN.md, Keys).
CREATE DATABASE kluis_keyring OWNER kluis;
