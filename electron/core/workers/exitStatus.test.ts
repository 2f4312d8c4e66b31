import { describe, expect, it } from 'vitest';
import { STANDBY_NAME, waiterArgv, waiterUsesLogWriter } from './exitStatus';

describe('waiterUsesLogWriter', () => {
  const logWriter = { program: '/usr/bin/split', chunkPrefix: '/runs/7.log.chunk.', chunkBytes: 1024 };
  const nice = ['/usr/bin/nice', '-n', '10', '--'];
  const withWriter = waiterArgv('/bin/sh', '/runs/7.exit', '/usr/bin/agent', ['--go'], logWriter, 10);
  const withoutWriter = waiterArgv('/bin/sh', '/runs/7.exit', '/usr/bin/agent', ['--go'], null, 10);

  it('reads the log writer from the waiter’s argv, and from nice’s before it execs the waiter', () => {
    expect(waiterUsesLogWriter(withWriter)).toBe(true);
    expect(waiterUsesLogWriter([...nice, ...withWriter])).toBe(true);
    expect(waiterUsesLogWriter(withoutWriter)).toBe(false);
    expect(waiterUsesLogWriter([...nice, ...withoutWriter])).toBe(false);
  });

  it('says a worker without a waiter has none, and that an empty argv (between two execs) cannot tell', () => {
    expect(waiterUsesLogWriter(['/usr/bin/agent', '--go'])).toBe(false);
    // /proc/<pid>/cmdline reads empty while the kernel swaps one program for the next.
    expect(waiterUsesLogWriter([''])).toBeNull();
    expect(waiterUsesLogWriter([])).toBeNull();
    expect(waiterUsesLogWriter(null)).toBeNull();
  });

  it('cannot tell from a standby that answered but has not exec’d its command yet', () => {
    // Adopted in that instant, the worker is taken as the supervisor would start it now.
    expect(waiterUsesLogWriter(['/bin/sh', '-s', STANDBY_NAME])).toBeNull();
  });
});
