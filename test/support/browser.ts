/**
 * A real headless Chromium (Debian's `chromium`, driven by playwright-core) that opens a page from
 * file:// and records every request, console message and page error. `.ci/run` installs chromium
 * when it is missing; tests skip with CHROMIUM_MISSING as their message only when it is not there.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
export const CHROMIUM_MISSING = `${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run installs it): the report page is not checked in a browser`

/** Where screenshots and printed PDFs go (gitignored). */
export const ARTIFACTS = path.resolve('test-artifacts')

export interface OpenedPage {
  page: Page
  /** Every URL requested, the page's own included. */
  requests: string[]
  /** Console errors and warnings, and uncaught page errors. */
  problems: string[]
  close(): Promise<void>
}

/** Opens a file in a fresh browser profile with a 1,280 × 900 viewport. */
export async function openPage(file: string): Promise<OpenedPage> {
  const profile = await mkdtemp(path.join(tmpdir(), 'chromium-'))
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless'],
    viewport: { width: 1280, height: 900 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const requests: string[] = []
  const problems: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  await page.goto(pathToFileURL(file).href)
  return {
    page,
    requests,
    problems,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}

export async function artifact(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true })
  return path.join(ARTIFACTS, name)
}
