import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { NotificationListener } from '../database/notification-listener';
import { ApiKeyService } from './api-key.service';

/** The channel the `api_keys_revoked` trigger notifies; see migrations/1765300000000-key-revocation-notify.ts. */
export const KEY_REVOKED_CHANNEL = 'api_key_revoked';

/**
 * Listens for key revocations in PostgreSQL and clears this process's cache of key lookups, so a key revoked
 * through another API process or the keys CLI stops working here at once. While the listening connection is
 * down, the cache's expiry still bounds how long a revoked key keeps working, and the cache is cleared again
 * after reconnecting because notifications sent in between are lost.
 */
@Injectable()
export class KeyRevocationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listener: NotificationListener;

  constructor(config: AppConfig, keys: ApiKeyService) {
    this.listener = new NotificationListener(config, KEY_REVOKED_CHANNEL, new Logger(KeyRevocationListener.name), {
      onNotification: () => keys.clearCache(),
      onListening: () => keys.clearCache(),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}
