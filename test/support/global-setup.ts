/**
 * Starts one local S3-compatible server (s3rver, real S3 REST protocol over HTTP) on 127.0.0.1 with
 * a random port for the whole run. Tests talk to it with the real @aws-sdk/client-s3.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import S3rver from 's3rver'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string
  }
}

export default async function setup(project: TestProject) {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
  const { port } = (await server.run()) as { port: number }
  project.provide('s3Endpoint', `http://127.0.0.1:${port}`)
  return async () => {
    await server.close()
    await rm(directory, { recursive: true, force: true })
  }
}
