export { ec2Driver } from './ec2-driver-factory.js';
export { EC2_BEHAVIOUR, EC2_CAPABILITIES, EC2_MAX_CAPABILITIES, IMPORT_FORMATS, ec2CapabilitiesFor } from './ec2-capabilities.js';
export { DEFAULT_SETTINGS, parseEc2Settings, type Ec2Settings } from './ec2-settings.js';
export { skyportCodeOf } from './ec2-errors.js';
