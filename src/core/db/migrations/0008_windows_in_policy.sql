-- A check denies inside an open window from its start to the millisecond, not only once its flow has set the
-- platform's status (moments later, or not at all while no worker runs): windows are part of what a check reads.
CREATE TRIGGER windows_ins AFTER INSERT ON maintenance_windows BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER windows_upd AFTER UPDATE ON maintenance_windows BEGIN UPDATE policy_state SET version = version + 1; END;
