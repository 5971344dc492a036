import { describe, expect, it } from 'vitest';
import { modinfoDepends, resolveKernelPackage } from '../src/guest.js';
import { simKernelFor } from '../src/real.js';

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

describe('simKernelFor: the simulator follows the guest kernel line', () => {
  it('maps a series, the meta-packages and concrete packages to machine.kernel, and refuses lines it has no rules for', () => {
    expect(simKernelFor('6.1')).toBe('6.1');
    expect(simKernelFor('linux-image-cloud-amd64')).toBe('6.1');
    expect(simKernelFor('linux-image-6.12-cloud-amd64')).toBe('6.12');
    expect(simKernelFor('linux-image-6.1.0-57-cloud-amd64')).toBe('6.1');
    expect(simKernelFor('linux-image-6.12.38+deb12-cloud-amd64')).toBe('6.12');
    expect(simKernelFor('linux-image-5.10.0-30-cloud-amd64')).toBeUndefined();
  });
});
