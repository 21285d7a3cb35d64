import { Logger } from '@nestjs/common';
import { AppConfig, ConfigError } from '../config/app-config';
import type { ApiKeyService } from './api-key.service';
import { isLoopbackHost } from './http-security';

/**
 * Makes sure the API can be reached with a key before it listens. Stores FLOW2VEC_ADMIN_KEY when set.
 * When no unrevoked key exists, creates an admin key and prints it once on a loopback HOST, and throws
 * on any other HOST, so the server never listens beyond loopback without a key.
 */
export async function prepareApiKeys(
  keys: Pick<ApiKeyService, 'registerEnvironmentKey' | 'countActive' | 'createInitialKey'>,
  config: AppConfig,
  logger: Pick<Logger, 'warn'>,
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  if (config.FLOW2VEC_ADMIN_KEY) {
    await keys.registerEnvironmentKey(config.FLOW2VEC_ADMIN_KEY);
  }

  if ((await keys.countActive()) > 0) {
    return;
  }

  if (!isLoopbackHost(config.HOST)) {
    throw new ConfigError(
      `HOST=${config.HOST} is not a loopback address and no API key exists. Set FLOW2VEC_ADMIN_KEY, ` +
        'create a key with `npm run keys -- create --role admin --name NAME`, or listen on HOST=127.0.0.1.',
    );
  }

  const initial = await keys.createInitialKey();
  if (initial) {
    logger.warn(
      `No API key was configured: created admin API key ${initial.key.id} and listening on loopback only (HOST=${config.HOST})`,
    );
    // Printed, not logged, and only this once, because only the key's hash is stored.
    print(`\nInitial admin API key (shown once, store it now): ${initial.secret}\n\n`);
  }
}
