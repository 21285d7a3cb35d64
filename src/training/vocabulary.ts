import { LABEL_CLASSES, LabelClass, labelClassOf } from '../captures/label-class';

/** A token as counted while reading, before the vocabulary is cut and ordered. */
export interface CountedToken {
  token: string;
  count: number;
  /** Occurrences per capture label; flows without a label count under the empty string. */
  labelCounts: Map<string, number>;
}

export interface VocabularyEntry {
  token: string;
  count: number;
  labelCounts: Record<string, number>;
  labelClass: LabelClass;
}

export interface Vocabulary {
  entries: VocabularyEntry[];
  /** Maps each counted token's index to its vocabulary id, or -1 when the token was cut. */
  idOfCounted: Int32Array;
  /** The minimum count actually applied, after `maxFinalVocab` raised it if it had to. */
  effectiveMinCount: number;
  /** Tokens counted but below `effectiveMinCount`, stored so that a query for one of them returns its count. */
  cut: CutToken[];
}

export interface CutToken {
  token: string;
  count: number;
}

/**
 * Builds the vocabulary the way gensim 4 does: tokens below `minCount` are dropped, and when more than
 * `maxFinalVocab` remain, the minimum count is raised to one above the count of the first token past the
 * limit, so ties are kept or dropped together. Entries are ordered by count descending, then by token,
 * so the order never depends on hashing.
 */
export function buildVocabulary(counted: CountedToken[], minCount: number, maxFinalVocab: number | null): Vocabulary {
  const order = counted.map((_, index) => index);
  order.sort((a, b) => counted[b].count - counted[a].count || compareStrings(counted[a].token, counted[b].token));

  let effectiveMinCount = minCount;
  if (maxFinalVocab !== null) {
    const kept = order.filter((index) => counted[index].count >= minCount);
    if (kept.length > maxFinalVocab) {
      effectiveMinCount = Math.max(minCount, counted[kept[maxFinalVocab]].count + 1);
    }
  }

  const idOfCounted = new Int32Array(counted.length).fill(-1);
  const entries: VocabularyEntry[] = [];
  const cut: CutToken[] = [];
  for (const index of order) {
    const token = counted[index];
    if (token.count < effectiveMinCount) {
      cut.push({ token: token.token, count: token.count });
      continue;
    }

    idOfCounted[index] = entries.length;
    const labelCounts = Object.fromEntries(token.labelCounts);
    entries.push({
      token: token.token,
      count: token.count,
      labelCounts,
      labelClass: majorityLabelClass(token.labelCounts),
    });
  }

  return { entries, idOfCounted, effectiveMinCount, cut };
}

/** Returns the label class with the most flows; ties go to the class listed first in `LABEL_CLASSES`. */
export function majorityLabelClass(labelCounts: Map<string, number>): LabelClass {
  const perClass = new Map<LabelClass, number>();
  for (const [label, count] of labelCounts) {
    const labelClass = labelClassOf(label === '' ? null : label);
    perClass.set(labelClass, (perClass.get(labelClass) ?? 0) + count);
  }

  let best: LabelClass = 'Background';
  let bestCount = -1;
  for (const labelClass of LABEL_CLASSES) {
    const count = perClass.get(labelClass) ?? 0;
    if (count > bestCount) {
      best = labelClass;
      bestCount = count;
    }
  }

  return best;
}

/** Code-unit order, the same in every locale. */
function compareStrings(a: string, b: string): number {
  if (a === b) {
    return 0;
  }

  return a < b ? -1 : 1;
}
