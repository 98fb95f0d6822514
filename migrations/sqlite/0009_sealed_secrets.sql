-- Secrets at rest: authenticator secrets are sealed (XChaCha20-Poly1305) and backup codes
-- kept as keyed hashes, each with the id of the server key that made it. NULL marks a value
-- an older GearShare stored in clear; every start seals those before serving.
ALTER TABLE users ADD COLUMN totp_key_id INTEGER;
ALTER TABLE backup_codes ADD COLUMN key_id INTEGER;
