export { checkConformance, CONFORMANCE_RULES } from './checkConformance';
export type { ConformanceChannel, ConformanceLimits, ConformanceOptions, ConformanceRequest, ConformanceResult, ConformanceRule, ConformanceTokens } from './types';
