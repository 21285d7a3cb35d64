import { ClusterMemberPage, ClusterPage, ClusterSummary, getJson, Model } from './api';
import { byId, row, showError } from './dom';

/** Clusters per page of the browser. */
const CLUSTER_PAGE = 20;
/** Members listed per click on "More". */
const MEMBER_PAGE = 50;
const LABEL_CLASSES = ['Botnet', 'Normal', 'Background'];

interface BrowserState {
  model: Model;
  /** Label class whose share of a cluster's flows filters and orders the list; empty for all clusters. */
  labelClass: string;
  order: string;
  offset: number;
  total: number;
}

let state: BrowserState | null = null;

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Builds a bar split by the share of each label class among the cluster's flows, with the shares as text beside it. */
function composition(cluster: ClusterSummary): HTMLElement {
  const cell = document.createElement('span');
  cell.className = 'composition';
  const bar = document.createElement('span');
  bar.className = 'stacked';
  const parts: string[] = [];
  for (const { labelClass, share } of cluster.flowComposition) {
    if (share === 0) {
      continue;
    }
    const segment = document.createElement('span');
    segment.className = `segment ${labelClass}`;
    segment.style.width = `${share * 100}%`;
    bar.append(segment);
    parts.push(`${labelClass} ${percent(share)}`);
  }
  cell.append(bar, parts.join(', '));

  return cell;
}

/** Opens the cluster browser on a model's first page of clusters. */
export async function openClusters(model: Model): Promise<void> {
  state = {
    model,
    labelClass: byId<HTMLSelectElement>('clusters-label-class').value,
    order: byId<HTMLSelectElement>('clusters-order').value,
    offset: 0,
    total: 0,
  };
  byId('clusters-section').hidden = false;
  byId('clusters-title').textContent = model.name || model.id;
  byId('cluster-members').replaceChildren();
  byId('cluster-members-status').textContent = 'Click a cluster to list its tokens.';
  byId('cluster-members-more').hidden = true;

  await loadClusterPage();
  byId('clusters-section').scrollIntoView();
}

async function loadClusterPage(): Promise<void> {
  if (!state) {
    return;
  }

  const query = new URLSearchParams({ limit: String(CLUSTER_PAGE), offset: String(state.offset), order: state.order });
  if (state.labelClass) {
    query.set('labelClass', state.labelClass);
  }
  const page = await getJson<ClusterPage>(`/models/${state.model.id}/clusters?${query}`);
  state.total = page.total;

  const first = page.items.length === 0 ? 0 : state.offset + 1;
  const holding = state.labelClass ? ` with ${state.labelClass} flows` : '';
  byId('clusters-status').textContent =
    `clusters ${first}–${state.offset + page.items.length} of ${page.total}${holding}`;
  byId<HTMLButtonElement>('clusters-previous').disabled = state.offset === 0;
  byId<HTMLButtonElement>('clusters-next').disabled = state.offset + CLUSTER_PAGE >= page.total;
  byId('cluster-rows').replaceChildren(...page.items.map(clusterRow));
}

function clusterRow(cluster: ClusterSummary): HTMLTableRowElement {
  const tr = row([
    String(cluster.clusterId),
    cluster.size.toLocaleString(),
    cluster.flows.toLocaleString(),
    cluster.majorityClass ?? '',
    composition(cluster),
    cluster.meanCentroidSimilarity === null ? '' : cluster.meanCentroidSimilarity.toFixed(3),
  ]);
  tr.dataset.clusterId = String(cluster.clusterId);
  tr.className = 'clickable';
  tr.addEventListener('click', () => {
    byId('cluster-rows')
      .querySelectorAll('tr.selected')
      .forEach((selected) => selected.classList.remove('selected'));
    tr.classList.add('selected');
    void listMembers(cluster, 0).catch(showError);
  });

  return tr;
}

/** Lists a cluster's tokens, most frequent first; `offset` above 0 appends the next page to the list. */
async function listMembers(cluster: ClusterSummary, offset: number): Promise<void> {
  if (!state) {
    return;
  }

  const query = new URLSearchParams({ limit: String(MEMBER_PAGE), offset: String(offset), order: 'count' });
  const page = await getJson<ClusterMemberPage>(
    `/models/${state.model.id}/clusters/${cluster.clusterId}/members?${query}`,
  );
  const items = page.items.map((member) => {
    const item = document.createElement('li');
    item.className = member.labelClass;
    item.textContent = `${member.token}  ${member.count.toLocaleString()}  ${member.labelClass}`;
    item.title = `cosine similarity to the centroid ${member.centroidSimilarity.toFixed(3)}`;
    return item;
  });

  const list = byId('cluster-members');
  if (offset === 0) {
    list.replaceChildren(...items);
  } else {
    list.append(...items);
  }
  const listed = offset + page.items.length;
  byId('cluster-members-status').textContent =
    `Cluster ${cluster.clusterId}: ${listed} of ${page.total} tokens, most frequent first`;
  const more = byId('cluster-members-more');
  more.hidden = listed >= page.total;
  more.onclick = () => void listMembers(cluster, listed).catch(showError);
}

/** Wires the filter, order and paging controls of the cluster browser. */
export function wireClusterBrowser(): void {
  byId<HTMLSelectElement>('clusters-label-class').replaceChildren(
    new Option('all clusters', ''),
    ...LABEL_CLASSES.map((labelClass) => new Option(`with ${labelClass} flows`, labelClass)),
  );
  const reload = () => {
    if (state) {
      state.labelClass = byId<HTMLSelectElement>('clusters-label-class').value;
      state.order = byId<HTMLSelectElement>('clusters-order').value;
      state.offset = 0;
      void loadClusterPage().catch(showError);
    }
  };
  byId('clusters-label-class').addEventListener('change', reload);
  byId('clusters-order').addEventListener('change', reload);
  byId('clusters-previous').addEventListener('click', () => {
    if (state) {
      state.offset = Math.max(0, state.offset - CLUSTER_PAGE);
      void loadClusterPage().catch(showError);
    }
  });
  byId('clusters-next').addEventListener('click', () => {
    if (state) {
      state.offset += CLUSTER_PAGE;
      void loadClusterPage().catch(showError);
    }
  });
}
