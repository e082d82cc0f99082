export * from './web.module';
export * from './web.controller';
export * from './viewer-access';
export * from './deployment-series';
export * from './html';
export * from './explain';
export * from './views/portfolio.view';
export * from './views/deployment.view';
