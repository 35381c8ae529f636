import { createTransport } from 'nodemailer';

/** A message to a user: an email address, or a phone number when the channel is SMS. */
export type Message = { channel: 'email' | 'phone'; to: string; subject: string; text: string };

/**
 * How magic links and codes reach users. `mailbox` keeps them in memory for development
 * (`/dev/mailbox`), `smtp` sends email, `none` refuses to send.
 */
export interface Delivery {
  readonly kind: 'mailbox' | 'smtp' | 'none';
  /** Whether this channel can deliver at all; asked before anything is created. */
  supports(channel: Message['channel']): boolean;
  send(message: Message): Promise<void>;
}

const MAILBOX_LIMIT = 100;

export class Mailbox implements Delivery {
  readonly kind = 'mailbox' as const;
  /** Newest last; bounded, so a busy dev server does not grow without limit. */
  readonly messages: Array<Message & { at: string }> = [];

  supports(): boolean {
    return true;
  }

  async send(message: Message): Promise<void> {
    this.messages.push({ ...message, at: new Date().toISOString() });
    if (this.messages.length > MAILBOX_LIMIT) this.messages.splice(0, this.messages.length - MAILBOX_LIMIT);
  }
}

/** Email over SMTP; there is no SMS provider, so phone identifiers are refused. */
export class SmtpDelivery implements Delivery {
  readonly kind = 'smtp' as const;
  private readonly transport: ReturnType<typeof createTransport>;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // Bounded: a stuck SMTP server cannot hold a request for long.
    this.transport = createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 15_000 });
  }

  supports(channel: Message['channel']): boolean {
    return channel === 'email';
  }

  async send(message: Message): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }

  close(): void {
    this.transport.close();
  }
}

export const noDelivery: Delivery = {
  kind: 'none',
  supports: () => false,
  send: async () => {
    throw new Error('no delivery configured');
  },
};
