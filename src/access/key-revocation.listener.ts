import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { ApiKeyService } from './api-key.service';

/** The channel the `api_keys_revoked` trigger notifies; see migrations/1765300000000-key-revocation-notify.ts. */
export const KEY_REVOKED_CHANNEL = 'api_key_revoked';
const RECONNECT_DELAY_MS = 1_000;

/**
 * Listens for key revocations in PostgreSQL and clears this process's cache of key lookups, so a key revoked
 * through another API process or the keys CLI stops working here at once. While the listening connection is
 * down, the cache's expiry still bounds how long a revoked key keeps working, and the cache is cleared again
 * after reconnecting because notifications sent in between are lost.
 */
@Injectable()
export class KeyRevocationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRevocationListener.name);
  private client: Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeyService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
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
      if (message.channel === KEY_REVOKED_CHANNEL) {
        this.keys.clearCache();
      }
    });
    client.on('error', (error) => this.logger.warn(`Key revocation listener lost its connection: ${error.message}`));
    client.on('end', () => this.scheduleReconnect(client));

    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_REVOKED_CHANNEL}`);
      this.client = client;
      this.keys.clearCache();
    } catch (error) {
      this.logger.warn(`Key revocation listener could not connect: ${(error as Error).message}`);
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
