-- Account recovery: verified addresses, single-use mailed tokens (stored as hashes) and the local outbox.
-- Every existing account's email starts unverified (its owner verifies it with
-- POST /api/registration/resend-email/, docs/accounts-and-email.md). One account per verified email: the
-- unique index moves from every email to verified ones, so an unverified claim never blocks an owner.
CREATE TABLE `account_tokens` (
	`hash` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`user_id` integer NOT NULL,
	`email` text NOT NULL,
	`new_email` text,
	`change_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `account_tokens_user_idx` ON `account_tokens` (`user_id`);--> statement-breakpoint
CREATE INDEX `account_tokens_change_idx` ON `account_tokens` (`change_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `users_email_ci`;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `users_verified_email` ON `users` (lower("email")) WHERE "users"."email" <> '' and "users"."email_verified" = 1;