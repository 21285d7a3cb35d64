import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';

const RECONNECT_DELAY_MS = 1_000;

export interface NotificationHandlers {
  /** Called with the payload of every notification on the channel. */
  onNotification: (payload: string) => void;
  /**
   * Called each time the listener starts listening, after the first connection and after every reconnection.
   * PostgreSQL does not keep notifications for a disconnected listener, so callers catch up here.
   */
  onListening: () => void;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel and reconnects RECONNECT_DELAY_MS after it drops
 * or fails to connect. `channel` is used as an SQL identifier, so it must be a constant, never user input.
 */
export class NotificationListener {
  private client: Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly handlers: NotificationHandlers,
  ) {}

  /** Connects and starts listening. Resolves after the first attempt, and a failed attempt is logged and retried. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
    }
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      host: this.config.DB_HOST,
      port: this.config.DB_PORT,
      user: this.config.DB_USER,
      password: this.config.DB_PASSWORD,
      database: this.config.DB_NAME,
    });
    client.on('notification', (message) => {
      if (message.channel === this.channel) {
        this.handlers.onNotification(message.payload ?? '');
      }
    });
    client.on('error', (error) =>
      this.logger.warn(`Listener on channel ${this.channel} lost its connection: ${error.message}`),
    );
    client.on('end', () => this.scheduleReconnect(client));

    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      this.handlers.onListening();
    } catch (error) {
      this.logger.warn(`Listener on channel ${this.channel} could not connect: ${(error as Error).message}`);
      await client.end().catch(() => undefined);
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    if (this.stopped || this.reconnectTimer || (this.client && this.client !== client)) {
      return;
    }
    this.client = null;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, RECONNECT_DELAY_MS);
  }
}
