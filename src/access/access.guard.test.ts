import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presentedSecret } from './access.guard';

describe('presentedSecret', () => {
  it('reads a Bearer token', () => {
    assert.equal(presentedSecret({ headers: { authorization: 'Bearer f2v_abc' } }), 'f2v_abc');
    assert.equal(presentedSecret({ headers: { authorization: 'bearer   f2v_abc ' } }), 'f2v_abc');
  });

  it('reads X-API-Key', () => {
    assert.equal(presentedSecret({ headers: { 'x-api-key': ' f2v_abc ' } }), 'f2v_abc');
  });

  it('prefers Authorization over X-API-Key', () => {
    assert.equal(presentedSecret({ headers: { authorization: 'Bearer one', 'x-api-key': 'two' } }), 'one');
  });

  it('ignores other schemes and blanks', () => {
    assert.equal(presentedSecret({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }), null);
    assert.equal(presentedSecret({ headers: { 'x-api-key': '  ' } }), null);
    assert.equal(presentedSecret({ headers: {} }), null);
  });
});
