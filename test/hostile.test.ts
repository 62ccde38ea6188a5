/**
 * Every hostile case (test/hostile/cases.ts) in its own child process: a typed error with the
 * documented code (or the rows, for a control case), within 30 s (killed after that), peak RSS under
 * 300 MB.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CASES } from './hostile/cases.js'
import { tmpDir } from './support/tmp.js'

const RUNNER = path.resolve('test/hostile/run-case.ts')
const KILL_AFTER_MS = 30_000
const MAX_RSS = 300 * 1024 * 1024

function runCase(name: string, dir: string): Promise<{ name: string; result: string; rows: number; maxRSS: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, name, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS)
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') return reject(new Error(`${name}: killed after ${KILL_AFTER_MS} ms`))
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''))
      } catch {
        reject(new Error(`${name}: exited ${code} without a result; stderr: ${err.slice(0, 2000)}`))
      }
    })
  })
}

describe('hostile files', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.what} → ${c.expected}`, async () => {
      const dir = await tmpDir(`hostile-${c.name}`)
      await c.write(dir)
      const r = await runCase(c.name, dir)
      expect(r.result).toBe(c.expected)
      expect(r.ms).toBeLessThan(KILL_AFTER_MS)
      expect(r.maxRSS).toBeLessThan(MAX_RSS)
    }, 90_000)
  }
})
