import { BlockList, isIP } from 'node:net';
import type { LabelClass } from '../captures/label-class';
import { DomainError } from '../common/domain-error';
import type { TokenField } from '../models/model-definition';
import type { ServedVocabulary } from './served-vocabulary';

/** Conditions a neighbour must meet; every condition given must hold. */
export interface TokenFilter {
  labelClass?: LabelClass;
  proto?: string;
  dport?: number;
  /** Source address range, for example `147.32.84.0/24` or `2001:db8::/32`. */
  srcCidr?: string;
  dstCidr?: string;
  cluster?: number;
}

/** Returns true when the filter has at least one condition. */
export function hasConditions(filter: TokenFilter | undefined): filter is TokenFilter {
  return (
    filter !== undefined && Object.values(filter).some((value) => value !== undefined && value !== null && value !== '')
  );
}

/** Parses `address/prefix` into a BlockList, or raises INVALID_INPUT naming the parameter and the value. */
export function parseCidr(name: string, cidr: string): BlockList {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const family = match ? isIP(match[1]) : 0;
  const prefix = match ? Number(match[2]) : NaN;
  if (!match || family === 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new DomainError('INVALID_INPUT', `${name} must be an address range like 147.32.84.0/24, got "${cidr}"`);
  }

  const blocks = new BlockList();
  blocks.addSubnet(match[1], prefix, family === 4 ? 'ipv4' : 'ipv6');
  return blocks;
}

/**
 * Compiles a filter into a predicate over token ids of one model. Field conditions read the field from
 * the token string, so a condition on a field that the model's tokens do not contain raises INVALID_INPUT.
 */
export function compileTokenFilter(
  filter: TokenFilter,
  vocabulary: ServedVocabulary,
  tokenFields: readonly TokenField[],
): (tokenId: number) => boolean {
  const checks: ((tokenId: number, fields: string[]) => boolean)[] = [];
  const position = (field: TokenField, parameter: string) => {
    const index = tokenFields.indexOf(field);
    if (index < 0) {
      throw new DomainError(
        'INVALID_INPUT',
        `${parameter} cannot be used: this model's tokens are made of ${tokenFields.join(', ')}, without ${field}`,
      );
    }
    return index;
  };

  if (filter.labelClass) {
    const labelClass = filter.labelClass;
    checks.push((tokenId) => vocabulary.labelClassOf(tokenId) === labelClass);
  }
  if (filter.cluster !== undefined && filter.cluster !== null) {
    const cluster = filter.cluster;
    checks.push((tokenId) => vocabulary.clusterOf(tokenId) === cluster);
  }
  if (filter.proto) {
    const at = position('proto', 'proto');
    const proto = filter.proto.toLowerCase();
    checks.push((_, fields) => fields[at] === proto);
  }
  if (filter.dport !== undefined && filter.dport !== null) {
    const at = position('dport', 'dport');
    const dport = String(filter.dport);
    checks.push((_, fields) => fields[at] === dport);
  }
  for (const [parameter, field] of [
    ['srcCidr', 'srcAddr'],
    ['dstCidr', 'dstAddr'],
  ] as const) {
    const cidr = filter[parameter];
    if (cidr) {
      const blocks = parseCidr(parameter, cidr);
      const at = position(field, parameter);
      checks.push((_, fields) => addressIn(blocks, fields[at]));
    }
  }

  return (tokenId) => {
    const fields = vocabulary.tokens[tokenId].split('|');
    return checks.every((check) => check(tokenId, fields));
  };
}

function addressIn(blocks: BlockList, address: string | undefined): boolean {
  const family = address ? isIP(address) : 0;
  return family !== 0 && blocks.check(address!, family === 4 ? 'ipv4' : 'ipv6');
}
