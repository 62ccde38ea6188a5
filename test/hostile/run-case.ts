/**
 * Runs ONE hostile case (test/hostile/cases.ts) on files already written into a folder, and prints
 * one JSON line: { name, result: error code | "ok" | "untyped: …", message, rows, maxRSS (bytes), ms }.
 * Usage: node --import tsx test/hostile/run-case.ts <case-name> <folder>
 */
import path from 'node:path'
import { CASES, type HostileCall } from './cases.js'

const [name, dir] = process.argv.slice(2)
const c = CASES.find((x) => x.name === name)
if (!c || !dir) {
  process.stderr.write(`usage: run-case.ts <${CASES.map((x) => x.name).join('|')}> <folder>\n`)
  process.exit(2)
}

async function rowsOf(call: HostileCall): Promise<number> {
  let rows = 0
  if (call.kind === 'inventory') {
    const { readInventory } = await import('../../src/index.js')
    for await (const batch of readInventory(path.join(dir, call.manifest), { columns: call.columns as never }).batches()) rows += batch.length
  } else if (call.kind === 'summarize') {
    const { summarizeInventory } = await import('../../src/index.js')
    rows = (await summarizeInventory(path.join(dir, call.manifest), {})).total.count
  } else if (call.kind === 'report') {
    const { readCompletionReport } = await import('../../src/index.js')
    for await (const batch of readCompletionReport(path.join(dir, call.manifest)).batches()) rows += batch.length
  } else if (call.kind === 'orc') {
    const { readOrc, orcJsonLines } = await import('../../src/formats/orc/index.js')
    const o = { columns: call.columns }
    for await (const _ of call.lines ? orcJsonLines(path.join(dir, call.file), o) : readOrc(path.join(dir, call.file), o)) rows++
  } else {
    const { readParquet } = await import('../../src/index.js')
    for await (const _ of readParquet(path.join(dir, call.file), { columns: call.columns })) rows++
  }
  return rows
}

const started = Date.now()
let result = 'ok'
let message: string | undefined
let rows = 0
try {
  rows = await rowsOf(c.call)
} catch (err) {
  const e = err as { name?: string; code?: string; message?: string }
  result = e?.name === 'S3InventoryError' && e.code ? e.code : `untyped: ${e?.name}: ${e?.message}`
  message = `${e?.message ?? ''} ${(err as { actual?: string }).actual ?? ''}`.trim()
}
process.stdout.write(`${JSON.stringify({ name, result, message, rows, maxRSS: process.resourceUsage().maxRSS * 1024, ms: Date.now() - started })}\n`)
