-- The status a platform returns to when the last maintenance window on it ends: the one it had when the first
-- window began, or the one an operator set while windows ran. NULL while no window is in force.
ALTER TABLE platforms ADD COLUMN status_after_windows TEXT CHECK (status_after_windows IN ('active', 'maintenance', 'disabled'));
