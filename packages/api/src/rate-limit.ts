// The limiter lives in the core so every door (REST here, the EC2 Query API) limits alike.
export { RateLimiter, type RateLimitOptions } from '@skyport/core';
