// --metrics-listen's address: what it takes, what it refuses with a reason, and which addresses are loopback (no
// token needed there).
import { describe, expect, it } from 'vitest';
import { isLoopback, parseListenAddress } from '../../../electron/server/metrics-listener';

describe('parseListenAddress', () => {
  it('takes IPv4, bracketed IPv6 and localhost with a port', () => {
    expect(parseListenAddress('127.0.0.1:9187')).toEqual({ host: '127.0.0.1', port: 9187 });
    expect(parseListenAddress('0.0.0.0:9187')).toEqual({ host: '0.0.0.0', port: 9187 });
    expect(parseListenAddress('[::1]:9187')).toEqual({ host: '::1', port: 9187 });
    expect(parseListenAddress('[::]:0')).toEqual({ host: '::', port: 0 });
    expect(parseListenAddress('localhost:9187')).toEqual({ host: '127.0.0.1', port: 9187 });
  });

  it('refuses what is not ADDR:PORT, naming the problem', () => {
    const error = (text: string) => {
      const parsed = parseListenAddress(text);
      return 'error' in parsed ? parsed.error : null;
    };
    expect(error('9187')).toMatch(/not ADDR:PORT/);
    expect(error('127.0.0.1')).toMatch(/not ADDR:PORT/);
    expect(error('127.0.0.1:99999')).toMatch(/99999 is not a port number/);
    expect(error('::1:9187')).toMatch(/not ADDR:PORT/);
    expect(error('[127.0.0.1]:9187')).toMatch(/not an IPv6 address/);
    expect(error('300.0.0.1:9187')).toMatch(/not ADDR:PORT/);
    expect(error('metrics.example.com:9187')).toMatch(/host name other than localhost/);
    expect(error('127.0.0.1:9187/metrics')).toMatch(/not ADDR:PORT/);
  });
});

describe('isLoopback', () => {
  it('is true for 127.0.0.0/8 and ::1 only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });
});
