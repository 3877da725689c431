-- Login sessions are called sessions everywhere: the API (/api/sessions/), the code and now the table
-- (it was token_families, simplejwt's word for the refresh tokens of one login). A rename keeps every
-- row; the index follows the table's name.
ALTER TABLE `token_families` RENAME TO `sessions`;--> statement-breakpoint
DROP INDEX `token_families_user_idx`;--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);
