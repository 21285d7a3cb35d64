import type { Flow } from '../captures/flow.types';
import type { TokenField } from '../models/model-definition';

/**
 * Joins the chosen fields of a flow into one token with "|". Whitespace inside a field becomes "_", so the
 * token stays one word in the word2vec text format.
 */
export function formatToken(flow: Flow, fields: readonly TokenField[]): string {
  let token = '';
  for (let i = 0; i < fields.length; i++) {
    const value = flow[fields[i]];
    token += (i === 0 ? '' : '|') + (/\s/.test(value) ? value.replace(/\s+/g, '_') : value);
  }

  return token;
}

/** Formats a flow's label as the last field of a token; whitespace becomes "_" as in `formatToken`, a missing label is empty. */
export function formatLabel(label: string | null): string {
  return label === null ? '' : label.replace(/\s+/g, '_');
}
