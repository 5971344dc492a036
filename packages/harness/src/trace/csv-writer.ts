/**
 * Writes the plain CSV dialect that openCsvTrace reads:
 * `time,key,op,size[,next]`, op as r/w, next as the 0-based index of the next
 * request for the key or -1 for never. libCacheSim reads the same file with
 * `-t "time-col=1,obj-id-col=2,obj-size-col=4,has-header=true"`.
 */
import { OutputFile } from './file-io.js';
import { NEXT_NEVER, TRACE_OP_WRITE, type TraceChunk, type TraceWriter, u64ToString } from './trace-chunk.js';

export interface CsvWriterOptions {
  /** Add the `next` column (every request must then carry a next access). Default false. */
  nextAccess?: boolean;
}

class CsvWriter implements TraceWriter {
  readonly path: string;
  readonly format = 'csv';
  written = 0;
  private readonly out: OutputFile;
  private readonly nextAccess: boolean;

  constructor(path: string, options: CsvWriterOptions) {
    this.path = path;
    this.nextAccess = options.nextAccess ?? false;
    this.out = new OutputFile(path);
    this.out.writeAscii(this.nextAccess ? 'time,key,op,size,next\n' : 'time,key,op,size\n');
  }

  write(chunk: TraceChunk): void {
    let text = '';
    for (let i = 0; i < chunk.length; i++) {
      const op = chunk.op[i] === TRACE_OP_WRITE ? 'w' : 'r';
      text += `${chunk.time[i]},${u64ToString(chunk.keyHi[i], chunk.keyLo[i])},${op},${chunk.size[i]}`;
      if (this.nextAccess) {
        const next = chunk.next[i];
        if (Number.isNaN(next)) {
          this.out.writeAscii(text);
          throw new Error(
            `${this.path}: request ${this.written}: next access unknown but the writer records it`,
          );
        }
        text += next === NEXT_NEVER ? ',-1\n' : `,${next}\n`;
      } else text += '\n';
      this.written++;
    }
    this.out.writeAscii(text);
  }

  close(): void {
    this.out.commit();
  }

  abort(): void {
    this.out.abort();
  }
}

export function createCsvWriter(path: string, options: CsvWriterOptions = {}): TraceWriter {
  return new CsvWriter(path, options);
}
