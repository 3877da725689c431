-- A write that reads nothing first may still need the caller's session to be live when it lands: an
-- authenticated write checks the session on a nearby replica, then runs in a batch (one transaction)
-- behind `INSERT INTO session_guard (live) SELECT <is the session live on the primary?>`, which
-- aborts the whole batch — nothing written — if it is not (src/db/session-guard.ts). A view, so that
-- the check itself never writes a row.
CREATE VIEW `session_guard` AS SELECT 1 AS `live`;--> statement-breakpoint
CREATE TRIGGER `session_guard_check` INSTEAD OF INSERT ON `session_guard`
BEGIN
  SELECT RAISE(ABORT, 'session_guard: the session has ended') WHERE NOT NEW.`live`;
END;
