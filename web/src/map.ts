import { ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { Projection } from './api';

echarts.use([ScatterChart, GridComponent, TooltipComponent, DataZoomComponent, LegendComponent, CanvasRenderer]);

const CLASS_COLOURS: Record<string, string> = { Botnet: '#c0392b', Normal: '#1e8449', Background: '#9aa3af' };
/** Series drawn last end up on top, so the rare classes are not hidden under background traffic. */
const CLASS_ORDER = ['Background', 'Normal', 'Botnet'];

/** Points of one series: `[x, y, row]`, where row indexes the projection's arrays. */
type Point = [number, number, number];

export interface TokenMap {
  /** Page coordinates of a token's point, for the browser test and the devtools console. */
  pointPosition(token: string): { x: number; y: number } | null;
  dispose(): void;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function tooltipOf(projection: Projection, row: number): string {
  const labels = projection.labels[row].map(([label, count]) => `${escapeHtml(label)}: ${count}`).join('<br>');
  return (
    `<b>${escapeHtml(projection.tokens[row])}</b><br>` +
    `count ${projection.counts[row]} · ${projection.labelClasses[row]}<br>${labels}`
  );
}

// NOTE: points are coloured by label class only, because the projection file carries no cluster ids yet.
/**
 * Draws the projection as one scatter series per label class, with wheel zoom, drag to pan, tooltips and a
 * click handler that receives the clicked token.
 */
export function drawTokenMap(element: HTMLElement, projection: Projection, onClick: (token: string) => void): TokenMap {
  const chart = echarts.init(element, undefined, { renderer: 'canvas' });
  const byClass = new Map<string, Point[]>(CLASS_ORDER.map((labelClass) => [labelClass, []]));
  projection.tokens.forEach((_, row) => {
    const labelClass = projection.labelClasses[row];
    if (!byClass.has(labelClass)) {
      byClass.set(labelClass, []);
    }
    byClass.get(labelClass)!.push([projection.x[row], projection.y[row], row]);
  });
  const seriesNames = [...byClass.keys()];

  chart.setOption({
    animation: false,
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    legend: { top: 5, data: seriesNames },
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
    series: seriesNames.map((name) => ({
      name,
      type: 'scatter',
      data: byClass.get(name),
      symbolSize: 4,
      large: true,
      largeThreshold: 5000,
      itemStyle: { color: CLASS_COLOURS[name] ?? '#3a78c3', opacity: 0.8 },
      emphasis: { scale: 2 },
    })),
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
    pointPosition(token) {
      const row = projection.tokens.indexOf(token);
      if (row < 0) {
        return null;
      }

      const seriesIndex = seriesNames.indexOf(projection.labelClasses[row]);
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
