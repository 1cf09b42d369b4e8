export { createEc2Api, type Ec2ApiOptions } from './create-ec2-api.js';
export { ACTIONS } from './actions/index.js';
export { EC2_API_VERSION, EC2_NAMESPACE } from './protocol/envelope.js';
export { Ec2Error } from './protocol/ec2-error.js';
export { toEc2Error, type Subject } from './protocol/error-mapping.js';
export { verifySignature, type ReceivedRequest, type VerifiedRequest, type VerifyOptions } from './auth/verify-signature.js';
