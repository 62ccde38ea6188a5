/**
 * Fuzzing at scale: `npm run fuzz` runs every format's target (test/support/*-fuzz.ts) in its own
 * child process, ≥ 10,000 cases each; `tsx fuzz/run.ts [--only csv,parquet] [--runs N] [--seed S]`.
 * A case that does not finish within the time limit is a hang: the parent, which hears a heartbeat
 * after every case, kills the child (a synchronous loop cannot be interrupted any other way). Exits
 * 1 on any untyped or INTERNAL error, wrong rows without an error, a hang, or a peak RSS over the
 * documented bound (docs/reliability.md).
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'

/** What a format's fuzz module exports as `fuzzTarget`. */
export interface FuzzTarget<T> {
  name: string
  /** Loads the seed files and returns the case generator and the verdict. */
  prepare(): Promise<{
    seeds: string[]
    /** Peak RSS allowed for the whole run. Default RSS_LIMIT. */
    rssLimit?: number
    cases: fc.Arbitrary<T>
    /** A failure's description, or undefined when the outcome was allowed; `outcome` tallies results. */
    check(c: T, timeLimitMs: number, outcome: (o: string) => void): Promise<string | undefined>
  }>
}

export const CASE_TIME_LIMIT_MS = 5_000
export const RSS_LIMIT = 1024 * 1024 * 1024

const TARGETS: Record<string, string> = {
  csv: '../test/support/csv-fuzz.js',
  parquet: '../test/support/parquet-fuzz.js',
  orc: '../test/support/orc-fuzz.js',
}

const send = (m: unknown) => process.send!(m)

async function child(name: string, runs: number, seed: number): Promise<void> {
  const { fuzzTarget } = (await import(TARGETS[name])) as { fuzzTarget: FuzzTarget<unknown> }
  const p = await fuzzTarget.prepare()
  send({ type: 'ready', seeds: p.seeds, rssLimit: p.rssLimit ?? RSS_LIMIT })
  const failures: string[] = []
  const outcomes: Record<string, number> = {}
  let n = 0
  await fc.assert(
    fc.asyncProperty(p.cases, async (c) => {
      const failure = await p.check(c, CASE_TIME_LIMIT_MS, (o) => (outcomes[o] = (outcomes[o] ?? 0) + 1))
      if (failure) failures.push(failure)
      if (++n % 1000 === 0) send({ type: 'progress', n, failures: failures.length })
      send({ type: 'beat' })
    }),
    { numRuns: runs, seed, endOnFailure: false },
  )
  send({ type: 'done', n, failures, outcomes, maxRSS: process.resourceUsage().maxRSS * 1024 })
}

function runTarget(name: string, runs: number, seed: number): Promise<boolean> {
  console.log(`${name} fuzz: ${runs} cases, seed ${seed} (repeat with --only ${name} --seed ${seed})`)
  const w = fork(fileURLToPath(import.meta.url), ['--child', name, String(runs), String(seed)], { execArgv: ['--import', 'tsx'] })
  let last = Date.now()
  let ready = false
  let ok = false
  let rssLimit = RSS_LIMIT
  const started = Date.now()
  return new Promise((resolve) => {
    const watchdog = setInterval(() => {
      // Loading seeds may take a while; after that, every case must end in time.
      if (ready && Date.now() - last > CASE_TIME_LIMIT_MS * 2) {
        console.error(`FAIL: a ${name} case has not finished for ${Date.now() - last} ms (a hang); seed ${seed}`)
        w.kill('SIGKILL')
      }
    }, 500)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- our own child's messages
    w.on('message', (msg: any) => {
      last = Date.now()
      if (msg.type === 'ready') {
        ready = true
        rssLimit = msg.rssLimit
        console.log(`  seeds: ${msg.seeds.join(', ')}`)
      } else if (msg.type === 'progress') console.log(`  ${msg.n} cases, ${msg.failures} failures, ${Math.round((Date.now() - started) / 1000)} s`)
      else if (msg.type === 'done') {
        const rss = msg.maxRSS
        console.log(`  ${msg.n} cases in ${Math.round((Date.now() - started) / 1000)} s, ${msg.failures.length} failures, peak RSS ${Math.round(rss / 2 ** 20)} MiB (limit ${rssLimit / 2 ** 20} MiB)`)
        console.log(`  outcomes: ${Object.entries(msg.outcomes as Record<string, number>).sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`)
        for (const f of msg.failures.slice(0, 20)) console.error(`FAIL: ${f}`)
        ok = msg.failures.length === 0 && rss <= rssLimit
        w.disconnect()
      }
    })
    w.on('exit', (code, signal) => {
      clearInterval(watchdog)
      if (!ok && code !== 0) console.error(`FAIL: the ${name} fuzz process ended (${signal ?? code})`)
      resolve(ok)
    })
  })
}

async function main(): Promise<void> {
  const a = process.argv.slice(2)
  const get = (flag: string) => {
    const i = a.indexOf(flag)
    return i >= 0 ? a[i + 1] : undefined
  }
  const runs = Number(get('--runs') ?? 12_000)
  const seed = Number(get('--seed') ?? Date.now() % 2 ** 31)
  const only = get('--only')?.split(',') ?? Object.keys(TARGETS)
  let ok = true
  for (const name of only) {
    if (!TARGETS[name]) throw new Error(`no fuzz target ${name} (${Object.keys(TARGETS).join(', ')})`)
    ok = (await runTarget(name, runs, seed)) && ok
  }
  process.exitCode = ok ? 0 : 1
}

const i = process.argv.indexOf('--child')
if (i < 0) await main()
else await child(process.argv[i + 1], Number(process.argv[i + 2]), Number(process.argv[i + 3]))
