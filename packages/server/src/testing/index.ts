export { BrokerCluster, MAIN_JS, type BrokerClusterOptions, type BrokerProcess } from './broker-cluster.js';
