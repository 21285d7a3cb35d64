import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation';

class Window {
  @IsInt() @Min(1) @Max(100) length: number;
}

class Request {
  @IsArray() @IsUUID('4', { each: true }) captureIds: string[];
  @IsOptional() @IsString() name?: string;
  @ValidateNested() @Type(() => Window) window: Window;
}

async function messageOf(value: unknown): Promise<string> {
  try {
    await createValidationPipe().transform(value, { type: 'body', metatype: Request });
  } catch (error) {
    return (error as { getResponse(): { message: string[] } }).getResponse().message.join('; ');
  }
  throw new Error('validation passed');
}

describe('validation messages', () => {
  it('missing field is one message', async () => {
    const message = await messageOf({ window: { length: 5 } });
    assert.equal(message, 'captureIds is missing: it is required');
  });

  it('missing nested field names its path', async () => {
    const message = await messageOf({ captureIds: [], window: {} });
    assert.equal(message, 'window.length is missing: it is required');
  });

  it('bad values keep every broken rule', async () => {
    const message = await messageOf({ captureIds: ['x'], name: 3, window: { length: 500 } });
    assert.match(message, /each value in captureIds must be a UUID/);
    assert.match(message, /name must be a string/);
    assert.match(message, /window\.length must not be greater than 100/);
  });

  it('unknown field is named', async () => {
    const message = await messageOf({ captureIds: [], window: { length: 5 }, size: 1 });
    assert.equal(message, 'property size should not exist');
  });
});
