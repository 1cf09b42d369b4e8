export { BrokerCluster, MAIN_JS, type BrokerClusterOptions, type BrokerProcess } from './broker-cluster.js';
export { FAST_TUNING, assertCredentialsRefused, startTestBroker, type TestBroker } from './test-broker.js';
