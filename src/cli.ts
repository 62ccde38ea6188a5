#!/usr/bin/env node
import { main } from './cli/main.js'
import { dropSdkNodeVersionWarning } from './cli/warnings.js'

dropSdkNodeVersionWarning()
main().then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    process.stderr.write(`s3inv: INTERNAL: ${(err as Error)?.stack ?? err}\n`)
    process.exitCode = 1
  },
)
