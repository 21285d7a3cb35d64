import { Injectable, OnModuleDestroy } from '@nestjs/common';
import IORedis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config';

/** Result of counting one request against a limit. */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the current one-minute window ends. */
  resetMs: number;
}

/**
 * Per-minute request counters in Redis, shared by every API process. Keys are
 * `<QUEUE_PREFIX>:rate-limit:<subject>`, so a deployment's prefix covers them too.
 */
@Injectable()
export class RateLimitRepository implements OnModuleDestroy {
  private readonly connection: IORedis;
  private readonly limiter: RateLimiterRedis;

  constructor(config: AppConfig) {
    // A connection of its own: BullMQ's connections retry commands forever, while a request must fail fast.
    this.connection = new IORedis({
      host: config.REDIS_HOST,
      port: config.REDIS_PORT,
      password: config.REDIS_PASSWORD || undefined,
      maxRetriesPerRequest: 2,
    });
    this.limiter = new RateLimiterRedis({
      storeClient: this.connection,
      keyPrefix: `${config.QUEUE_PREFIX}:rate-limit`,
      points: config.RATE_LIMIT_PER_MINUTE,
      duration: 60,
    });
  }

  /** Counts one request of `subject`, for example `key:<id>` or `ip:<address>`. */
  async consume(subject: string): Promise<RateLimitResult> {
    const limit = this.limiter.points;
    try {
      const result = await this.limiter.consume(subject);
      return { allowed: true, limit, remaining: result.remainingPoints, resetMs: result.msBeforeNext };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, limit, remaining: 0, resetMs: rejection.msBeforeNext };
      }
      throw rejection;
    }
  }

  onModuleDestroy(): void {
    this.connection.disconnect();
  }
}
