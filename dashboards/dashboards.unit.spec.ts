import { DASHBOARDS } from './src/dashboards';

describe('generated dashboards', () => {
  it.each(Object.entries(DASHBOARDS))('%s: every panel says what it shows, has a unit and queries Prometheus', (_, build) => {
    const dashboard = build() as unknown as {
      uid: string;
      panels: { title: string; description?: string; fieldConfig?: { defaults?: { unit?: string } }; targets?: { expr?: string }[] }[];
    };
    expect(dashboard.uid).toMatch(/^baseliner-/);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(4);
    for (const panel of dashboard.panels) {
      expect({ panel: panel.title, description: (panel.description ?? '').length > 20 }).toEqual({ panel: panel.title, description: true });
      expect({ panel: panel.title, unit: panel.fieldConfig?.defaults?.unit }).toEqual({ panel: panel.title, unit: expect.any(String) });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr).toMatch(/baseliner|process_|nodejs_|scrape_/);
    }
  });

  it('the deployment dashboard is templated by deployment and has go-live and rollback annotations', () => {
    const dashboard = DASHBOARDS['baseliner-deployment.json']() as unknown as {
      templating: { list: { name: string }[] };
      annotations: { list: { name: string }[] };
    };
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'deployment']);
    expect(dashboard.annotations.list.map((a) => a.name)).toEqual(expect.arrayContaining(['Go-live', 'Rollback']));
  });
});
