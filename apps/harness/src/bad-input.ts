/**
 * Bad input ends as one line: no stack trace, no raw bytes, no help text.
 * Commander's and Node's multi-line messages are joined; control and
 * non-ASCII bytes are escaped; a runaway message is cut.
 */
export function oneLine(e: unknown): string {
  let msg = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /call stack/i.test(msg))
    msg = 'input nested too deeply to read (Maximum call stack size exceeded)';
  msg = msg
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ')
    .replace(/\(Did you mean (.*)\?\)/, '(did you mean $1?)')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control bytes is the point
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]/g, (c) =>
      c === '\ufffd' ? '\\ufffd' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
  return msg.length > 400 ? `${msg.slice(0, 397)}...` : msg;
}
