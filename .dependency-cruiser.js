// @ts-check
// The layering of the architecture (docs/design-notes.md, "Layering, enforced") as an allow-list,
// checked by `npm run lint` with dependency-cruiser. Each rule is a layer and lists what its files
// may import; anything else they import is reported under that layer's name (a name per library
// where the layer's rule differs between its libraries, e.g. `apps:cli`). Bottom up:
//   1 contracts   2 domain, analytics   3 event-store (the port)   4 event-store-* (adapters)
//   5 platform (the composition root)   6 control, intake, projector
//   7 kafka-intake, otlp-intake, web   8 apps (wiring)   and the sdk on its own.
// No import cycles anywhere, type-only imports included. Tests (*.spec.ts, test/, a library's
// src/testing/) may import anything, but nothing that ships may import them.

/** Every file of these libraries of ours. */
const lib = (...names) => `^libs/(${names.join('|')})/src/`;
/** These libraries through their index only: the services they name there. */
const libIndex = (...names) => `^libs/(${names.join('|')})/src/index\\.ts$`;
/** These npm packages. */
const npm = (...names) => `^node_modules/(${names.join('|')})/`;
/** These Node built-ins (`node:crypto` resolves to `crypto`). */
const builtin = (...names) => `^(${names.join('|')})$`;

const TESTS = ['\\.spec\\.ts$', '^test/', '^libs/[^/]+/src/testing/'];
/** Layer 4: each adapter and the only driver it may use. */
const ADAPTERS = {
  'event-store-sqlite': ['better-sqlite3'],
  'event-store-postgres': ['pg', 'pg-copy-streams'],
  'event-store-kurrentdb': ['@kurrent/kurrentdb-client'],
};
/** Layer 6: the Nest modules. */
const SERVICES = ['control', 'intake', 'projector'];
/** Layer 7: transports and views, each with the driver it may use. */
const TRANSPORTS = { 'kafka-intake': ['kafkajs'], 'otlp-intake': ['protobufjs'], web: [] };
/** Layers 1-3 and 5: what the Nest modules and the transports build on (never an adapter). */
const BELOW_SERVICES = lib('contracts', 'domain', 'analytics', 'event-store', 'platform');
/** The server the Nest modules run in, and TypeBox for request schemas. */
const SERVER = npm('@nestjs/[^/]+', 'fastify', '@fastify/[^/]+', 'prom-client', 'reflect-metadata', 'rxjs', '@sinclair/typebox');
/** Layer 8: each app, and what it may import besides the libraries (never an adapter) and the server. */
const APPS = {
  baseliner: [],
  intake: [],
  projector: [],
  'kafka-intake': [],
  // The command line's parser, tables, colours, progress bars, YAML and CSV; kafkajs for
  // `baseliner dlq replay` (dlq-replay.ts: Kafka code that belongs in libs/kafka-intake).
  cli: [npm('commander', 'yaml', 'csv-parse', 'cli-table3', 'cli-progress', 'picocolors', 'kafkajs')],
  // The demo boots the one-process app and prints the CLI's status table.
  demo: ['^apps/(baseliner|cli)/src/'],
};
const APP_LIBRARIES = lib('contracts', 'domain', 'analytics', 'event-store', 'platform', ...SERVICES, ...Object.keys(TRANSPORTS), 'sdk');

