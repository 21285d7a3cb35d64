import { applyDecorators } from '@nestjs/common';
import { ArgsOptions, Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Largest version number: the maximum of the PostgreSQL `integer` column that stores it. */
export const MAX_VERSION = 2_147_483_647;

const DESCRIPTION =
  'Number of the model version to query, as listed by GET /api/v1/models/{id}/versions; it must be ready. ' +
  'Default: the newest ready version';

/** The optional `version` argument of every GraphQL field that queries a model. */
export const SERVED_VERSION_ARG: ArgsOptions = { type: () => Int, nullable: true, description: DESCRIPTION };

/**
 * Declares the optional `version` field of a query DTO. `graphql` also exposes it on an `@ArgsType` or `@InputType`
 * class; leave it false on a class that only REST reads.
 */
export function ServedVersionProperty({ graphql = false } = {}): PropertyDecorator {
  const decorators = [
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_VERSION, example: 1, description: DESCRIPTION }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_VERSION),
  ];
  return applyDecorators(
    ...(graphql ? [Field(() => Int, { nullable: true, description: DESCRIPTION })] : []),
    ...decorators,
  );
}

/** The query string of a route that takes no other query parameter than `version`. */
export class ServedVersionQueryDto {
  @ServedVersionProperty() version?: number;
}
