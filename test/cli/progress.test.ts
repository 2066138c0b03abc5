/** Issue 10 item 3: progress on a terminal, plain lines elsewhere, nothing for quick work. */
import { describe, expect, it } from 'vitest';
import { progress } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { sink: { isTTY, write: (t: string) => written.push(t) }, written };
}

describe('progress', () => {
  it('writes a plain line at each tenth when stderr is not a terminal', () => {
    const { sink: s, written } = sink(false);
    const p = progress(s, 'Verifying audit chain', 5_000);
    for (let i = 0; i < 5; i++) p.advance(1_000);
    p.done();
    expect(written).toEqual([
      'Verifying audit chain: 1000/5000 (20%)\n',
      'Verifying audit chain: 2000/5000 (40%)\n',
      'Verifying audit chain: 3000/5000 (60%)\n',
      'Verifying audit chain: 4000/5000 (80%)\n',
    ]);
  });

  it('redraws one line on a terminal, at most every 100 ms, and clears it when done', () => {
    const { sink: s, written } = sink(true);
    let now = 0;
    const p = progress(s, 'Exporting audit', 2_000, () => now);
    now = 200;
    p.advance(500);
    p.advance(500); // within 100 ms of the last draw: skipped
    now = 400;
    p.advance(1_000); // the last item is always drawn
    p.done();
    expect(written).toEqual([
      '\rExporting audit [######------------------] 25% 500/2000',
      '\rExporting audit [########################] 100% 2000/2000',
      '\r\u001b[K',
    ]);
  });

  it('shows nothing for small jobs or without a sink', () => {
    const { sink: s, written } = sink(false);
    const p = progress(s, 'Replaying dead letters', 12);
    p.advance(12);
    p.done();
    progress(undefined, 'x', 10_000).advance(10_000);
    expect(written).toEqual([]);
  });
});
