/** Where every route of this version lives; the version is in the path so v2 can sit beside it. */
export const API_PREFIX = '/api/v1';
