import { PollPolicy } from '../../../sources/sql-server-cdc/poll-policy';
import { StallTracker } from '../../../sources/sql-server-cdc/stall-tracker';

describe('the CDC poll policy', () => {
  const settings = { pollIntervalMs: 100, maxPollIntervalMs: 1_000, jitter: 0.2, errorMinMs: 50, errorMaxMs: 400 };

  it('polls again after the interval with changes, at once after a capped window, and backs off ×2 with jitter up to the maximum while idle', () => {
    const p = new PollPolicy(settings);
    const idle = Array.from({ length: 6 }, () => p.afterWindow({ rows: 0, capped: false }));
    const bases = [100, 200, 400, 800, 1_000, 1_000];
    idle.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(bases[i]!);
      expect(d).toBeLessThanOrEqual(bases[i]! * 1.2);
    });
    expect(p.afterWindow({ rows: 5, capped: true })).toBe(0);
    const busy = p.afterWindow({ rows: 5, capped: false });
    expect(busy).toBeGreaterThanOrEqual(100);
    expect(busy).toBeLessThanOrEqual(120);
    expect(p.afterWindow({ rows: 0, capped: false })).toBeLessThanOrEqual(120); // idle backoff starts over after changes
  });

  it('backs off separately after errors, and starts over once a read succeeds', () => {
    const p = new PollPolicy(settings);
    const errors = Array.from({ length: 5 }, () => p.afterError());
    [50, 100, 200, 400, 400].forEach((base, i) => expect(errors[i]).toBeGreaterThanOrEqual(base));
    expect(p.afterWindow({ rows: 0, capped: false })).toBeLessThanOrEqual(120); // idle backoff unaffected
    p.succeeded();
    expect(p.afterError()).toBeLessThanOrEqual(60);
  });
});

describe('the capture stall tracker', () => {
  it('reports a max LSN standing still once after the threshold, and its moving again', () => {
    const t = new StallTracker(1_000, 0);
    expect(t.observe('0000000000000000000a', 10)).toBeUndefined();
    expect(t.observe('0000000000000000000a', 900)).toBeUndefined();
    expect(t.observe('0000000000000000000a', 1_010)).toEqual({ kind: 'capture-stalled', maxLsn: '0000000000000000000a', stalledMs: 1_000 });
    expect(t.observe('0000000000000000000a', 5_000)).toBeUndefined(); // once
    expect(t.observe('0000000000000000000b', 5_001)).toEqual({ kind: 'capture-resumed', maxLsn: '0000000000000000000b' });
    expect(t.observe(null, 5_002)).toBeUndefined();
    expect(new StallTracker(1_000, 0).observe(null, 1_000)).toEqual({ kind: 'capture-stalled', maxLsn: null, stalledMs: 1_000 });
  });
});
