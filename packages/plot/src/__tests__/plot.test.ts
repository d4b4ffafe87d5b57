import { describe, expect, it } from 'vitest';
import { heatmap, linePlot } from '../index.js';

describe('linePlot', () => {
  it('draws one path per line series and skips non-finite and non-positive log points', () => {
    const svg = linePlot(
      [
        { label: 'a', x: [1, 2, 3], y: [1, 10, 100] },
        { label: 'b<c', x: [1, 2, 3], y: [0, NaN, 5], style: 'both' },
      ],
      { logY: true, title: 'T', hLines: [{ y: 3, label: 'exact' }] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg).toContain('b&lt;c');
    expect(svg).not.toContain('NaN');
    expect(svg.match(/<circle /g)?.length).toBe(1);
  });
  it('draws error bars', () => {
    const svg = linePlot([{ label: 'e', x: [0, 1], y: [1, 2], yErr: [0.1, 0.2], style: 'points' }]);
    expect(svg.match(/<circle /g)?.length).toBe(2);
    expect(svg.match(/<line x1="[\d.]+" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#1f77b4"\/>/g)?.length).toBe(2);
  });
});

describe('heatmap', () => {
  it('draws rows×cols cells', () => {
    const svg = heatmap([[1, -1, 0], [0.5, NaN, 2]]);
    // 6 cells + 50 colour-bar cells + background
    expect(svg.match(/<rect /g)!.length).toBe(6 + 50 + 2);
    expect(svg).toContain('#888');
  });
});
