/** The `s3inv` command line. Every command prints errors as `s3inv: CODE: message` and exits 1; usage errors exit 2. */
import { Command, CommanderError } from 'commander'
import { formatError, S3InventoryError } from '../errors.js'
import pkg from '../../package.json'
import { register as deliveries } from './commands/deliveries.js'
import { register as estimate } from './commands/estimate.js'
import { register as ls } from './commands/ls.js'
import { register as report } from './commands/report.js'
import { register as stats } from './commands/stats.js'
import { register as enqueue } from './commands/enqueue.js'
import { register as exportCmd } from './commands/export.js'
import { register as dbUri } from './commands/db-uri.js'
import { register as cat } from './commands/cat.js'
import { register as html } from './commands/html.js'
import { OutputClosed, writer } from './output.js'

/** Each command lives in commands/<name>.ts and registers itself here. */
const COMMANDS: ((program: Command) => void)[] = [ls, stats, deliveries, report, estimate, enqueue, exportCmd, dbUri, cat, html]

function buildProgram(): Command {
  const program = new Command('s3inv')
    .description('Stream, filter and summarize S3 Inventory reports from S3 or local disk.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
  for (const register of COMMANDS) register(program)
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError()
  return program
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram()
  const debug = argv.includes('--debug')
  const out = writer(process.stdout)
  try {
    await program.parseAsync(argv)
    // Everything printed has reached the OS: a full disk or a closed descriptor fails the command.
    await out.flush()
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
      if (err.code === 'commander.invalidArgument' && err.exitCode === 2 && !err.message.startsWith('error:')) {
        process.stderr.write(`s3inv: error: ${err.message}\n`)
      }
      return 2
    }
    if (closedPipe(err)) return 0 // the reader of stdout went away (`| head`): not a failure
    process.stderr.write(`s3inv: ${formatError(err)}\n`)
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
    return 1
  }
}

/** The reader of our output went away: `s3inv … | head`. */
function closedPipe(err: unknown): boolean {
  if (err instanceof OutputClosed) return true
  const cause = (err as { cause?: { code?: string } } | null)?.cause
  return err instanceof S3InventoryError && err.code === 'WRITE_FAILED' && cause?.code === 'EPIPE'
}
