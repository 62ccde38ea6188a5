/** What a decompressor throws: `reason` tells corrupt input from a cap reached or a feature we lack. */
export type CodecFailure = 'corrupt' | 'limit' | 'unsupported'

export class CodecError extends Error {
  constructor(
    readonly reason: CodecFailure,
    message: string,
  ) {
    super(message)
  }
}
