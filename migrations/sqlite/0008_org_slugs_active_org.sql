-- Hand-edited after drizzle-kit generate: SQLite cannot add a NOT NULL column without a default,
-- and existing orgs need distinct slugs before the unique index. Their ids (lower-case UUIDs) are
-- unique and URL-safe; owners can rename the slug with updateOrg.
ALTER TABLE `orgs` ADD `slug` text NOT NULL DEFAULT '';--> statement-breakpoint
UPDATE `orgs` SET `slug` = 'org-' || lower(`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_slug_idx` ON `orgs` (`slug`);--> statement-breakpoint
ALTER TABLE `users` ADD `active_org_id` text;--> statement-breakpoint
CREATE INDEX `users_active_org_idx` ON `users` (`active_org_id`);
