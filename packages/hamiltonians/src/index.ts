import { hello } from '@nqs/quadrature';
export const h2 = hello + 1;
