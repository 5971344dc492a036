/**
 * Every malformed-input error says where: the file and either the 1-based
 * line (text formats) or the byte offset (binary formats), so a user can open
 * the trace at the bad spot instead of bisecting it.
 */
export class TraceFormatError extends Error {
  readonly path: string;
  readonly line: number | undefined;
  readonly offset: number | undefined;

  constructor(
    path: string,
    where: { line: number } | { offset: number; decompressed?: boolean } | undefined,
    message: string,
  ) {
    const at =
      where === undefined
        ? ''
        : 'line' in where
          ? `:${where.line}`
          : ` at byte offset ${where.offset}${where.decompressed ? ' of the decompressed data' : ''}`;
    super(`${path}${at}: ${message}`);
    this.name = 'TraceFormatError';
    this.path = path;
    this.line = where !== undefined && 'line' in where ? where.line : undefined;
    this.offset = where !== undefined && 'offset' in where ? where.offset : undefined;
  }
}
