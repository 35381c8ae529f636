CREATE TABLE `impersonation_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`alg` text NOT NULL,
	`private_jwk` text NOT NULL,
	`public_jwk` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	`last_expires_at` integer
);
--> statement-breakpoint
CREATE TABLE `impersonation_revocations` (
	`jti` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`impersonator_id` text NOT NULL,
	`revoked_by` text NOT NULL,
	`revoked_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `impersonation_revocations_expires_idx` ON `impersonation_revocations` (`expires_at`);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `on_behalf_of` text;