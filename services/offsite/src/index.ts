export { startStack, type Stack, type StackOptions } from './stack.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
export { planDemo, startDemo, type DemoPlan } from './demo.js';
export { DemoRunState, readDemoState, writeDemoState } from './demo-state.js';
