import { assembleExposition, SeriesWriter, type GaugeFamily } from './exposition';

const up: GaugeFamily = { name: 'demo_up', help: 'Whether it is up', labels: ['deployment', 'name'] };
const ratio: GaugeFamily = { name: 'demo_ratio', help: 'A ratio', labels: ['deployment'] };

describe('Prometheus text exposition', () => {
  it('groups each family once, with HELP and TYPE, across deployments', () => {
    const a = new SeriesWriter();
    a.gauge(up, ['a', 'Alpha'], 1);
    a.gauge(ratio, ['a'], 0.25);
    const b = new SeriesWriter();
    b.gauge(up, ['b', 'Beta'], 0);
    b.gauge(ratio, ['b'], Number.NaN); // no data: no series
    expect(assembleExposition([up, ratio], [a.blocks(), b.blocks()]).split('\n')).toEqual([
      '# HELP demo_up Whether it is up',
      '# TYPE demo_up gauge',
      'demo_up{deployment="a",name="Alpha"} 1',
      'demo_up{deployment="b",name="Beta"} 0',
      '# HELP demo_ratio A ratio',
      '# TYPE demo_ratio gauge',
      'demo_ratio{deployment="a"} 0.25',
      '',
    ]);
  });

  it('escapes label values and writes infinities as Prometheus does', () => {
    const w = new SeriesWriter();
    w.gauge(up, ['a', 'say "hi"\\back\nnewline'], Infinity);
    w.gauge(up, ['b', 'x'], -Infinity);
    expect(assembleExposition([up], [w.blocks()])).toContain('demo_up{deployment="a",name="say \\"hi\\"\\\\back\\nnewline"} +Inf\ndemo_up{deployment="b",name="x"} -Inf');
    expect(w.seriesCount).toBe(2);
  });
});
