/** Checks of a written report page in headless Chromium that every report must pass (see report-browser.test.ts). */
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { artifact, openPage } from './browser.js'

interface DrawnChart {
  id: string
  width: number
  height: number
  painted: number
  chart: boolean
}

/** Every canvas of the page: its size, how many pixels it painted, whether Chart.js owns it; and the specs' ids. */
export async function charts(page: Page): Promise<{ canvases: DrawnChart[]; specs: string[] }> {
  await page.waitForSelector('html[data-charts="drawn"]', { timeout: 20_000 })
  // Runs in the page (a string: this project's types have no DOM).
  return page.evaluate(`(() => {
    const specs = JSON.parse(document.getElementById('report-charts').textContent).map((s) => s.id)
    const canvases = [...document.querySelectorAll('canvas')].map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height)
      let painted = 0
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++
      return { id: c.id, width: c.width, height: c.height, painted, chart: !!window.Chart.getChart(c) }
    })
    return { canvases, specs }
  })()`)
}

export interface PageNumbers {
  objects?: number
  bytes?: number
  classes: { key: string | null; count?: number; bytes?: number }[]
  scrollWidth: number
  leftOut: (string | null)[]
  sections: string[]
}

/** The numbers the page states: totals, and objects and bytes per storage class (from data-value). */
export async function pageNumbers(page: Page): Promise<PageNumbers> {
  return page.evaluate(`(() => {
    const value = (el) => (el ? Number(el.getAttribute('data-value')) : undefined)
    const classes = [...document.querySelectorAll('#table-classes tbody tr')].map((tr) => ({
      key: tr.getAttribute('data-key'),
      count: value(tr.querySelector('[data-col="objects"]')),
      bytes: value(tr.querySelector('[data-col="bytes"]')),
    }))
    return {
      objects: value(document.querySelector('#delivery [data-field="objects"]')),
      bytes: value(document.querySelector('#delivery [data-field="bytes"]')),
      classes,
      scrollWidth: document.documentElement.scrollWidth,
      leftOut: [...document.querySelectorAll('#left-out li[data-field]')].map((li) => li.getAttribute('data-field')),
      sections: [...document.querySelectorAll('main > section')].map((s) => s.id),
    }
  })()`) as Promise<PageNumbers>
}

/** CSS pixels of an A4 page's printable width (210 mm at 96 px per inch, less Chromium's default margins). */
const PRINT_WIDTH = 700

/** Loads a written report and checks what every page must satisfy; returns its numbers. */
export async function checkPage(file: string, name: string) {
  const opened = await openPage(file)
  try {
    const { canvases, specs } = await charts(opened.page)
    expect(opened.problems).toEqual([])
    expect(opened.requests).toEqual([pathToFileURL(file).href])
    expect(canvases.map((c) => c.id).sort()).toEqual([...specs].sort())
    expect(canvases.length).toBeGreaterThanOrEqual(5)
    for (const c of canvases) {
      expect(c.chart, c.id).toBe(true)
      expect(c.width * c.height, c.id).toBeGreaterThan(10_000)
      expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(500)
    }
    const numbers = await pageNumbers(opened.page)
    expect(numbers.scrollWidth).toBeLessThanOrEqual(1280)
    // An artifact for people, not an assertion: the first screen only (a full-page capture of the hostile page's
    // tall tables took over 30 s on a loaded 2-core machine).
    await opened.page.screenshot({ path: await artifact(`${name}.png`), timeout: 60_000 })
    // The print stylesheet: the page prints (charts resized for paper) without errors.
    await opened.page.emulateMedia({ media: 'print' })
    // At an A4 page's width, no table is wider than the page and short row headers ("STANDARD") are on one line:
    // a nine-column table once squeezed its first column to a letter per line.
    await opened.page.setViewportSize({ width: PRINT_WIDTH, height: 1000 })
    const print = (await opened.page.evaluate(`(() => {
      const squeezed = []
      for (const th of document.querySelectorAll('tbody th[scope="row"], tfoot th[scope="row"]')) {
        const text = th.textContent
        if (text.length > 12) continue
        const range = document.createRange()
        range.selectNodeContents(th)
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
        if (lines > 1) squeezed.push(th.closest('table').id + ': ' + text + ' on ' + lines + ' lines, ' + Math.round(th.getBoundingClientRect().width) + ' px')
      }
      return { squeezed, scrollWidth: document.documentElement.scrollWidth }
    })()`)) as { squeezed: string[]; scrollWidth: number }
    expect(print.squeezed).toEqual([])
    expect(print.scrollWidth).toBeLessThanOrEqual(PRINT_WIDTH)
    const pdf = await opened.page.pdf({ path: await artifact(`${name}.pdf`), format: 'A4' })
    expect(pdf.length).toBeGreaterThan(50_000)
    expect(opened.problems).toEqual([])
    return numbers
  } finally {
    await opened.close()
  }
}

