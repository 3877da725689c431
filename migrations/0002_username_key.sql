-- One account per username, whatever its case: a key column that registration, login and admin edits
-- compare (NFKC, case-folded; src/schemas/usernames.ts). SQL has no NFKC, so existing rows get lower()
-- here; `npm run db:normalize-usernames` (run by `npm run dev` and `npm run deploy` after the
-- migrations) then NFKC-normalises the rows that hold characters beyond ASCII.
ALTER TABLE `users` ADD `username_key` text NOT NULL DEFAULT '';--> statement-breakpoint
UPDATE `users` SET `username_key` = lower(`username`);--> statement-breakpoint
-- Refuse, with a message saying what to do, rather than pick one of two accounts that now collide.
CREATE TABLE `_migration_0002_check` (`collisions` integer NOT NULL);--> statement-breakpoint
CREATE TRIGGER `_migration_0002_refuse` BEFORE INSERT ON `_migration_0002_check` WHEN NEW.`collisions` > 0
BEGIN
  SELECT RAISE(ABORT, 'migration 0002_username_key refused: some usernames differ only in case (e.g. Alice and alice). Rename one of each pair, then apply the migrations again. They are listed by: SELECT lower(username), group_concat(username) FROM users GROUP BY 1 HAVING count(*) > 1');
END;--> statement-breakpoint
INSERT INTO `_migration_0002_check` SELECT count(*) FROM (SELECT 1 FROM `users` GROUP BY lower(`username`) HAVING count(*) > 1);--> statement-breakpoint
DROP TABLE `_migration_0002_check`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_key_unique` ON `users` (`username_key`);
