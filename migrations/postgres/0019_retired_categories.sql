-- Admins retire categories: a retired one keeps its listings and takes no new ones.
ALTER TABLE categories ADD COLUMN retired_at TIMESTAMPTZ;
