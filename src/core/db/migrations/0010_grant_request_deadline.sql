-- When an operator's decision stops counting: from the request, not from whenever a worker first runs its flow.
-- NULL for requests made before it was recorded; their flows still time themselves.
ALTER TABLE grant_requests ADD COLUMN deadline_at TEXT;
