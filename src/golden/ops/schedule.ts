import { etaSchedule } from '../../resshift/schedule.js';
import type { CaseContext } from '../context.js';
import { SCHEDULE } from '../tolerance.js';
import type { GoldenHandler } from '../types.js';

/** The eta schedule from its arguments alone: eta, alpha, sqrt_eta. */
export const scheduleHandler: GoldenHandler = {
  ops: ['eta_schedule'],
  isGiven: () => false,
  tolerance: () => SCHEDULE,
  run(ctx: CaseContext) {
    ctx.onlyArgs(['T', 'kappa', 'eta_1', 'p', 'eta_T_target']);
    const T = ctx.int('T');
    ctx.checkSize('eta', [T + 1]);
    const s = etaSchedule({ T, p: ctx.num('p', 0.3), eta1: ctx.num('eta_1', 0.008), etaT: ctx.num('eta_T_target', 0.999) });
    const shape = [s.T + 1];
    return new Map([
      ['eta', { shape, data: s.eta }],
      ['alpha', { shape, data: s.alpha }],
      ['sqrt_eta', { shape, data: s.sqrtEta }],
    ]);
  },
};
