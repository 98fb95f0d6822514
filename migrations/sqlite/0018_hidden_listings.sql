-- A listing an admin hid, with the reason its owner reads: it is paused while the reason is
-- set, and its owner cannot publish it again until an admin unhides it.
ALTER TABLE listings ADD COLUMN hidden_reason TEXT;
