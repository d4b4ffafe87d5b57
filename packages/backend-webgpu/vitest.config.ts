import { nqsVitestConfig } from '../../vitest.shared.js';
export default nqsVitestConfig();
