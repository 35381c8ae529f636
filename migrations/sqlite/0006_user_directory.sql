CREATE TABLE `directory_sync` (
	`id` integer PRIMARY KEY NOT NULL,
	`full_sync_done_at` integer,
	`full_sync_page` integer DEFAULT 1 NOT NULL,
	`full_sync_created_before` integer,
	`high_water_mark` text,
	`last_success_at` integer,
	`last_sweep_run` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `directory_users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`phone` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`email_verified` integer DEFAULT false NOT NULL,
	`phone_verified` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_login_at` integer DEFAULT 0 NOT NULL,
	`login_count` integer DEFAULT 0 NOT NULL,
	`metadata` text,
	`deleted_at` integer,
	`synced_at` integer NOT NULL,
	`sweep_run` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `directory_users_created_idx` ON `directory_users` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `directory_users_last_login_idx` ON `directory_users` (`last_login_at`,`id`);--> statement-breakpoint
CREATE INDEX `directory_users_email_idx` ON `directory_users` (`email`,`id`);--> statement-breakpoint
CREATE INDEX `directory_users_phone_idx` ON `directory_users` (`phone`);