import { writeFileSync } from 'node:fs';
import { EventChunk, OP_LOAD, OP_NAMES, OP_OPDONE, OP_READ, OP_STORE, OP_WRITE } from '@reclaim-lab/hw-model';
import { afterAll, describe, expect, it } from 'vitest';
import { traceEventSource, traceKeyStream } from '../src/trace/index.js';
import { tempDir } from './fixtures/traces/trace-test-helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// Keys 0x10, 17, 0x10, 5, 17, 0x1F → dense pages 0, 1, 0, 2, 1, 3 (first-seen order).
const path = tmp.path('events.csv');
writeFileSync(path, 'time,key,op\n0,0x10,r\n1,17,w\n2,0x10,r\n3,5,w\n4,17,r\n5,0x1F,w\n');

function drain(fill: (c: EventChunk) => number, capacity: number): [string, number, number][] {
  const chunk = new EventChunk(capacity);
  const out: [string, number, number][] = [];
  while (fill(chunk) > 0) {
    for (let i = 0; i < chunk.length; i++) out.push([OP_NAMES[chunk.op[i]], chunk.region[i], chunk.arg[i]]);
  }
  return out;
}

describe('traceEventSource', () => {
  it('file-fd: read()/write() of dense pages on region 0, each followed by opdone', () => {
    const { pages, requests, source } = traceEventSource(path, 'csv', { kind: 'file-fd', dense: true });
    expect(pages).toBe(4);
    expect(requests).toBe(6);
    const events = drain((c) => source.fill(c), 5);
    const ops = [OP_READ, OP_WRITE, OP_READ, OP_WRITE, OP_READ, OP_WRITE];
    const pagesSeen = [0, 1, 0, 2, 1, 3];
    expect(events).toEqual(
      ops.flatMap((op, i): [string, number, number][] => [
        [OP_NAMES[op], 0, pagesSeen[i]],
        [OP_NAMES[OP_OPDONE], 0, 0],
      ]),
    );
    expect(source.fill(new EventChunk(4))).toBe(0);
  });

  it('anon: loads and stores', () => {
    const { source } = traceEventSource(path, undefined, { kind: 'anon' });
    const ops = drain((c) => source.fill(c), 4096)
      .filter(([op]) => op !== 'opdone')
      .map(([op]) => op);
    expect(ops).toEqual([OP_LOAD, OP_STORE, OP_LOAD, OP_STORE, OP_LOAD, OP_STORE].map((o) => OP_NAMES[o]));
  });
});

describe('traceKeyStream', () => {
  it('yields dense page ids and write flags in chunks', () => {
    const stream = traceKeyStream(path, 'csv');
    expect(stream.pages).toBe(4);
    const ids = new Int32Array(4);
    const writes = new Uint8Array(4);
    expect(stream.read(ids, writes)).toBe(4);
    expect(Array.from(ids)).toEqual([0, 1, 0, 2]);
    expect(Array.from(writes)).toEqual([0, 1, 0, 1]);
    expect(stream.read(ids, writes)).toBe(2);
    expect(Array.from(ids.subarray(0, 2))).toEqual([1, 3]);
    expect(stream.read(ids)).toBe(0);
  });

  it('iterates chunks', () => {
    const all = [...traceKeyStream(path)].flatMap((c) => Array.from(c));
    expect(all).toEqual([0, 1, 0, 2, 1, 3]);
  });
});
