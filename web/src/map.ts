import { ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { Projection } from './api';

echarts.use([ScatterChart, GridComponent, TooltipComponent, DataZoomComponent, LegendComponent, CanvasRenderer]);

const CLASS_COLOURS: Record<string, string> = { Botnet: '#c0392b', Normal: '#1e8449', Background: '#9aa3af' };
/** Series drawn last end up on top, so the rare classes are not hidden under background traffic. */
const CLASS_ORDER = ['Background', 'Normal', 'Botnet'];
/**
 * Colours for clusters, taken in turn by cluster id. By default a model has one cluster per five tokens, far more
 * than a palette can keep distinct, so clusters share colours and the tooltip names each point's cluster.
 */
const CLUSTER_COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#e7ba52',
];
export const CLUSTER_COLOUR_COUNT = CLUSTER_COLOURS.length;
const NO_CLUSTER = 'no cluster';

/** Attribute that sets a point's colour: its label class or its k-means cluster. */
export type Colouring = 'labelClass' | 'cluster';

/** Points of one series: `[x, y, row]`, where row indexes the projection's arrays. */
type Point = [number, number, number];

interface SeriesGroup {
  name: string;
  colour: string;
  points: Point[];
}

export interface TokenMap {
  readonly projection: Projection;
  /** Redraws the points coloured by label class or by cluster, keeping zoom and pan. */
  colourBy(colouring: Colouring): void;
  /** Names of the drawn series in drawing order, for the browser test and the devtools console. */
  seriesNames(): string[];
  /** Page coordinates of a token's point, for the browser test and the devtools console. */
  pointPosition(token: string): { x: number; y: number } | null;
  dispose(): void;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function tooltipOf(projection: Projection, row: number): string {
  const labels = projection.labels[row].map(([label, count]) => `${escapeHtml(label)}: ${count}`).join('<br>');
  const cluster = projection.clusters[row];
  return (
    `<b>${escapeHtml(projection.tokens[row])}</b><br>` +
    `count ${projection.counts[row]} · ${projection.labelClasses[row]} · ` +
    `${cluster === null ? NO_CLUSTER : `cluster ${cluster}`}<br>${labels}`
  );
}

/** Splits the points into one series per label class, rare classes last so they are drawn on top. */
function groupByLabelClass(projection: Projection): SeriesGroup[] {
  const groups = new Map<string, Point[]>(CLASS_ORDER.map((labelClass) => [labelClass, []]));
  projection.tokens.forEach((_, row) => {
    const labelClass = projection.labelClasses[row];
    if (!groups.has(labelClass)) {
      groups.set(labelClass, []);
    }
    groups.get(labelClass)!.push([projection.x[row], projection.y[row], row]);
  });

  return [...groups].map(([name, points]) => ({ name, colour: CLASS_COLOURS[name] ?? '#3a78c3', points }));
}

/**
 * Splits the points into one series per cluster colour. One series per cluster would mean thousands of series and
 * legend entries, and most would be too small for ECharts' large-data mode (`large: true`).
 */
function groupByCluster(projection: Projection): SeriesGroup[] {
  const groups: SeriesGroup[] = CLUSTER_COLOURS.map((colour, i) => ({
    name: `cluster colour ${i + 1}`,
    colour,
    points: [],
  }));
  const unclustered: SeriesGroup = { name: NO_CLUSTER, colour: '#c8ccd2', points: [] };
  projection.tokens.forEach((_, row) => {
    const cluster = projection.clusters[row];
    const group = cluster === null ? unclustered : groups[cluster % CLUSTER_COLOURS.length];
    group.points.push([projection.x[row], projection.y[row], row]);
  });

  return [unclustered, ...groups];
}

function seriesOption(groups: SeriesGroup[], colouring: Colouring) {
  return {
    legend: { show: colouring === 'labelClass', top: 5, data: groups.map((group) => group.name) },
    series: groups.map((group) => ({
      name: group.name,
      type: 'scatter',
      data: group.points,
      symbolSize: 4,
      large: true,
      largeThreshold: 5000,
      itemStyle: { color: group.colour, opacity: 0.8 },
      emphasis: { scale: 2 },
    })),
  };
}

/**
 * Draws the projection as scatter series coloured by label class or by cluster, with wheel zoom, drag to pan,
 * tooltips and a click handler that receives the clicked token.
 */
export function drawTokenMap(
  element: HTMLElement,
  projection: Projection,
  colouring: Colouring,
  onClick: (token: string) => void,
): TokenMap {
  const chart = echarts.init(element, undefined, { renderer: 'canvas' });
  let groups = colouring === 'cluster' ? groupByCluster(projection) : groupByLabelClass(projection);

  chart.setOption({
    animation: false,
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    tooltip: {
      trigger: 'item',
      formatter: (params: { value: Point }) => tooltipOf(projection, params.value[2]),
    },
    xAxis: { type: 'value', scale: true, splitLine: { show: false }, axisLine: { onZero: false } },
    yAxis: { type: 'value', scale: true, splitLine: { show: false }, axisLine: { onZero: false } },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      { type: 'inside', yAxisIndex: 0, filterMode: 'none' },
    ],
    ...seriesOption(groups, colouring),
  });

  chart.on('click', (params) => {
    const point = params.value as Point | undefined;
    if (point) {
      onClick(projection.tokens[point[2]]);
    }
  });

  const resize = () => chart.resize();
  window.addEventListener('resize', resize);

  return {
    projection,
    colourBy(next) {
      groups = next === 'cluster' ? groupByCluster(projection) : groupByLabelClass(projection);
      // Replacing only the series and legend keeps the dataZoom state, so the view stays where the user left it.
      chart.setOption(seriesOption(groups, next), { replaceMerge: ['series', 'legend'] });
    },
    seriesNames() {
      return groups.map((group) => group.name);
    },
    pointPosition(token) {
      const row = projection.tokens.indexOf(token);
      if (row < 0) {
        return null;
      }

      const seriesIndex = groups.findIndex((group) => group.points.some((point) => point[2] === row));
      const [x, y] = chart.convertToPixel({ seriesIndex }, [projection.x[row], projection.y[row]]);
      const box = element.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    },
    dispose() {
      window.removeEventListener('resize', resize);
      chart.dispose();
    },
  };
}
