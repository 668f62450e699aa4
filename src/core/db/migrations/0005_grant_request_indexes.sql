-- A grant comes from at most one request; revoking it looks that request up to reach its timer flow.
CREATE UNIQUE INDEX grant_requests_by_grant ON grant_requests (grant_id) WHERE grant_id IS NOT NULL;
-- Every new request and every engine revoke looks for the engine's pending requests.
CREATE INDEX grant_requests_pending ON grant_requests (engine_id, platform_id, action_type) WHERE status = 'pending';