/** A layer's rule: its files (tests aside) may import only `allowed`, and Node's built-ins where `builtins`. */
const layer = (name, from, allowed, comment, { builtins = false } = {}) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from, pathNot: TESTS },
  to: { pathNot: allowed, ...(builtins ? { dependencyTypesNot: ['core'] } : {}) },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    layer('contracts', lib('contracts'), [lib('contracts'), npm('@sinclair/typebox')], 'libs/contracts imports nothing of ours, only TypeBox: no Nest, no I/O.'),
    layer(
      'domain',
      lib('domain'),
      [lib('domain', 'contracts')],
      'libs/domain is pure and imports only libs/contracts: no Nest, no drivers, no node: modules (pass time and lookups in).',
    ),
    layer(
      'analytics',
      lib('analytics'),
      [lib('analytics', 'contracts', 'domain')],
      'libs/analytics is pure and imports only libs/contracts and libs/domain: no Nest, no drivers, no node: modules (the clock is passed in).',
    ),
    layer(
      'event-store-port',
      lib('event-store'),
      [lib('event-store', 'contracts', 'domain'), builtin('crypto')],
      'libs/event-store (the port, codec, in-memory store) imports libs/contracts, libs/domain and node:crypto only: importing the port loads no driver.',
    ),
    ...Object.entries(ADAPTERS).map(([adapter, drivers]) =>
      layer(
        `event-store-adapter:${adapter}`,
        lib(adapter),
        [lib(adapter, 'event-store'), npm(...drivers)],
        `An adapter imports the port (libs/event-store) and its own driver only: libs/${adapter} uses ${drivers.join(', ')} and Node's built-ins.`,
        { builtins: true },
      ),
    ),
    layer(
      'platform',
      lib('platform'),
      [lib('platform', 'contracts', 'domain', 'analytics', 'event-store', ...Object.keys(ADAPTERS)), SERVER],
      'libs/platform, the composition root and the only library that names an adapter, imports the layers below it and the server: no driver of its own.',
      { builtins: true },
    ),
    layer(
      'control-intake-projector',
      lib(...SERVICES),
      [lib('$1'), BELOW_SERVICES, libIndex(...SERVICES), SERVER],
      'libs/control, libs/intake and libs/projector import libs/platform and below (never an adapter), and one another only through the index.',
      { builtins: true },
    ),
    ...Object.entries(TRANSPORTS).map(([transport, drivers]) =>
      layer(
        `transports-and-views:${transport}`,
        lib(transport),
        [lib(transport), BELOW_SERVICES, libIndex(...SERVICES), SERVER, ...(drivers.length ? [npm(...drivers)] : [])],
        `libs/${transport} imports libs/control, libs/intake and libs/projector through their index and the layers below them (never an adapter)${drivers.length ? `, and ${drivers.join(', ')}` : ''}.`,
        { builtins: true },
      ),
    ),
    layer('sdk', lib('sdk'), [lib('sdk')], 'libs/sdk ships as a package of its own: Node built-ins only, nothing of ours, no npm package.', { builtins: true }),
    ...Object.entries(APPS).map(([app, extras]) =>
      layer(
        `apps:${app}`,
        `^apps/${app}/`,
        [`^apps/${app}/`, APP_LIBRARIES, SERVER, ...extras],
        `An app wires libraries (never an adapter: libs/platform picks one); apps/${app} may import what .dependency-cruiser.js lists for it.`,
        { builtins: true },
      ),
    ),
    layer(
      'dashboards',
      '^dashboards/',
      ['^dashboards/', lib('contracts'), npm('@grafana/grafana-foundation-sdk', 'yaml')],
      'The dashboard and rule generator takes metric names and thresholds from libs/contracts, nothing else of ours.',
      { builtins: true },
    ),
    {
      name: 'unlisted-layer',
      severity: 'error',
      comment: 'Every library and app has a layer in .dependency-cruiser.js: add this one where the architecture places it.',
      from: {
        path: '^(apps|libs)/',
        pathNot: [...TESTS, lib('contracts', 'domain', 'analytics', 'event-store', 'platform', 'sdk', ...Object.keys(ADAPTERS), ...SERVICES, ...Object.keys(TRANSPORTS)), `^apps/(${Object.keys(APPS).join('|')})/`],
      },
      to: {},
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Code that ships imports no spec, nothing under test/ and no src/testing/ folder.',
      from: { pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, between libraries or between the files of one (type-only imports count): move what both sides need to the module it belongs to.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'declared-in-package-json',
      severity: 'error',
      comment: 'An npm package imported (types included) but not declared in package.json: it came in through another package and can go with it. Declare it (devDependencies when only its types are imported).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'The import resolves to no file of ours and no installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Built output and the JavaScript scripts are not the layered TypeScript.
    exclude: { path: ['^(dist|coverage|reports)/', '^libs/[^/]+/dist/', '^(apps|libs|test|dashboards|deploy)/.*\\.[cm]?js$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
