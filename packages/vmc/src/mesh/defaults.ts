/**
 * Default settings of the deuteron mesh run (`nqs deuteron`, bench/deuteron.ts). Chosen by measured
 * time to the acceptance (relative energy error ≤ 1e−4, 1 − F_S ≤ 1e−5, 1 − F_D ≤ 1e−4 on LO500,
 * paper mesh of 64 points); numbers in bench/deuteron.ts output and the issue-3 report.
 */
export const DEUTERON_DEFAULTS = {
  potential: 'lo500',
  mesh: 'paper64',
  arch: '1sc',
  hidden: 60,
  activation: 'sigmoid',
  /** damped Gauss–Newton on the mesh (robust against float32 noise; L-BFGS stalls for some seeds) */
  optimizer: 'gn',
  /** energy iterations (Gauss–Newton; the acceptance was met after 70–120 for seeds 1–6) */
  epochs: 150,
  /** pre-training iterations (L-BFGS for 1sc/1sd, Levenberg–Marquardt for 2sc/2sd) */
  pretrainEpochs: 200,
  /**
   * pre-training method of the one-layer nets: L-BFGS on (K_S − 1)² + (K_D − 1)² (followed by
   * Gauss–Newton it gave 1sc N = 60 a relative error ~2e−7; after an LM pre-training 3e−4)
   */
  pretrainMethodOneLayer: 'lbfgs',
  /**
   * pre-training method of 2sc/2sd: Levenberg–Marquardt on the normalised-amplitude residual
   * (reached (K_S − 1)² + (K_D − 1)² < 1e−12 for every seed tried; L-BFGS left some seeds far off)
   */
  pretrainMethodTwoLayer: 'lm',
  lbfgsMemory: 50,
  learningRate: 1e-2,
  seed: 1,
} as const;

/** The acceptance thresholds of issue 3 (relative energy error, 1 − F_S, 1 − F_D). */
export const DEUTERON_ACCEPTANCE = { relativeError: 1e-4, infidelityS: 1e-5, infidelityD: 1e-4 } as const;
