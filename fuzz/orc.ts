/**
 * ORC fuzzing at scale: `tsx fuzz/orc.ts [--runs N] [--seed S]` mutates our fixture inventories
 * (every codec) and Apache's small example files (test/support/orc-fuzz.ts) and reads each one,
 * 12,000 cases by default. Cases run in a child process: a case that does not finish within the
 * time limit is a hang, and the child is killed (a synchronous loop cannot be interrupted any other
 * way). Fails (exit 1) on any untyped or INTERNAL error, wrong rows without an error, a case over
 * the time limit, or a peak RSS over the bound documented in docs/reliability.md.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'

export const CASE_TIME_LIMIT_MS = 5_000
export const RSS_LIMIT = 512 * 1024 * 1024

interface Options {
  runs: number
  seed: number
}

function args(): Options {
  const a = process.argv.slice(2)
  const get = (name: string) => {
    const i = a.indexOf(name)
    return i >= 0 ? Number(a[i + 1]) : undefined
  }
  return { runs: get('--runs') ?? 12_000, seed: get('--seed') ?? Date.now() % 2 ** 31 }
}

const send = (m: unknown) => process.send!(m)

/** The mutations, as fast-check arbitraries (shared with the test sample). */
export async function mutations() {
  const { EXTREMES } = await import('../test/support/orc-fuzz.js')
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }) }) },
    // Flips near the end: PostScript and footer.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.integer({ min: -400, max: -1 }), { minLength: 1, maxLength: 2 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('strict' as const, 'loose' as const), index: fc.nat(), value: fc.constantFrom(...EXTREMES) }) },
  )
}

async function child({ runs, seed }: Options): Promise<void> {
  const { check, loadSeeds } = await import('../test/support/orc-fuzz.js')
  const seeds = await loadSeeds()
  send({ type: 'ready', seeds: seeds.map((s) => `${s.name} (${s.rows.length} rows)`) })
  const failures: string[] = []
  const outcomes: Record<string, number> = {}
  let n = 0
  await fc.assert(
    fc.asyncProperty(fc.nat(seeds.length - 1), await mutations(), fc.constantFrom('general' as const, 'inventory' as const), async (s, m, path) => {
      const failure = await check(seeds[s], normalize(m, seeds[s].bytes.length), path, CASE_TIME_LIMIT_MS, (o) => (outcomes[`${m.kind} ${o}`] = (outcomes[`${m.kind} ${o}`] ?? 0) + 1))
      if (failure) failures.push(failure)
      if (++n % 500 === 0) send({ type: 'progress', n, failures: failures.length })
      send({ type: 'beat' })
    }),
    { numRuns: runs, seed, endOnFailure: false },
  )
  send({ type: 'done', n, failures, outcomes, maxRSS: process.resourceUsage().maxRSS * 1024 })
}

/** Negative flip positions count from the end of the file. */
export function normalize<M extends { kind: string }>(m: M, size: number): M {
  if (m.kind !== 'flip') return m
  const f = m as unknown as { at: number[] }
  return { ...m, at: f.at.map((a) => (a < 0 ? Math.max(0, size + a) : a)) }
}

function main(): void {
  const o = args()
  console.log(`orc fuzz: ${o.runs} cases, seed ${o.seed} (repeat with --seed ${o.seed})`)
  const w = fork(fileURLToPath(import.meta.url), ['--child', String(o.runs), String(o.seed)], { execArgv: ['--import', 'tsx'] })
  let last = Date.now()
  let ready = false
  const started = Date.now()
  const watchdog = setInterval(() => {
    if (ready && Date.now() - last > CASE_TIME_LIMIT_MS * 2) {
      console.error(`FAIL: a case has not finished for ${Date.now() - last} ms (a hang); seed ${o.seed}`)
      clearInterval(watchdog)
      w.kill('SIGKILL')
      process.exit(1)
    }
  }, 500)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- our own child's messages
  w.on('message', (msg: any) => {
    last = Date.now()
    if (msg.type === 'ready') {
      ready = true
      console.log(`seeds: ${msg.seeds.join(', ')}`)
    } else if (msg.type === 'progress') console.log(`  ${msg.n} cases, ${msg.failures} failures, ${Math.round((Date.now() - started) / 1000)} s`)
    else if (msg.type === 'done') {
      clearInterval(watchdog)
      const rss = msg.maxRSS
      console.log(`${msg.n} cases in ${Math.round((Date.now() - started) / 1000)} s, ${msg.failures.length} failures, peak RSS ${Math.round(rss / 2 ** 20)} MiB (limit ${RSS_LIMIT / 2 ** 20} MiB)`)
      console.log(`outcomes: ${Object.entries(msg.outcomes as Record<string, number>).sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`)
      for (const f of msg.failures.slice(0, 20)) console.error(`FAIL: ${f}`)
      process.exitCode = msg.failures.length > 0 || rss > RSS_LIMIT ? 1 : 0
      w.disconnect()
    }
  })
  w.on('exit', (code, signal) => {
    clearInterval(watchdog)
    if (process.exitCode === undefined) {
      console.error(`FAIL: the fuzz process ended (${signal ?? code}) before reporting`)
      process.exitCode = 1
    }
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--child')
  if (i < 0) main()
  else await child({ runs: Number(process.argv[i + 1]), seed: Number(process.argv[i + 2]) })
}
