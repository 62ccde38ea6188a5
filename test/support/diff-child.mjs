// Runs one diff in its own process (so its peak RSS is its own) and prints what it found: the summary,
// a SHA-256 of every change in order, and the process's peak RSS. Args: older newer options-json.
import { createHash } from 'node:crypto'
import { diffInventories } from '../../dist/index.js'

const [older, newer, options] = process.argv.slice(2)
const d = diffInventories(older, newer, JSON.parse(options ?? '{}'))
const hash = createHash('sha256')
let changes = 0
for await (const batch of d.batches()) {
  for (const c of batch) hash.update(`${JSON.stringify(c)}\n`)
  changes += batch.length
}
const summary = await d.summary()
process.stdout.write(`${JSON.stringify({ changes, hash: hash.digest('hex'), summary, rssMB: process.resourceUsage().maxRSS / 1024 })}\n`)
