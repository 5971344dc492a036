import { describe, expect, it } from 'vitest';
import { modinfoDepends, resolveKernelPackage } from '../src/guest.js';

describe('guest building blocks', () => {
  it('reads depends= from a module’s .modinfo strings, dashes as underscores', () => {
    const ko = Buffer.from(
      '\x7fELF...\0license=GPL\0depends=zsmalloc,lz4hc_compress,lz4-compress\0intree=Y\0name=zram\0',
    );
    expect(modinfoDepends(ko)).toEqual(['zsmalloc', 'lz4hc_compress', 'lz4_compress']);
    expect(modinfoDepends(Buffer.from('\0depends=\0name=virtio_blk\0'))).toEqual([]);
    expect(modinfoDepends(Buffer.from('\0name=lz4\0'))).toEqual([]);
  });

  it('refuses a kernel that is not a Debian cloud image package, naming the flag and what is allowed', () => {
    expect(() => resolveKernelPackage('linux-image-amd64')).toThrow(
      /^--kernel: expected a Debian cloud kernel package \(linux-image-…-cloud-amd64\) or a series \(6\.1, 6\.12\), got "linux-image-amd64"$/,
    );
    expect(() => resolveKernelPackage('6.1; rm -rf /')).toThrow(/^--kernel: expected/);
  });
});
