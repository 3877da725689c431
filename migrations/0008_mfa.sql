-- A second factor: TOTP factors (secrets sealed with AES-GCM), recovery codes (HMACs), the challenges
-- already answered, and each session's assurance level and methods (aal, amr). Sessions started before
-- this are "aal1" with ["pwd"]: a password was all they took.
CREATE TABLE `mfa_factors` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL,
	`confirmed_at` integer,
	`last_used_step` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `recovery_codes` (
	`hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recovery_codes_user_idx` ON `recovery_codes` (`user_id`);--> statement-breakpoint
CREATE TABLE `spent_challenges` (
	`jti` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `aal` text DEFAULT 'aal1' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `amr` text DEFAULT '["pwd"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `mfa_enabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- A code works once (RFC 6238 §5.2): the step of the newest accepted code only ever moves forward, and
-- a recovery code is spent once. Decided by the database inside the batch that logs in, so of two
-- requests bringing one code at the same moment exactly one gets through; the other batch aborts.
CREATE TRIGGER `mfa_factors_step_forward` BEFORE UPDATE OF `last_used_step` ON `mfa_factors`
WHEN OLD.`last_used_step` IS NOT NULL AND (NEW.`last_used_step` IS NULL OR NEW.`last_used_step` <= OLD.`last_used_step`)
BEGIN
  SELECT RAISE(ABORT, 'mfa_guard: the code was already used');
END;--> statement-breakpoint
CREATE TRIGGER `recovery_codes_once` BEFORE UPDATE OF `used_at` ON `recovery_codes`
WHEN OLD.`used_at` IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'mfa_guard: the code was already used');
END;
--> statement-breakpoint
-- A login decides near the user, on a replica, and starts the session in one batch on the primary. The
-- batch begins with `INSERT INTO decision_guard (still_true) SELECT <is the account as the decision
-- read it?>`, which aborts it — nothing written — when the password, the account's state or its second
-- factor changed meanwhile (src/db/decision-guard.ts). A view, like session_guard: the check writes nothing.
CREATE VIEW `decision_guard` AS SELECT 1 AS `still_true`;--> statement-breakpoint
CREATE TRIGGER `decision_guard_check` INSTEAD OF INSERT ON `decision_guard`
BEGIN
  SELECT RAISE(ABORT, 'decision_guard: what the request decided on has changed') WHERE NOT NEW.`still_true`;
END;
