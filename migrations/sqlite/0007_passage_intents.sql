CREATE TABLE `passage_intents` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`user_id` text,
	`identifier` text,
	`actor_id` text NOT NULL,
	`input` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`owner` text NOT NULL,
	`created_at` integer NOT NULL,
	`settle_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `passage_intents_state_idx` ON `passage_intents` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `passage_intents_user_idx` ON `passage_intents` (`user_id`,`state`);--> statement-breakpoint
CREATE INDEX `passage_intents_identifier_idx` ON `passage_intents` (`identifier`,`state`);