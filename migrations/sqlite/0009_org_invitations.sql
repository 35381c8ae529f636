CREATE TABLE `org_invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`additional_roles` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`token_hash` text NOT NULL,
	`invited_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`delivery` text DEFAULT 'sending' NOT NULL,
	`last_sent_at` integer,
	`send_count` integer DEFAULT 0 NOT NULL,
	`accepted_at` integer,
	`accepted_by` text,
	`closed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `org_invitations_token_idx` ON `org_invitations` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `org_invitations_pending_idx` ON `org_invitations` (`org_id`,`email`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `org_invitations_org_created_idx` ON `org_invitations` (`org_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `org_invitations_email_idx` ON `org_invitations` (`email`,`status`);