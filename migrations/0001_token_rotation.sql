ALTER TABLE `token_families` ADD `previous_jti` text;--> statement-breakpoint
ALTER TABLE `token_families` ADD `rotated_at` integer;