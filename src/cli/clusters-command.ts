import { Command, InvalidArgumentError } from 'commander';
import type { ClusterMemberPageDto, ClusterPageDto, ClusterResponseDto } from '../clusters/cluster.dto';
import { CliError } from './api-client';
import { CommandContext, nonNegativeInteger, percent, positiveInteger, print, table } from './output';

const LABEL_CLASSES = ['Botnet', 'Normal', 'Background'];
const CLUSTER_ORDERS = ['share', 'size', 'id'];
const MEMBER_ORDERS = ['count', 'distance'];
/** Largest page the clusters routes return. */
const MAX_PAGE = 500;

interface ClustersFlags {
  labelClass?: string;
  minShare?: number;
  order?: string;
  limit: number;
  offset: number;
}

function labelClass(value: string): string {
  const match = LABEL_CLASSES.find((name) => name.toLowerCase() === value.toLowerCase());
  if (!match) {
    throw new InvalidArgumentError(`expected one of ${LABEL_CLASSES.join(', ')}, got "${value}"`);
  }
  return match;
}

function share(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !(parsed >= 0 && parsed <= 1)) {
    throw new InvalidArgumentError(`expected a share from 0 to 1, got "${value}"`);
  }
  return parsed;
}

function pageLimit(value: string): number {
  const parsed = positiveInteger(value);
  if (parsed > MAX_PAGE) {
    throw new InvalidArgumentError(`expected at most ${MAX_PAGE}, got "${value}"`);
  }
  return parsed;
}

function flowShare(cluster: ClusterResponseDto, name: string): number {
  return cluster.flowComposition.find((count) => count.labelClass === name)?.share ?? 0;
}

function pageFooter(noun: string, offset: number, count: number, total: number): string {
  return count === 0
    ? `no ${noun} at offset ${offset} of ${total}`
    : `${noun} ${offset + 1}-${offset + count} of ${total}`;
}

/** Registers `clusters`: a model's clusters as a page, or the members of one cluster. */
export function registerClustersCommand(program: Command, context: CommandContext): void {
  program
    .command('clusters')
    .description("list a model's k-means clusters with their label-class composition, or the tokens of one cluster")
    .argument('<model>', 'model id')
    .argument('[cluster]', 'cluster id: list its member tokens instead of the clusters', nonNegativeInteger)
    .option('--label-class <class>', `only clusters with flows of this class (${LABEL_CLASSES.join(', ')})`, labelClass)
    .option('--min-share <share>', 'with --label-class: smallest share of that class among the flows, 0 to 1', share)
    .option(
      '--order <order>',
      `clusters: ${CLUSTER_ORDERS.join('|')} (default share, which is size without --label-class); ` +
        `members: ${MEMBER_ORDERS.join('|')} (default count)`,
    )
    .option('--limit <n>', `items per page, at most ${MAX_PAGE}`, pageLimit, 50)
    .option('--offset <n>', 'items to skip', nonNegativeInteger, 0)
    .action(async (model: string, cluster: number | undefined, flags: ClustersFlags) => {
      if (cluster === undefined) {
        await listClusters(context, model, flags);
      } else {
        await listMembers(context, model, cluster, flags);
      }
    });
}

async function listClusters(context: CommandContext, model: string, flags: ClustersFlags): Promise<void> {
  const { options, client } = context();
  if (flags.order !== undefined && !CLUSTER_ORDERS.includes(flags.order)) {
    throw new CliError(`--order for clusters must be one of ${CLUSTER_ORDERS.join(', ')}, got "${flags.order}"`);
  }
  if (flags.minShare !== undefined && flags.labelClass === undefined) {
    throw new CliError('--min-share needs --label-class, the class whose share it bounds');
  }

  const query = new URLSearchParams({ limit: String(flags.limit), offset: String(flags.offset) });
  for (const [name, value] of Object.entries({
    labelClass: flags.labelClass,
    minShare: flags.minShare,
    order: flags.order,
  })) {
    if (value !== undefined) {
      query.set(name, String(value));
    }
  }
  const page = await client.get<ClusterPageDto>(`/models/${encodeURIComponent(model)}/clusters?${query}`);

  print(options, page, () => {
    const rows = page.items.map((item) => [
      String(item.clusterId),
      String(item.size),
      String(item.flows),
      item.majorityClass ?? '',
      ...LABEL_CLASSES.map((name) => percent(flowShare(item, name))),
      item.meanCentroidSimilarity === null ? '' : item.meanCentroidSimilarity.toFixed(3),
    ]);
    const header = [
      'cluster',
      'tokens',
      'flows',
      'majority',
      ...LABEL_CLASSES.map((name) => `${name} flows`),
      'mean centroid similarity',
    ];
    return `${table(header, rows)}\n${pageFooter('clusters', flags.offset, page.items.length, page.total)}`;
  });
}

async function listMembers(context: CommandContext, model: string, cluster: number, flags: ClustersFlags) {
  const { options, client } = context();
  if (flags.order !== undefined && !MEMBER_ORDERS.includes(flags.order)) {
    throw new CliError(`--order for members must be one of ${MEMBER_ORDERS.join(', ')}, got "${flags.order}"`);
  }
  if (flags.labelClass !== undefined || flags.minShare !== undefined) {
    throw new CliError('--label-class and --min-share filter the list of clusters; leave them out with a cluster id');
  }

  const query = new URLSearchParams({
    limit: String(flags.limit),
    offset: String(flags.offset),
    order: flags.order ?? 'count',
  });
  const page = await client.get<ClusterMemberPageDto>(
    `/models/${encodeURIComponent(model)}/clusters/${cluster}/members?${query}`,
  );

  print(options, page, () => {
    const summary =
      `cluster ${cluster}: ${page.cluster.size} tokens, ${page.cluster.flows} flows, ` +
      `majority ${page.cluster.majorityClass ?? 'none'}`;
    const rows = page.items.map((member) => [
      member.token,
      String(member.count),
      member.labelClass,
      member.centroidSimilarity.toFixed(3),
    ]);
    const members = table(['token', 'count', 'label class', 'centroid similarity'], rows);
    return `${summary}\n${members}\n${pageFooter('members', flags.offset, page.items.length, page.total)}`;
  });
}
