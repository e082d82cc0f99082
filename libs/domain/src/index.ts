export * from './deployment/domain-error';
export * from './deployment/deployment.events';
export * from './deployment/deployment.state';
export * from './deployment/deployment.decider';
export * from './deployment/owner.rules';
export * from './deployment/criteria.rules';
export * from './intake/event-admission';
export * from './stored-events';
