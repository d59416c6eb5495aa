/** The part of `@lhncbc/ucum-lhc` (which ships no types) that lib/chart/units.ts uses. */
declare module '@lhncbc/ucum-lhc' {
  interface ValidateResult {
    status: 'valid' | 'invalid' | 'error';
    ucumCode: string | null;
    unit?: { code: string; name: string; guidance: string | null };
    msg: string[];
    suggestions?: { msg: string; invalidUnit: string; units: [string, string, string][] }[];
  }
  interface ConvertResult {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }
  export const UcumLhcUtils: {
    getInstance(): {
      validateUnitString(unit: string, suggest?: boolean): ValidateResult;
      convertUnitTo(
        from: string,
        value: number,
        to: string,
        options?: { suggest?: boolean; molecularWeight?: number },
      ): ConvertResult;
    };
  };
}
