export declare const SYSTEM_PACKAGES: Record<string, string>;
export declare const CHROMIUM: string;
export declare function ensureSystemPackages(
  names: string[],
  log?: (line: string) => void,
): { name: string; reason: string }[];
