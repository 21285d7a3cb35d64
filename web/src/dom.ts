/** Small DOM helpers shared by the dashboard's sections. */

export const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function showError(error: unknown): void {
  const box = byId('error');
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
}

export function clearError(): void {
  byId('error').hidden = true;
}

/** Builds a table row from cell contents; strings become text, never HTML. */
export function row(cells: (string | Node)[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.append(cell);
    tr.append(td);
  }

  return tr;
}

export function button(text: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Draws `values` as a line of `width` × `height` pixels, first value on the left, larger values higher. The full
 * list goes into the tooltip.
 */
export function sparkline(values: number[], width = 80, height = 18): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'sparkline');

  const min = Math.min(...values);
  const range = Math.max(...values) - min || 1;
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const points = values.map((value, i) => `${1 + i * step},${1 + (height - 2) * (1 - (value - min) / range)}`);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points.join(' '));
  svg.append(line);

  return svg;
}
