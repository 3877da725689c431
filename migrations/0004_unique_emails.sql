-- One account per email, whatever its case: logins may name the email instead of the username.
-- Refuse, with a message saying what to do, rather than pick one of two accounts that share one.
CREATE TABLE `_migration_0004_check` (`collisions` integer NOT NULL);--> statement-breakpoint
CREATE TRIGGER `_migration_0004_refuse` BEFORE INSERT ON `_migration_0004_check` WHEN NEW.`collisions` > 0
BEGIN
  SELECT RAISE(ABORT, 'migration 0004_unique_emails refused: some accounts share an email (whatever its case). Change or blank one of each pair, then apply the migrations again. They are listed by: SELECT lower(email), group_concat(username) FROM users WHERE email <> '''' GROUP BY 1 HAVING count(*) > 1');
END;--> statement-breakpoint
INSERT INTO `_migration_0004_check` SELECT count(*) FROM (SELECT 1 FROM `users` WHERE `email` <> '' GROUP BY lower(`email`) HAVING count(*) > 1);--> statement-breakpoint
DROP TABLE `_migration_0004_check`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_ci` ON `users` (lower("email")) WHERE "users"."email" <> '';
