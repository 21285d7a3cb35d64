import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reflector } from '@nestjs/core';
import { Public, requiredAccess, RequireRole, roleSatisfies } from './access-policy';

class Plain {
  read(): void {}
  @RequireRole('admin') manage(): void {}
  @Public() health(): void {}
}

@RequireRole('admin')
class AdminOnly {
  list(): void {}
  @RequireRole('reader') current(): void {}
}

const reflector = new Reflector();

describe('requiredAccess', () => {
  it('derives the role from the operation', () => {
    for (const operation of ['GET', 'HEAD', 'OPTIONS', 'Query']) {
      assert.equal(requiredAccess(reflector, [Plain.prototype.read, Plain], operation), 'reader', operation);
    }
    for (const operation of ['POST', 'PUT', 'PATCH', 'DELETE', 'Mutation', 'Subscription']) {
      assert.equal(requiredAccess(reflector, [Plain.prototype.read, Plain], operation), 'writer', operation);
    }
  });

  it('prefers the method decorator', () => {
    assert.equal(requiredAccess(reflector, [Plain.prototype.manage, Plain], 'GET'), 'admin');
    assert.equal(requiredAccess(reflector, [Plain.prototype.health, Plain], 'GET'), 'public');
    assert.equal(requiredAccess(reflector, [AdminOnly.prototype.current, AdminOnly], 'GET'), 'reader');
  });

  it('falls back to the class decorator', () => {
    assert.equal(requiredAccess(reflector, [AdminOnly.prototype.list, AdminOnly], 'GET'), 'admin');
  });
});

describe('roleSatisfies', () => {
  it('orders reader, writer, admin', () => {
    assert.equal(roleSatisfies('admin', 'writer'), true);
    assert.equal(roleSatisfies('writer', 'writer'), true);
    assert.equal(roleSatisfies('writer', 'admin'), false);
    assert.equal(roleSatisfies('reader', 'writer'), false);
  });
});
