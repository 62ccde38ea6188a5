/**
 * What runs in the page: Chart.js (inlined from its package, read once from node_modules) and the
 * script that draws each chart from its spec (a JSON element of the page). No network: the page's
 * Content-Security-Policy allows these two scripts by hash and nothing else to load.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { S3InventoryError } from '../errors.js'

/** A chart of the page; `series` share the categories in `labels`. */
export interface ChartSpec {
  id: string
  kind: 'bar' | 'hbar' | 'doughnut'
  labels: string[]
  series: { label: string; data: number[]; unit: 'bytes' | 'count' | 'usd'; kind?: 'line' | 'bar'; axis?: 'y2'; stack?: string; color?: string }[]
  /** Value axis on a log scale. */
  log?: boolean
  stacked?: boolean
  /** The value axis's title (default: the first series' label). */
  valueTitle?: string
  /** Canvas height in px. */
  height: number
}

let library: string | undefined

/** Chart.js's UMD build, ready to inline (its source-map comment removed: nothing is fetched). */
export function chartLibrary(): string {
  if (library !== undefined) return library
  let file: string
  try {
    // The package exports only its module builds; the UMD build sits beside them in dist/.
    file = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js')
    library = readFileSync(file, 'utf8')
  } catch (err) {
    throw new S3InventoryError('INTERNAL', 'the chart library chart.js is not installed', { expected: 'the chart.js package (a dependency of s3-inventory-stream)', cause: err })
  }
  library = library.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n').replace(/<\/(script)/gi, '<\\/$1')
  return library
}

/** The CSP source of an inline script. */
export function scriptHash(js: string): string {
  return `'sha256-${createHash('sha256').update(js, 'utf8').digest('base64')}'`
}

/** Draws every chart spec of #report-charts; sets data-charts="drawn" on <html> when done. */
export const DRAW_SCRIPT = `(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('report-charts').textContent);
  var IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  var palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#7F7F7F', '#F0E442', '#332288', '#117733', '#882255', '#44AA99'];
  function bytes(n) {
    var v = Math.abs(n), i = 0;
    while (v >= 1024 && i < IEC.length - 1) { v /= 1024; i++; }
    return (n < 0 ? '-' : '') + (i === 0 ? Math.round(v) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)) + ' ' + IEC[i];
  }
  function fmt(unit, v) {
    if (unit === 'bytes') return bytes(v);
    if (unit === 'usd') return '$' + Number(v).toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 1 ? 4 : 2 });
    return Number(v).toLocaleString('en-US');
  }
  function short(l) { l = String(l); return l.length > 42 ? l.slice(0, 20) + '…' + l.slice(-21) : l; }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#333';
  specs.forEach(function (s) {
    var el = document.getElementById(s.id);
    if (!el) return;
    var horizontal = s.kind === 'hbar';
    var type = horizontal ? 'bar' : s.kind;
    var value = horizontal ? 'x' : 'y', category = horizontal ? 'y' : 'x';
    var datasets = s.series.map(function (d, i) {
      var color = d.color || palette[i % palette.length];
      var ds = { label: d.label, data: d.data, unit: d.unit, borderColor: color, backgroundColor: color };
      if (s.kind === 'doughnut') { ds.backgroundColor = s.labels.map(function (_, j) { return palette[j % palette.length]; }); ds.borderColor = '#fff'; }
      if (d.kind === 'line') { ds.type = 'line'; ds.pointRadius = 2; ds.borderWidth = 2; ds.backgroundColor = color; }
      if (d.axis) ds[value + 'AxisID'] = 'y2';
      if (d.stack) ds.stack = d.stack;
      return ds;
    });
    var scales = {};
    if (type !== 'doughnut') {
      var first = s.series[0];
      scales[value] = { type: s.log ? 'logarithmic' : 'linear', stacked: !!s.stacked, beginAtZero: !s.log, min: s.log ? 1 : undefined,
        title: { display: true, text: s.valueTitle || first.label },
        ticks: { callback: function (v) { return fmt(first.unit, v); } } };
      scales[category] = { stacked: !!s.stacked, ticks: { autoSkip: !horizontal, callback: function (v) { return short(this.getLabelForValue(v)); } } };
      var second = s.series.filter(function (d) { return d.axis; })[0];
      if (second) scales.y2 = { axis: value, type: s.log ? 'logarithmic' : 'linear', position: horizontal ? 'top' : 'right', beginAtZero: !s.log, min: s.log ? 1 : undefined,
        grid: { drawOnChartArea: false }, title: { display: true, text: second.label },
        ticks: { callback: function (v) { return fmt(second.unit, v); } } };
    }
    new Chart(el, {
      type: type,
      data: { labels: s.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, indexAxis: horizontal ? 'y' : 'x',
        plugins: {
          legend: { display: s.series.length > 1 || s.kind === 'doughnut', position: s.kind === 'doughnut' ? 'right' : 'top' },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(c.dataset.unit, c.raw); } } }
        },
        scales: scales
      }
    });
  });
  function resize() { Object.keys(Chart.instances).forEach(function (k) { Chart.instances[k].resize(); }); }
  window.addEventListener('beforeprint', resize);
  window.addEventListener('afterprint', resize);
  document.documentElement.setAttribute('data-charts', 'drawn');
})();`
