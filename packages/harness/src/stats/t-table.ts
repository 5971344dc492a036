/**
 * Two-sided Student-t quantiles for small-sample confidence intervals.
 * simple-statistics has no t quantile, so we ship the classic table
 * (values from scipy.stats.t.ppf, 6 decimals) and interpolate linearly in
 * 1/df between entries, which is how printed tables are meant to be read and
 * is accurate to about 1e-3 for df >= 2.
 */

const TABLE_DF: readonly number[] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
  30, 40, 50, 60, 80, 100, 120,
];

interface TRow {
  level: number;
  /** Quantiles at TABLE_DF, then the normal limit (df = ∞). */
  values: readonly number[];
  infinity: number;
}

const T_TABLE: readonly TRow[] = [
  {
    level: 0.9,
    values: [
      6.313752, 2.919986, 2.353363, 2.131847, 2.015048, 1.94318, 1.894579, 1.859548, 1.833113, 1.812461,
      1.795885, 1.782288, 1.770933, 1.76131, 1.75305, 1.745884, 1.739607, 1.734064, 1.729133, 1.724718,
      1.720743, 1.717144, 1.713872, 1.710882, 1.708141, 1.705618, 1.703288, 1.701131, 1.699127, 1.697261,
      1.683851, 1.675905, 1.670649, 1.664125, 1.660234, 1.657651,
    ],
    infinity: 1.644854,
  },
  {
    level: 0.95,
    values: [
      12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
      2.200985, 2.178813, 2.160369, 2.144787, 2.13145, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
      2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.04523, 2.042272,
      2.021075, 2.008559, 2.000298, 1.990063, 1.983972, 1.97993,
    ],
    infinity: 1.959964,
  },
  {
    level: 0.99,
    values: [
      63.656741, 9.924843, 5.840909, 4.604095, 4.032143, 3.707428, 3.499483, 3.355387, 3.249836, 3.169273,
      3.105807, 3.05454, 3.012276, 2.976843, 2.946713, 2.920782, 2.898231, 2.87844, 2.860935, 2.84534,
      2.83136, 2.818756, 2.807336, 2.79694, 2.787436, 2.778715, 2.770683, 2.763262, 2.756386, 2.749996,
      2.704459, 2.677793, 2.660283, 2.638691, 2.625891, 2.617421,
    ],
    infinity: 2.575829,
  },
];

/** Confidence levels the t table covers. */
export const SUPPORTED_LEVELS: readonly number[] = T_TABLE.map((row) => row.level);

function rowFor(level: number): TRow {
  const row = T_TABLE.find((r) => Math.abs(r.level - level) < 1e-9);
  if (!row) {
    throw new RangeError(
      `confidence level ${level} is not tabulated; use one of ${SUPPORTED_LEVELS.join(', ')}`,
    );
  }
  return row;
}

/**
 * The two-sided Student-t quantile t such that P(|T_df| <= t) = level.
 * `df` may be fractional (Welch–Satterthwaite) and may be Infinity.
 */
export function tQuantile(df: number, level = 0.95): number {
  const row = rowFor(level);
  if (Number.isNaN(df) || df < 1) {
    throw new RangeError(`Student-t quantile needs df >= 1, got ${df}`);
  }
  if (df === Number.POSITIVE_INFINITY) return row.infinity;
  const x = 1 / df;
  for (let i = 0; i < TABLE_DF.length; i++) {
    const xi = 1 / TABLE_DF[i];
    if (x === xi) return row.values[i];
    if (x > xi) {
      // df lies between TABLE_DF[i-1] and TABLE_DF[i]; i > 0 because x <= 1.
      const xPrev = 1 / TABLE_DF[i - 1];
      return lerp(xPrev, row.values[i - 1], xi, row.values[i], x);
    }
  }
  // Beyond the last entry: interpolate towards the normal limit at 1/df = 0.
  const last = TABLE_DF.length - 1;
  return lerp(1 / TABLE_DF[last], row.values[last], 0, row.infinity, x);
}

/** The two-sided 95% Student-t quantile (e.g. 4.302653 for df = 2). */
export function studentT95(df: number): number {
  return tQuantile(df, 0.95);
}

function lerp(x0: number, y0: number, x1: number, y1: number, x: number): number {
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}
