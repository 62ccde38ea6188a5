/**
 * Markup helpers for the page: escaping, data tables (every number in a cell with its exact value in
 * `data-value`, so the page can be read by machines and copied by people), figures with a chart
 * canvas described by the table under it.
 */

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A cell: text, or a number shown as `text` with its exact value. */
export type Cell = string | { text: string; value: number; title?: string }

export interface Table {
  id: string
  caption: string
  head: string[]
  /** Each row: its key (data-key) and cells; the first cell is the row header. */
  rows: { key: string; cells: Cell[] }[]
  /** A last row (totals), in a tfoot. */
  foot?: { key: string; cells: Cell[] }
  /** Column names for data-col (default: the headings). */
  cols?: string[]
}

export function table(t: Table): string {
  const cols = t.cols ?? t.head
  const cell = (c: Cell, i: number, header: boolean) => {
    const col = ` data-col="${esc(cols[i])}"`
    if (typeof c === 'string') return header ? `<th scope="row"${col}>${esc(c)}</th>` : `<td${col}>${esc(c)}</td>`
    return `<td class="num"${col} data-value="${c.value}"${c.title ? ` title="${esc(c.title)}"` : ''}>${esc(c.text)}</td>`
  }
  const row = (r: { key: string; cells: Cell[] }) => `<tr data-key="${esc(r.key)}">${r.cells.map((c, i) => cell(c, i, i === 0)).join('')}</tr>`
  return [
    `<table id="${esc(t.id)}">`,
    `<caption>${esc(t.caption)}</caption>`,
    `<thead><tr>${t.head.map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${t.rows.map(row).join('')}</tbody>`,
    t.foot ? `<tfoot>${row(t.foot)}</tfoot>` : '',
    '</table>',
  ].join('')
}

/** A chart's canvas, drawn by the page script from the spec with the same id, described by a table. */
export function chartBox(id: string, label: string, tableId: string, height: number): string {
  return `<div class="canvas" style="height:${height}px"><canvas id="${esc(id)}" role="img" aria-label="${esc(`${label}: chart; the numbers are in the table below`)}" aria-describedby="${esc(tableId)}"></canvas></div>`
}

/** A figure: its title, one or more chart boxes side by side, and the table of their numbers under them. */
export function figure(title: string, boxes: string[], tableHtml: string): string {
  const charts = boxes.length > 1 ? `<div class="grid">${boxes.join('')}</div>` : boxes.join('')
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption>${charts}${tableHtml}</figure>`
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${body}</section>`
}

/** JSON safe inside a <script> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}
