/**
 * An S3 endpoint "in another region", for tests: an HTTP proxy in front of the local S3 server that
 * answers 301 PermanentRedirect with `x-amz-bucket-region` (as S3 does) to every request not signed for
 * `region`, and forwards the others. It records the region each request was signed for.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RegionProxy {
  url: string
  /** The signing region of each request, in arrival order. */
  signedFor: string[]
  close(): Promise<void>
}

export async function startRegionProxy(target: string, region: string): Promise<RegionProxy> {
  const to = new URL(target)
  const state: RegionProxy = { url: '', signedFor: [], close: async () => {} }
  const server = http.createServer((req, res) => {
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '(unsigned)'
    state.signedFor.push(scope)
    if (scope !== region) {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>`
      req.resume()
      res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': region, 'content-length': Buffer.byteLength(body) }).end(body)
      return
    }
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  const sockets = new Set<import('node:net').Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return state
}
